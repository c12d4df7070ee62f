"""The bad-input matrix: every kind of bad or merely unusual input, each row through the command line
and through the window, with the same promises. Bad input gives one clear sentence (the CLI's one
stderr line and exit status, the page's status line in red), never a traceback; unusual input (other
encodings, sample rates, image modes, corrupt files among good ones) is read, not refused. Either
way nothing is written half-way, and nothing on disk changes except the job's own output (the
inputs, the output folder and the data folder are compared file by file before and after).

Rows: data files, model folders, audio, image folders, output places. Inputs are built once per
module from the tiny fixture models; every row gets its own output folder and data folder.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

import main
from gui import jobs
from gui.panels.classify import ClassifyPanel
from gui.panels.faces import FacesPanel
from gui.panels.transcribe import TranscribePanel
from gui.settings import Key
from gui.widgets.job_controls import ERROR_STYLE
from tests.fixtures.audio_env import virtual_microphone
from tests.fixtures.training_data import make_rows, write_rows

ROOT = Path(__file__).resolve().parent.parent
WAIT_MS = 120_000
BIG_ROWS = 100_000
#: the most a 100k-row file may add to a process's peak memory over a 1k-row one (reading it whole: ~260 MB)
STREAMING_GROWTH_MB = 64
REVIEWS = [{"id": str(i), "text": t} for i, t in enumerate(
    ["le café était très bon", "un film déjà vu, naïf et lent", "über die Brücke, schön", "the film was good"])]
pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]


# --- the inputs ------------------------------------------------------------------------------------

def evil_pickle(target: Path, marker: Path) -> Path:
    """A checkpoint whose unpickling runs code (it writes ``marker``): weights_only must refuse it."""
    import torch

    class Payload:
        def __reduce__(self):
            return exec, (f"open({str(marker)!r}, 'w').write('the pickle ran code')",)

    torch.save({"bert.embeddings.word_embeddings.weight": Payload()}, target)
    return target


def remote_code_model(source: Path, folder: Path, marker: Path) -> Path:
    """A classifier whose config maps to Python files of its own, which write ``marker`` when run."""
    shutil.copytree(source, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(model_type="evil-bert", architectures=["EvilForSequenceClassification"],
                  auto_map={"AutoConfig": "configuration_evil.EvilConfig",
                            "AutoModelForSequenceClassification": "modeling_evil.EvilModel"})
    (folder / "config.json").write_text(json.dumps(config))
    for name in ("configuration_evil.py", "modeling_evil.py"):
        (folder / name).write_text(f"open({str(marker)!r}, 'w').write('remote code ran')\n")
    return folder


def tone(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    waves = [0.3 * np.sin(2 * np.pi * f * t) for f in (440, 660)[:channels]]
    return np.stack(waves, 1).astype(np.float32) if channels > 1 else waves[0].astype(np.float32)


def write_image(path: Path, array: np.ndarray, mode: Optional[str] = None) -> Path:
    from PIL import Image

    Image.fromarray(array, mode).save(path) if mode else Image.fromarray(array).save(path)
    return path


@dataclass
class Inputs:
    root: Path
    paths: dict[str, Path]

    def __getitem__(self, name: str) -> Path:
        return self.paths[name]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, tiny_text_classifier, tiny_gpt2, tiny_whisper) -> Inputs:
    root = tmp_path_factory.mktemp("matrix-inputs")
    p: dict[str, Path] = {}
    models, data, sound, images = (root / n for n in ("models", "data", "audio", "images"))
    for folder in (models, data, sound, images):
        folder.mkdir()

    # models
    p["classifier"] = Path(shutil.copytree(tiny_text_classifier, models / "classifier"))
    p["gpt2"] = Path(shutil.copytree(tiny_gpt2, models / "gpt2"))
    p["whisper"] = Path(shutil.copytree(tiny_whisper, models / "whisper"))
    p["missing-model"] = models / "not-there"
    p["empty-model"] = models / "empty"
    p["empty-model"].mkdir()
    p["truncated"] = Path(shutil.copytree(p["classifier"], models / "truncated"))
    weights = p["truncated"] / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    p["pickle-only"] = Path(shutil.copytree(p["classifier"], models / "pickle-only"))
    import torch
    from safetensors.torch import load_file

    torch.save(load_file(str(p["classifier"] / "model.safetensors")), p["pickle-only"] / "pytorch_model.bin")
    (p["pickle-only"] / "model.safetensors").unlink()
    p["evil-pickle"] = Path(shutil.copytree(p["pickle-only"], models / "evil-pickle"))
    p["pickle-marker"] = root / "the-pickle-ran"
    evil_pickle(p["evil-pickle"] / "pytorch_model.bin", p["pickle-marker"])
    p["remote-marker"] = root / "the-remote-code-ran"
    p["remote-code"] = remote_code_model(p["classifier"], models / "remote-code", p["remote-marker"])
    p["no-tokenizer"] = Path(shutil.copytree(p["classifier"], models / "no-tokenizer"))
    for file in p["no-tokenizer"].iterdir():
        if file.name not in ("config.json", "model.safetensors"):
            file.unlink()

    # data files
    p["small"] = write_rows(data / "small.csv", REVIEWS)
    p["latin-1"] = write_rows(data / "latin-1.csv", REVIEWS, encoding="latin-1")
    p["utf-16"] = write_rows(data / "utf-16.csv", REVIEWS[:3], encoding="utf-16")
    p["no-label"] = write_rows(data / "no-label.csv", [{"text": r["text"]} for r in make_rows(4, seed=6)])
    p["one-class"] = write_rows(data / "one-class.csv", make_rows(8, seed=7, topics=("sports",)))
    p["empty"] = data / "empty.csv"
    p["empty"].write_bytes(b"")
    p["header-only"] = data / "header-only.csv"
    p["header-only"].write_text("text,label\n", encoding="utf-8")
    png = io.BytesIO()
    from PIL import Image

    Image.fromarray(np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(png, "PNG")
    p["binary"] = data / "photo.csv"
    p["binary"].write_bytes(png.getvalue())
    rng = np.random.default_rng(1)
    words = np.array("good bad film plot cat sat sun slow great hello".split())
    p["rows-1k"] = data / "rows-1k.csv"
    p["rows-100k"] = data / "rows-100k.csv"
    for path, n in ((p["rows-1k"], 1000), (p["rows-100k"], BIG_ROWS)):
        picks = rng.integers(0, len(words), (n, 3))
        path.write_text("id,text\n" + "".join(f"{i},{' '.join(words[r])}\n" for i, r in enumerate(picks)),
                        encoding="utf-8")
    p["rows-3k"] = write_rows(data / "rows-3k.csv", [{"id": str(i), "text": "the film was good"} for i in range(3000)])

    # audio
    p["wav-empty"] = sound / "empty.wav"
    p["wav-empty"].write_bytes(b"")
    p["wav-corrupt"] = sound / "corrupt.wav"
    p["wav-corrupt"].write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00junk" * 4)
    p["wav-8k"] = sound / "phone-8k.wav"
    sf.write(p["wav-8k"], tone(1.0, 8000), 8000, subtype="PCM_16")
    p["wav-48k"] = sound / "stereo-48k.wav"
    sf.write(p["wav-48k"], tone(1.0, 48000, channels=2), 48000, subtype="PCM_16")

    # images
    p["no-images"] = images / "none"
    p["no-images"].mkdir()
    (p["no-images"] / "notes.txt").write_text("no pictures here")
    gradient = np.stack(np.meshgrid(np.arange(40) * 6, np.arange(30) * 8), -1).astype(np.uint8)
    faces = np.concatenate([gradient, gradient[..., :1]], -1)
    p["some-corrupt"] = images / "some-corrupt"
    p["some-corrupt"].mkdir()
    for i in range(4):
        write_image(p["some-corrupt"] / f"face{i}.png", np.roll(faces, 3 * i, axis=1))
    (p["some-corrupt"] / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg at all")
    (p["some-corrupt"] / "cut.png").write_bytes((p["some-corrupt"] / "face0.png").read_bytes()[:80])
    p["modes"] = images / "modes"
    p["modes"].mkdir()
    write_image(p["modes"] / "grey.png", gradient[..., 0], "L")
    write_image(p["modes"] / "rgba.png", np.concatenate([faces, np.full((30, 40, 1), 128, np.uint8)], -1), "RGBA")
    p["deep"] = write_image(p["modes"] / "deep-16bit.png", (gradient[..., 1].astype(np.uint16) * 257))
    write_image(p["modes"] / "tiny.png", np.full((1, 1, 3), 200, np.uint8))
    return Inputs(root, p)


# --- what changed on disk ---------------------------------------------------------------------------

def snapshot(*roots: Path) -> dict[str, str]:
    """Every file under ``roots`` with a digest of its content and mode (the app's own log and settings left out)."""
    found = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            rel = str(path.relative_to(root.parent))
            if path.is_dir() or "/logs/" in f"/{rel}/" or path.name == "settings.ini":
                continue
            found[rel] = f"{hashlib.sha1(path.read_bytes()).hexdigest()} {oct(path.stat().st_mode)}"
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


# --- the rows ---------------------------------------------------------------------------------------

@dataclass
class Case:
    """One row for one interface: how to run it and what must come of it."""
    argv: list[str]
    gui: Callable[["Gui"], None]
    error: Optional[str] = None         # the message, a regular expression (None: the job succeeds)
    gui_error: Optional[str] = None     # where the window words it differently
    code: Optional[int] = None          # exit status (default: 2 for an error, else 0)
    writes: tuple[str, ...] = ()        # what the job writes: paths (prefixes) relative to the row's folder
    gui_writes: Optional[tuple[str, ...]] = None
    check: Optional[Callable[[Path], None]] = None   # more about the output (gets the row's folder)
    markers: tuple[Path, ...] = ()      # files that appear only if untrusted code ran


@dataclass
class Row:
    """What each row needs besides the case: mounts, a microphone, a memory measurement."""
    build: Callable[["Inputs", Path, "Mounts"], Case]
    live: Optional[str] = None          # "no device" or "lost"
    memory: bool = False


def exact(text: str) -> str:
    return re.escape(text)


def classify_file(i: Inputs, source: str, target: Path, **case) -> Case:
    return Case(["classify", "--model", str(i["classifier"]), "--file", str(i[source]), "--out", str(target),
                 "--batch-size", "512"],
                lambda g: g.classify_file(i["classifier"], i[source], target), **case)


def classify_text(i: Inputs, model: str, message: str, allow_pickle: bool = False, **case) -> Case:
    argv = ["classify", "--model", str(i[model]), "the film was good"] + ["--allow-pickle"] * allow_pickle
    return Case(argv, lambda g: g.predict(i[model], "the film was good", allow_pickle), error=message, **case)


def train(i: Inputs, data: str, message: str) -> Case:
    return Case(["train-classifier", "--model", str(i["classifier"]), "--train", str(i[data]), "--out", "matrix",
                 "--epochs", "1"], lambda g: g.train(i["classifier"], i[data], "matrix"), error=message)


def transcribe(i: Inputs, sound: str, out: Path, **case) -> Case:
    argv = ["transcribe", str(i[sound]), "--model", str(i["whisper"]), "--out", str(out / "out" / "transcript.srt")]
    return Case(argv, lambda g: g.transcribe_file(i["whisper"], i[sound]), **case)


def resampled(i: Inputs, sound: str) -> Callable[[Path], None]:
    """What the model heard: one second of mono 16 kHz audio, whatever the file's rate and channels."""
    def check(folder: Path) -> None:
        from models.transcribe.recognizer import read_audio

        heard = read_audio(i[sound])
        assert heard.ndim == 1 and heard.size == 16000
    return check


def train_faces(i: Inputs, images: str, **case) -> Case:
    argv = ["train-faces", "--images", str(i[images]), "--out", "faces", "--epochs", "1", "--batch-size", "4",
            "--nz", "8", "--ngf", "4", "--ndf", "4"]
    return Case(argv, lambda g: g.train_faces(i[images], "faces"), **case)


def decoded_output(rows: int) -> Callable[[Path], None]:
    """The predictions hold the input's texts, decoded (whatever the input's encoding), and a label each."""
    def check(folder: Path) -> None:
        with open(folder / "out" / "predictions.csv", encoding="utf-8", newline="") as fh:
            written = list(csv.DictReader(fh))
        assert [r["text"] for r in written] == [r["text"] for r in REVIEWS[:rows]]
        assert all(r["label"] in ("negative", "neutral", "positive") for r in written)
    return check


def faces_saved(unreadable: int) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        manifest = json.loads((folder / "home" / "models" / "faces" / "modeldesk.json").read_text())
        assert manifest["metrics"]["unreadable"] == unreadable
    return check


def sixteen_bits_are_scaled(i: Inputs) -> Callable[[Path], None]:
    def check(folder: Path) -> None:
        faces_saved(0)(folder)
        from models.faces.training import ImageFolder

        images = ImageFolder(i["modes"], 64)
        deep = images.load(images.files.index(i["deep"]))
        assert 40 < deep.mean() < 200   # the 16-bit values scaled to 8 bits (clipped: all white, 255)
    return check


def big_output(folder: Path) -> None:
    with open(folder / "out" / "predictions.csv", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == BIG_ROWS + 1


ROWS: dict[str, Row] = {
    # data files
    "data-missing-columns": Row(lambda i, o, m: train(
        i, "no-label", exact("no-label.csv has no usable label column; choose one (columns: text)."))),
    "data-one-class": Row(lambda i, o, m: train(
        i, "one-class", exact("one-class.csv has a single class ('sports'); a classifier needs at least two."))),
    "data-empty": Row(lambda i, o, m: classify_file(i, "empty", o / "out" / "predictions.csv",
                                                    error=exact("empty.csv is empty."))),
    "data-header-only": Row(lambda i, o, m: classify_file(i, "header-only", o / "out" / "predictions.csv",
                                                          error=exact("header-only.csv has a header but no rows."))),
    "data-latin-1": Row(lambda i, o, m: classify_file(i, "latin-1", o / "out" / "predictions.csv",
                                                      writes=("out/predictions.csv",), check=decoded_output(4))),
    "data-utf-16": Row(lambda i, o, m: classify_file(i, "utf-16", o / "out" / "predictions.csv",
                                                     writes=("out/predictions.csv",), check=decoded_output(3))),
    "data-binary-named-csv": Row(lambda i, o, m: classify_file(
        i, "binary", o / "out" / "predictions.csv",
        error=exact("The encoding of photo.csv could not be detected; it holds binary data, not the text of a CSV, "
                    "TSV or JSON Lines file."))),
    "data-100k-rows": Row(lambda i, o, m: classify_file(i, "rows-100k", o / "out" / "predictions.csv",
                                                        writes=("out/predictions.csv",), check=big_output),
                          memory=True),
    # models
    "model-missing-folder": Row(lambda i, o, m: classify_text(
        i, "missing-model", exact(f"Model folder {i['missing-model']} does not exist."))),
    "model-empty-folder": Row(lambda i, o, m: classify_text(
        i, "empty-model", exact(f"{i['empty-model']} is not a model folder: it has no config.json."))),
    "model-wrong-task": Row(lambda i, o, m: classify_text(
        i, "gpt2", exact(f"{i['gpt2']} is a text generator, not a text classifier."))),
    "model-truncated-safetensors": Row(lambda i, o, m: classify_text(
        i, "truncated", exact(f"{i['truncated']}'s model.safetensors is damaged or incomplete (") +
        r"it holds [\d,]+ bytes where its header says [\d,]+" + exact("); copy or download it again."))),
    "model-pickle-without-consent": Row(lambda i, o, m: classify_text(
        i, "pickle-only", exact(f"{i['pickle-only']} has only a pickle checkpoint, which can run code when loaded; "
                                "allow pickle checkpoints (Settings menu, or --allow-pickle) to load its weights "
                                "only (weights_only=True)."))),
    "model-malicious-pickle-with-consent": Row(lambda i, o, m: classify_text(
        i, "evil-pickle", exact("The model's pickle checkpoint holds more than tensors (it could run code), so it "
                                "was refused: weights_only=True loads nothing else."),
        allow_pickle=True, markers=(i["pickle-marker"],))),
    "model-remote-code": Row(lambda i, o, m: classify_text(
        i, "remote-code", exact(f"{i['remote-code']} needs Python code of its own to load (auto_map in its "
                                "config.json), and ModelDesk never runs code that comes with a model."),
        markers=(i["remote-marker"],))),
    "model-no-tokenizer": Row(lambda i, o, m: classify_text(
        i, "no-tokenizer", exact(f"{i['no-tokenizer']} has no tokenizer (no tokenizer.json, vocabulary or "
                                 "sentencepiece file beside its weights); copy it from where the model came from."))),
    # audio
    "audio-no-input-device": Row(lambda i, o, m: Case(
        ["transcribe", "--live", "--model", str(i["whisper"]), "--duration", "2"], lambda g: g.live(i["whisper"]),
        error=exact("No audio input device was found: connect a microphone (or check the sound server)."),
        gui_error=exact("No microphone found: connect one and press the reload button beside the list.")),
        live="no device"),
    "audio-device-lost": Row(lambda i, o, m: Case(
        ["transcribe", "--live", "--device", "pulse", "--model", str(i["whisper"]), "--duration", "30"],
        lambda g: g.live(i["whisper"], "pulse"), code=1,
        error=exact("The input device 'pulse' stopped delivering audio (was it unplugged?). "
                    "The transcript so far is kept.")), live="lost"),
    "audio-corrupt-file": Row(lambda i, o, m: transcribe(
        i, "wav-corrupt", o, error=exact("corrupt.wav is not a sound file ModelDesk can read (unsupported or "
                                         "corrupt): ") + r"[^\n]+\.")),
    "audio-empty-file": Row(lambda i, o, m: transcribe(
        i, "wav-empty", o, error=exact("empty.wav is empty (0 bytes): it holds no sound."))),
    "audio-8khz": Row(lambda i, o, m: transcribe(i, "wav-8k", o, writes=("out/transcript.srt",), gui_writes=(),
                                                 check=resampled(i, "wav-8k"))),
    "audio-48khz-stereo": Row(lambda i, o, m: transcribe(i, "wav-48k", o, writes=("out/transcript.srt",),
                                                         gui_writes=(), check=resampled(i, "wav-48k"))),
    # images
    "images-empty-folder": Row(lambda i, o, m: train_faces(
        i, "no-images", error=exact(f"{i['no-images']} has no jpg, png or webp images."))),
    "images-corrupt-files": Row(lambda i, o, m: train_faces(
        i, "some-corrupt", writes=("home/models/faces/", "home/runs/"), check=faces_saved(unreadable=2))),
    "images-grey-rgba-16bit-tiny": Row(lambda i, o, m: train_faces(
        i, "modes", writes=("home/models/faces/", "home/runs/"), check=sixteen_bits_are_scaled(i))),
    # output
    "output-is-a-folder": Row(lambda i, o, m: classify_file(
        i, "small", m.folder(o / "out" / "taken"),
        error=exact(f"{o / 'out' / 'taken'} is a folder; give the name of a file to save into."))),
    "output-read-only-folder": Row(lambda i, o, m: classify_file(
        i, "small", m.read_only(o / "out" / "locked") / "predictions.csv",
        error=exact(f"Could not save predictions.csv in {o / 'out' / 'locked'}: ") +
        "(Read-only file system|Permission denied)" + exact("."))),
    "output-full-disk": Row(lambda i, o, m: classify_file(
        i, "rows-3k", m.full(o / "out" / "full") / "predictions.csv",
        error=exact(f"Could not save predictions.csv in {o / 'out' / 'full'}: No space left on device."))),
}


# --- places to write to -------------------------------------------------------------------------------

class Mounts:
    """A folder, a read-only folder and a nearly full disk (tiny tmpfs mounts, unmounted after the test)."""

    PREVIOUS = "the previous predictions\n"

    def __init__(self) -> None:
        self.mounted: list[Path] = []

    def folder(self, path: Path) -> Path:
        path.mkdir(parents=True)
        (path / "keep.txt").write_text("a file of the user's")
        return path

    def _mount(self, path: Path, options: str) -> Path:
        if os.geteuid() != 0:
            pytest.fail("this row mounts a tiny tmpfs, which needs root (the test machine runs as root)", pytrace=False)
        path.mkdir(parents=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True)
        self.mounted.append(path)
        return path

    def read_only(self, path: Path) -> Path:
        return self._mount(path, "ro,size=64k")

    def full(self, path: Path) -> Path:
        """64 KiB holding the previous output: the new one (over 100 KiB) cannot fit."""
        self._mount(path, "size=64k")
        (path / "predictions.csv").write_text(self.PREVIOUS, encoding="utf-8")
        return path

    def unmount(self) -> None:
        for path in reversed(self.mounted):
            subprocess.run(["umount", str(path)], check=False)


@pytest.fixture
def row_folder(tmp_path, monkeypatch) -> Path:
    """The row's own folder: ``out`` for what it writes, ``home`` for the app's data."""
    (tmp_path / "out").mkdir()
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.fixture
def mounts():
    places = Mounts()
    yield places
    places.unmount()


def no_input_devices(monkeypatch) -> None:
    """PortAudio answers that there is no device at all (as on a machine without a sound card)."""
    import sounddevice

    monkeypatch.setattr(sounddevice, "query_devices", lambda *a, **k: sounddevice.DeviceList([]))


def kill_when_listening(mic) -> Callable[[str], None]:
    """Watches what is printed or shown; once the session listens, the sound server dies."""
    fired = threading.Event()

    def watch(text: str) -> None:
        if "istening on pulse" in text and not fired.is_set():
            fired.set()
            threading.Timer(0.5, mic.kill_server).start()

    return watch


def cli_in_own_process(argv: list[str], watch: Callable[[str], None]) -> tuple[int, str, str]:
    """Run the real CLI as a user would, in its own process, showing ``watch`` each line it prints.

    PortAudio's own C messages (which can repeat without end once a sound server dies) are counted,
    not kept, so they can never fill the disk or the memory; the process is killed after two minutes.
    """
    code = "import sys, main; sys.exit(main.main(sys.argv[1:]))"
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], cwd=ROOT, text=True, errors="replace",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    kept: list[str] = []
    timer = threading.Timer(120, proc.kill)
    timer.start()
    try:
        for line in proc.stdout:
            watch(line)
            if not line.startswith("Expression '") and len(kept) < 200:
                kept.append(line)
        returncode = proc.wait()
    finally:
        timer.cancel()
    assert returncode != -9, "the command line did not end within two minutes of losing its microphone"
    text = "".join(kept)
    return returncode, "", text


def assert_outcome(case: Case, folder: Path, before: dict, after: dict, writes: tuple[str, ...]) -> None:
    changed = changes(before, after)
    stray = {path for path in changed if not any(path.startswith(f"{folder.name}/{w}") for w in writes)}
    assert not stray, f"written outside the job's output: {sorted(stray)}"
    for prefix in writes:
        assert any(path.startswith(f"{folder.name}/{prefix}") for path in changed), f"{prefix} was not written"
    for marker in case.markers:
        assert not marker.exists(), f"untrusted code ran: {marker.read_text()}"
    if case.check is not None:
        case.check(folder)
    full = folder / "out" / "full"
    if full.is_dir():
        assert [p.name for p in full.iterdir()] == ["predictions.csv"]   # no temporary file left behind
        assert (full / "predictions.csv").read_text(encoding="utf-8") == Mounts.PREVIOUS


# --- through the command line --------------------------------------------------------------------------

def peak_memory_growth(argv_small: list[str], argv_big: list[str]) -> float:
    """MB the big run adds to the CLI process's peak memory after the small one (one process, the real CLI)."""
    code = ("import sys, json, main\n"
            "def peak():\n"
            "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 1024\n"
            "small, big = json.loads(sys.argv[1])\n"
            "assert main.main(small) == 0\n"
            "before = peak()\n"
            "assert main.main(big) == 0\n"
            "print('GROWTH', peak() - before)\n")
    result = subprocess.run([sys.executable, "-c", code, json.dumps([argv_small, argv_big])], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return float(result.stdout.strip().splitlines()[-1].split()[1])


@pytest.mark.parametrize("row", sorted(ROWS))
def test_command_line(row, inputs, row_folder, mounts, capsys, monkeypatch):
    spec = ROWS[row]
    case = spec.build(inputs, row_folder, mounts)
    before = snapshot(inputs.root, row_folder)
    if spec.memory:
        small = case.argv[:case.argv.index("--file") + 1] + [str(inputs["rows-1k"]), "--out",
                                                            str(row_folder / "small.csv")]
        growth = peak_memory_growth(small, case.argv)
        (row_folder / "small.csv").unlink()
        assert growth < STREAMING_GROWTH_MB, f"100k rows grew the peak memory by {growth:.0f} MB"
        code, out, err = 0, "", ""
    elif spec.live == "lost":
        with virtual_microphone() as mic:
            code, out, err = cli_in_own_process(case.argv, kill_when_listening(mic))
    else:
        if spec.live == "no device":
            no_input_devices(monkeypatch)
        code = main.main(case.argv)
        out, err = capsys.readouterr()
    assert "Traceback" not in err + out
    expected_code = case.code if case.code is not None else (2 if case.error else 0)
    assert code == expected_code, err
    if case.error:
        errors = [line for line in err.splitlines() if line.startswith("modeldesk: error: ")]
        assert len(errors) == 1 and re.fullmatch(case.error, errors[0].removeprefix("modeldesk: error: ")), err
        if spec.live is None:
            assert err == errors[0] + "\n" and out == ""   # one line, nothing else
    after = snapshot(inputs.root, row_folder)
    assert_outcome(case, row_folder, before, after, case.writes)


# --- through the window --------------------------------------------------------------------------------

class Gui:
    """Drives the real pages as a user would and returns their status line."""

    def __init__(self, qtbot, ctx) -> None:
        self.qtbot, self.ctx, self.runner = qtbot, ctx, ctx.runner
        self.status = None   # the QLabel the row's job reports on
        self.watch: Optional[Callable[[str], None]] = None   # sees every status text (the device-lost row)

    def show(self, widget):
        self.qtbot.addWidget(widget)
        widget.show()
        self.page = widget   # qtbot holds it weakly
        return widget

    def idle(self, *keys: str) -> None:
        self.qtbot.waitUntil(lambda: not any(self.runner.is_running(k) for k in keys), timeout=WAIT_MS)

    def run(self, page) -> None:
        self.status = page.status
        self.qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
        self.idle(page.job_key())

    def classify_file(self, model: Path, source: Path, target: Path) -> None:
        tab = self.show(ClassifyPanel(self.ctx)).file
        tab.picker.set_path(str(model))
        tab.set_input(str(source))
        self.idle(f"{tab.name}-columns")
        tab.output_edit.setText(str(target))
        self.run(tab)

    def predict(self, model: Path, text: str, allow_pickle: bool) -> None:
        self.ctx.settings.set(Key.ALLOW_PICKLE, allow_pickle)
        tab = self.show(ClassifyPanel(self.ctx)).predict
        tab.picker.set_path(str(model))
        tab.text.setPlainText(text)
        self.run(tab)

    def train(self, model: Path, data: Path, name: str) -> None:
        tab = self.show(ClassifyPanel(self.ctx)).train
        tab.picker.set_path(str(model))
        tab.train_file.set_path(str(data))
        self.idle(tab.train_file.key)
        tab.name_edit.setText(name)
        tab.epochs.setValue(1)
        self.run(tab)

    def transcribe_file(self, model: Path, sound: Path) -> None:
        panel = self.show(TranscribePanel(self.ctx))
        panel.picker.set_path(str(model))
        self.status = panel.status
        panel.transcribe_files([str(sound)])   # as a drop onto the Files tab's queue does
        self.qtbot.waitUntil(lambda: not panel.queue.running, timeout=WAIT_MS)
        self.idle("transcribe-devices")

    def live(self, model: Path, microphone: Optional[str] = None) -> None:
        panel = self.show(TranscribePanel(self.ctx))
        panel.picker.set_path(str(model))
        self.idle("transcribe-devices")
        if microphone is not None:
            panel.mic_combo.setCurrentIndex(panel.mic_combo.findData(microphone))
            assert panel.mic_combo.currentData() == microphone, "the virtual microphone is not listed"
        if self.watch is not None:
            shown = panel.set_status
            panel.set_status = lambda text, error=False: (self.watch(text), shown(text, error))
        self.run(panel)

    def train_faces(self, images: Path, name: str) -> None:
        panel = self.show(FacesPanel(self.ctx))
        panel.images_edit.setText(str(images))
        panel.name_edit.setText(name)
        panel.epochs_spin.setValue(1)
        panel.batch_spin.setValue(4)
        panel.width_spin.setValue(4)
        self.status = panel.train_controls.status
        self.qtbot.mouseClick(panel.train_controls.run_button, Qt.MouseButton.LeftButton)
        self.idle(panel.train_key)


def engine_peak_mb(runner) -> float:
    with open(f"/proc/{runner.engine.pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


@pytest.mark.parametrize("row", sorted(ROWS))
def test_window(row, inputs, row_folder, mounts, qtbot, app_ctx, monkeypatch):
    spec = ROWS[row]
    case = spec.build(inputs, row_folder, mounts)
    gui = Gui(qtbot, app_ctx)
    before = snapshot(inputs.root, row_folder)
    if spec.memory:
        gui.classify_file(inputs["classifier"], inputs["rows-1k"], row_folder / "small.csv")
        (row_folder / "small.csv").unlink()
        start = engine_peak_mb(app_ctx.runner)
        case.gui(gui)
        growth = engine_peak_mb(app_ctx.runner) - start
        assert growth < STREAMING_GROWTH_MB, f"100k rows grew the engine's peak memory by {growth:.0f} MB"
    elif spec.live == "lost":
        with virtual_microphone() as mic:   # before the engine starts: it takes the environment then
            gui.watch = kill_when_listening(mic)
            case.gui(gui)
    else:
        if spec.live == "no device":
            monkeypatch.setattr(jobs, "INPUT_DEVICES", jobs.JobSpec("tests.bad_input_jobs:no_input_devices"))
        case.gui(gui)
    text = gui.status.text()
    assert "Traceback" not in text and "\n" not in text, text
    if case.error:
        assert re.fullmatch(case.gui_error or case.error, text), text
        assert gui.status.styleSheet() == ERROR_STYLE
    else:
        assert gui.status.styleSheet() != ERROR_STYLE, text
    # a job the window starts after the row's own (a preview of the model just trained) still holds its
    # in-use mark; what counts is what stays once every job has ended
    qtbot.waitUntil(lambda: not app_ctx.runner.running_keys(), timeout=60_000)
    after = snapshot(inputs.root, row_folder)
    assert_outcome(case, row_folder, before, after, case.writes if case.gui_writes is None else case.gui_writes)


# --- the untrusted files would have run code -------------------------------------------------------------

def test_the_untrusted_files_do_run_code_when_loaded_unsafely(tmp_path, tiny_text_classifier):
    """The rows above prove nothing unless their payloads are live: unpickled without weights_only, or
    imported, they write their marker."""
    import runpy

    import torch

    marker = tmp_path / "ran"
    torch.load(evil_pickle(tmp_path / "evil.bin", marker), weights_only=False)
    assert marker.read_text() == "the pickle ran code"
    marker.unlink()
    folder = remote_code_model(tiny_text_classifier, tmp_path / "remote", marker)
    runpy.run_path(str(folder / "modeling_evil.py"))
    assert marker.read_text() == "remote code ran"
