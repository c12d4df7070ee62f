"""The store: what a folder is for, the safety refusals, the catalogue, importing and removing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.core import paths, store
from models.core.events import ModelDeskError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    return tmp_path / "home"


#: a safetensors file holding no tensors: a valid layout for the store's checks
EMPTY_SAFETENSORS = (2).to_bytes(8, "little") + b"{}"


def make_folder(folder: Path, config: dict, weights: str = "model.safetensors") -> Path:
    """A model folder as the store sees it: config.json, a weights file and a tokenizer (never loaded here)."""
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "tokenizer.json").write_text("{}")
    if weights:
        (folder / weights).write_bytes(EMPTY_SAFETENSORS if weights.endswith(".safetensors") else b"\0" * 8)
    return folder


CONFIGS = {
    "classify": {"model_type": "bert", "architectures": ["BertForSequenceClassification"]},
    "generate": {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]},
    "translate": {"model_type": "marian", "architectures": ["MarianMTModel"]},
    "translate-m2m": {"model_type": "m2m_100", "architectures": ["M2M100ForConditionalGeneration"]},
    "transcribe": {"model_type": "whisper", "architectures": ["WhisperForConditionalGeneration"]},
    "transcribe-ctc": {"model_type": "wav2vec2", "architectures": ["Wav2Vec2ForCTC"]},
    "faces": {"modeldesk_task": "faces", "model_type": "dcgan", "nz": 8, "ngf": 4, "ndf": 4, "image_size": 64},
    "encoder": {"model_type": "bert", "architectures": ["BertModel"]},
    "generate-no-architectures": {"model_type": "llama"},
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_task_detection(case, tmp_path):
    expected = case.split("-")[0]
    assert store.detect_task(CONFIGS[case]) == expected
    info = store.inspect(make_folder(tmp_path / case, CONFIGS[case]))
    assert (info.task, info.weights, info.name) == (expected, "safetensors", case)


def test_the_manifest_task_wins_and_is_merged(tmp_path):
    folder = make_folder(tmp_path / "m", {"model_type": "something-new"})
    with pytest.raises(ModelDeskError, match="names no known task"):
        store.inspect(folder)
    store.write_manifest(folder, task="classify", source="test")
    store.write_manifest(folder, parity={"fp32": {}})
    assert store.inspect(folder).task == "classify"
    assert set(store.read_manifest(folder)) == {"task", "source", "parity", "created"}


def test_pickle_only_is_refused_with_a_clear_sentence(tmp_path):
    folder = make_folder(tmp_path / "old", CONFIGS["classify"], weights="pytorch_model.bin")
    with pytest.raises(ModelDeskError) as refusal:
        store.open_model(folder, task="classify")
    message = str(refusal.value)
    assert "pickle checkpoint, which can run code when loaded" in message and "\n" not in message
    info = store.open_model(folder, task="classify", allow_pickle=True)
    assert info.weights == "pickle" and store.hf_kwargs(info)["use_safetensors"] is False
    assert store.hf_kwargs(info)["trust_remote_code"] is False


def test_missing_not_a_model_no_weights_and_wrong_task(tmp_path):
    with pytest.raises(ModelDeskError, match="does not exist"):
        store.open_model(tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ModelDeskError, match="is a file, not a model folder"):
        store.open_model(tmp_path / "file.txt")
    (tmp_path / "photos").mkdir()
    with pytest.raises(ModelDeskError, match="has no config.json"):
        store.open_model(tmp_path / "photos")
    with pytest.raises(ModelDeskError, match="has no weights"):
        store.open_model(make_folder(tmp_path / "empty", CONFIGS["generate"], weights=""))
    gpt = make_folder(tmp_path / "gpt", CONFIGS["generate"])
    with pytest.raises(ModelDeskError, match="gpt is a text generator, not a translation model"):
        store.open_model(gpt, task="translate")
    classifier = make_folder(tmp_path / "clf", CONFIGS["classify"])
    assert store.open_model(classifier, task=store.ENCODER).task == "classify"  # a classifier is a base too


def test_unknown_name_and_ctranslate2_folder(home, tmp_path):
    with pytest.raises(ModelDeskError, match="No model named 'nope'"):
        store.open_model("nope")
    ct2 = make_folder(tmp_path / "faster-whisper", {"suppress_ids": [1, 2], "lang_ids": [3]}, weights="model.bin")
    info = store.inspect(ct2)
    assert (info.task, info.weights) == ("transcribe", "ctranslate2")
    with pytest.raises(ModelDeskError, match="import it first"):
        store.open_model(ct2, task="transcribe")


def test_import_by_reference_and_by_copy(home, tmp_path):
    source = make_folder(tmp_path / "src" / "my model", CONFIGS["classify"])
    referenced = store.import_folder(source, name="ref")
    assert (referenced.source, referenced.path) == ("imported", source)
    assert json.loads((home / "imported.json").read_text()) == {"ref": str(source.resolve())}
    assert list(paths.models_dir().iterdir()) == []

    copied = store.import_folder(source, copy=True)
    assert copied.name == "my-model" and copied.path == paths.models_dir() / "my-model"
    assert (copied.path / "model.safetensors").is_file() and copied.source == "app"
    with pytest.raises(ModelDeskError, match="already exists"):
        store.import_folder(source, name="my-model", copy=True)

    listed = {m.name: m for m in store.list_models()}
    assert {n: m.source for n, m in listed.items()} == {"my-model": "app", "ref": "imported"}
    assert store.resolve("ref").path == source
    assert [m.name for m in store.list_models("generate")] == []
    assert sorted(m.name for m in store.list_models(store.ENCODER)) == ["my-model", "ref"]

    store.remove("ref")
    assert source.is_dir()  # forgotten, not deleted
    store.remove("my-model")
    assert not copied.path.exists()
    assert store.list_models() == []
    with pytest.raises(ModelDeskError, match="No removable model"):
        store.remove("ref")


def test_the_hugging_face_cache_is_listed(home, tmp_path):
    repo = tmp_path / "hf-cache" / "models--org--tiny-gpt"
    make_folder(repo / "snapshots" / "abc123", CONFIGS["generate"])
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    [info] = store.list_models("generate")
    assert (info.name, info.source, info.path.name) == ("org/tiny-gpt", "hf-cache", "abc123")


def test_modeldesk_home_keeps_installs_apart(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    source = make_folder(tmp_path / "gan", CONFIGS["faces"])
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "first"))
    store.import_folder(source, copy=True)
    assert [m.name for m in store.list_models("faces")] == ["gan"]
    assert paths.models_dir() == tmp_path / "first" / "models"
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "second"))
    assert store.list_models() == []
    with pytest.raises(ModelDeskError, match="No model named 'gan'"):
        store.resolve("gan")


# --- remove: only the one model folder, whatever the name -----------------------------------

def tree(root: Path) -> dict[str, str]:
    """Every path under ``root`` with what it is: a file's bytes, a link's target, or "dir"."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = f"link -> {path.readlink()}"
        elif path.is_dir():
            found[key] = "dir"
        else:
            found[key] = path.read_bytes().decode("latin-1")
    return found


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A MODELDESK_HOME with an app model, a link to a model elsewhere, an imported model, a cached hub
    model and sentinel files inside and outside the models folder."""
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    models = paths.models_dir()
    make_folder(models / "victim", CONFIGS["classify"])
    make_folder(models / "keep", CONFIGS["generate"])
    (tmp_path / "home" / "sentinel.txt").write_text("home")
    (paths.runs_dir() / "run-1").mkdir()
    (paths.runs_dir() / "run-1" / "config.json").write_text("{}")
    outside = make_folder(tmp_path / "outside" / "elsewhere", CONFIGS["translate"])
    (tmp_path / "outside" / "sentinel.txt").write_text("outside")
    (models / "link").symlink_to(outside, target_is_directory=True)
    store.import_folder(make_folder(tmp_path / "mine" / "imported", CONFIGS["faces"]), name="imported")
    repo = tmp_path / "hf-cache" / "models--org--cached"
    make_folder(repo / "snapshots" / "abc", CONFIGS["generate"])
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc")
    assert {m.name: m.source for m in store.list_models()} == {
        "keep": "app", "link": "app", "victim": "app", "imported": "imported", "org/cached": "hf-cache"}
    return tmp_path


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and message.count(". ") == 0


@pytest.mark.parametrize("name", ["..", ".", "", "a/../..", "../x", "../outside", "ABSOLUTE", "link",
                                  "org/cached", "models", "victim/..", "./victim"])
def test_remove_refuses_hostile_names_and_touches_nothing(scratch, name):
    name = str(scratch / "outside") if name == "ABSOLUTE" else name
    before = tree(scratch)
    with pytest.raises(ModelDeskError) as refusal:
        store.remove(name)
    assert one_sentence(str(refusal.value)), str(refusal.value)
    assert tree(scratch) == before


def test_a_link_in_the_models_folder_is_never_followed(scratch):
    with pytest.raises(ModelDeskError, match="is a link to .*elsewhere, not the app's own copy"):
        store.remove("link")
    assert (scratch / "outside" / "elsewhere" / "model.safetensors").is_file()


def test_removing_an_imported_model_only_forgets_it(scratch):
    before = tree(scratch)
    store.remove("imported")
    after = tree(scratch)
    assert json.loads(after.pop("home/imported.json")) == {}
    before.pop("home/imported.json")
    assert after == before
    assert "imported" not in {m.name for m in store.list_models()}


def test_removing_an_app_model_deletes_exactly_its_folder(scratch):
    before = tree(scratch)
    store.remove("victim")
    gone = {k for k in before if k == "home/models/victim" or k.startswith("home/models/victim/")}
    assert gone == {"home/models/victim", "home/models/victim/config.json", "home/models/victim/model.safetensors",
                    "home/models/victim/tokenizer.json"}
    assert tree(scratch) == {k: v for k, v in before.items() if k not in gone}
