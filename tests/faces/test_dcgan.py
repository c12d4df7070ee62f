"""Faces: seeds → images, truncation, interpolation, grids, PNGs, and DCGAN training with Stop."""
from __future__ import annotations

import json

import numpy as np
import pytest

from models.faces import dcgan

from models.core import paths, store
from models.core.events import Cancelled, CancelToken, Data, Log, Metric, ModelDeskError
from tests.fixtures.faces_models import TINY


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_each_seed_always_gives_the_same_image(tiny_dcgan):
    pair = dcgan.generate(tiny_dcgan, [3, 5], device="cpu")
    assert pair.shape == (2, 64, 64, 3) and pair.dtype == np.uint8
    np.testing.assert_array_equal(pair, dcgan.generate(tiny_dcgan, [3, 5], device="cpu"))
    alone = dcgan.generate(tiny_dcgan, [5], device="cpu")[0]
    assert np.abs(alone.astype(int) - pair[1].astype(int)).max() <= 1  # same face in another batch
    assert not np.array_equal(pair[0], pair[1])
    assert dcgan.load_generator(tiny_dcgan, "cpu") is dcgan.load_generator(tiny_dcgan, "cpu")


def test_truncation_redraws_latents_beyond_the_threshold(tiny_dcgan):
    import torch

    full = dcgan.latent(7, 512)
    np.testing.assert_array_equal(full.numpy(), torch.randn(512, generator=torch.Generator().manual_seed(7)).numpy())
    assert full.abs().max() > 1.0
    near = dcgan.latent(7, 512, truncation=0.5)
    assert near.abs().max() <= 0.6745  # the central half of N(0, 1)
    assert torch.equal(near, dcgan.latent(7, 512, truncation=0.5))
    plain = dcgan.generate(tiny_dcgan, [1], device="cpu")
    truncated = dcgan.generate(tiny_dcgan, [1], truncation=0.3, device="cpu")
    assert not np.array_equal(plain, truncated)
    for bad in (0.0, 1.5):
        with pytest.raises(ModelDeskError, match="Truncation"):
            dcgan.generate(tiny_dcgan, [1], truncation=bad, device="cpu")


def test_interpolation_runs_from_one_seed_to_the_other(tiny_dcgan):
    frames = dcgan.interpolate(tiny_dcgan, 2, 9, steps=5, device="cpu")
    ends = dcgan.generate(tiny_dcgan, [2, 9], device="cpu")
    assert frames.shape == (5, 64, 64, 3)
    assert np.abs(frames[0].astype(int) - ends[0]).max() <= 1
    assert np.abs(frames[-1].astype(int) - ends[1]).max() <= 1
    assert not np.array_equal(frames[2], frames[0])
    with pytest.raises(ModelDeskError, match="at least 2 steps"):
        dcgan.interpolate(tiny_dcgan, 2, 9, steps=1, device="cpu")


def test_grid_tiles_images_with_padding():
    images = np.stack([np.full((8, 6, 3), 10 * (i + 1), np.uint8) for i in range(5)])
    grid = dcgan.make_grid(images, cols=3, pad=2)
    assert grid.shape == (2 * 10 + 2, 3 * 8 + 2, 3)
    np.testing.assert_array_equal(grid[2:10, 2:8], images[0])
    np.testing.assert_array_equal(grid[12:20, 10:16], images[4])  # second row, second column
    assert grid[0].max() == 0 and grid[12:20, 18:24].max() == 0  # padding and the empty sixth cell
    with pytest.raises(ModelDeskError):
        dcgan.make_grid(np.zeros((0, 8, 8, 3), np.uint8), cols=2)


def test_save_png_round_trip(tmp_path):
    from PIL import Image

    picture = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    target = dcgan.save_png(picture, tmp_path / "out" / "grid.png")
    np.testing.assert_array_equal(np.asarray(Image.open(target)), picture)
    assert [p.name for p in target.parent.iterdir()] == ["grid.png"]


@pytest.mark.parametrize("text, seeds", [("0-3,7", [0, 1, 2, 3, 7]), (" 5 , 2-3", [5, 2, 3]),
                                         ("4,4,3-4", [4, 3]), ("9", [9])])
def test_parse_seeds(text, seeds):
    assert dcgan.parse_seeds(text) == seeds


@pytest.mark.parametrize("text, message", [("", "at least one seed"), ("a", "'a' is not a seed"),
                                           ("3-1", "runs backwards"), ("-1", "'-1' is not a seed"),
                                           ("0-5000", "At most"), ("99999999999", "too large")])
def test_parse_seeds_rejects_bad_text(text, message):
    with pytest.raises(ModelDeskError, match=message):
        dcgan.parse_seeds(text)


def test_a_non_faces_model_is_refused(tmp_path):
    folder = tmp_path / "gpt"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2"}))
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelDeskError, match="is a text generator, not a face generator"):
        dcgan.load_generator(folder)


def test_training_one_epoch_writes_a_loadable_model(home, face_images):
    events = []
    out = dcgan.train_dcgan(face_images, "my faces", epochs=1, batch_size=6, device="cpu", progress=events.append,
                            **{k: TINY[k] for k in ("nz", "ngf", "ndf")})
    assert out == paths.models_dir() / "my-faces"
    g_losses = [e for e in events if isinstance(e, Metric) and e.name == "g_loss"]
    d_losses = [e for e in events if isinstance(e, Metric) and e.name == "d_loss"]
    assert len(g_losses) == len(d_losses) == 3  # 17 image files (one broken) in batches of 6
    assert all(np.isfinite(e.value) for e in g_losses + d_losses)
    assert [e.step for e in g_losses] == [1, 2, 3] and g_losses[-1].epoch == 1.0
    samples = [e for e in events if isinstance(e, Data) and e.kind == "samples"]
    assert len(samples) == 1 and samples[0].payload.dtype == np.uint8
    assert samples[0].payload.shape == (4 * 66 + 2, 4 * 66 + 2, 3)
    assert any(isinstance(e, Log) and "1 unreadable" in e.message for e in events)
    info = store.open_model("my-faces", task="faces")
    assert info.manifest["metrics"]["unreadable"] == 1 and info.manifest["metrics"]["images"] == 16
    assert json.loads((out / "config.json").read_text())["epochs_trained"] == 1
    assert dcgan.generate(out, [0, 1], device="cpu").shape == (2, 64, 64, 3)
    with pytest.raises(ModelDeskError, match="already exists"):
        dcgan.train_dcgan(face_images, "my faces", epochs=1, device="cpu")


def test_stop_mid_epoch_keeps_the_last_whole_epoch_and_resume_continues(home, face_images):
    token = CancelToken()
    events = []

    def listen(event):
        events.append(event)
        if isinstance(event, Data):  # stop during the second epoch, right after the first is saved
            token.cancel()

    out = dcgan.train_dcgan(face_images, "stopped", epochs=3, batch_size=4, device="cpu", progress=listen,
                            cancel=token, **{k: TINY[k] for k in ("nz", "ngf", "ndf")})
    assert json.loads((out / "config.json").read_text())["epochs_trained"] == 1
    assert len([e for e in events if isinstance(e, Metric) and e.name == "g_loss"]) == 5  # ⌈17 / 4⌉
    assert dcgan.generate(out, [0], device="cpu").shape == (1, 64, 64, 3)
    assert [p.name for p in paths.models_dir().iterdir()] == ["stopped"]  # no temp folder left
    before = dcgan.generate(out, [0], device="cpu")

    dcgan.train_dcgan(face_images, "stopped", epochs=1, batch_size=8, resume=out, device="cpu")
    assert json.loads((out / "config.json").read_text())["epochs_trained"] == 2
    assert not np.array_equal(before, dcgan.generate(out, [0], device="cpu"))  # cache dropped, new weights


def test_stop_before_the_first_epoch_ends_leaves_nothing(home, face_images):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        dcgan.train_dcgan(face_images, "never", epochs=1, device="cpu", cancel=token,
                          **{k: TINY[k] for k in ("nz", "ngf", "ndf")})
    assert list(paths.models_dir().iterdir()) == []


def test_image_folder_errors(home, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no pictures here")
    with pytest.raises(ModelDeskError, match="has no jpg, png or webp images"):
        dcgan.train_dcgan(empty, "x", device="cpu")
    with pytest.raises(ModelDeskError, match="does not exist"):
        dcgan.train_dcgan(tmp_path / "missing", "x", device="cpu")
    (empty / "bad.jpg").write_bytes(b"\x00" * 10)
    with pytest.raises(ModelDeskError, match="None of the 1 image files"):
        dcgan.train_dcgan(empty, "x", device="cpu", **{k: TINY[k] for k in ("nz", "ngf", "ndf")})
    assert list(paths.models_dir().iterdir()) == []


# --- command line ------------------------------------------------------------------------

def test_cli_faces_writes_the_png_grid(tiny_dcgan, tmp_path, capsys):
    from PIL import Image

    from main import main

    out = tmp_path / "grid.png"
    assert main(["faces", "--model", str(tiny_dcgan), "--seeds", "0-3,7", "--cols", "3", "--out", str(out),
                 "--device", "cpu"]) == 0
    grid = np.asarray(Image.open(out))
    assert grid.shape == (2 * 66 + 2, 3 * 66 + 2, 3)
    expected = dcgan.make_grid(dcgan.generate(tiny_dcgan, [0, 1, 2, 3, 7], device="cpu"), cols=3)
    np.testing.assert_array_equal(grid, expected)
    assert "Wrote 5 faces" in capsys.readouterr().out


def test_cli_faces_bad_seeds_is_one_line(tiny_dcgan, tmp_path, capsys):
    from main import main

    assert main(["faces", "--model", str(tiny_dcgan), "--seeds", "7-2", "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "runs backwards" in err[0]
    assert not (tmp_path / "g.png").exists()


def test_cli_train_faces_prints_one_line_per_epoch(home, face_images, capsys):
    from main import main

    assert main(["train-faces", "--images", str(face_images), "--out", "cli-faces", "--epochs", "2",
                 "--batch-size", "32", "--nz", "8", "--ngf", "4", "--ndf", "4", "--device", "cpu"]) == 0
    epochs = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["Epoch 1/2", "Epoch 2/2"]
    assert dcgan.generate("cli-faces", [0], device="cpu").shape == (1, 64, 64, 3)


def test_pickle_only_faces_models_need_consent_then_load_weights_only(home, tiny_dcgan, face_images, pickle_only,
                                                                      torch_loads):
    folder = pickle_only(tiny_dcgan, dcgan.PICKLE_FILES)
    calls = {"generate": lambda **kw: dcgan.generate(folder, [3, 5], device="cpu", **kw),
             "interpolate": lambda **kw: dcgan.interpolate(folder, 3, 5, steps=3, device="cpu", **kw),
             "train_dcgan": lambda **kw: dcgan.train_dcgan(face_images, "resumed", epochs=1, batch_size=8,
                                                           resume=folder, device="cpu", **kw)}
    for name, call in calls.items():
        with pytest.raises(ModelDeskError, match="has only a pickle checkpoint"):
            call()
    assert torch_loads == []
    np.testing.assert_array_equal(calls["generate"](allow_pickle=True),
                                  dcgan.generate(tiny_dcgan, [3, 5], device="cpu"))
    np.testing.assert_array_equal(calls["interpolate"](allow_pickle=True),
                                  dcgan.interpolate(tiny_dcgan, 3, 5, steps=3, device="cpu"))
    events: list = []
    target = calls["train_dcgan"](allow_pickle=True, backend="onnx-int8", progress=events.append)
    assert (target / dcgan.GENERATOR_FILE).is_file() and store.inspect(target).weights == "safetensors"
    assert len(torch_loads) == 3 and set(torch_loads) == {True}   # generator twice, then both networks
