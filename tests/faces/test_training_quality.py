"""What training keeps and reports: the EMA generator is the one saved, the best epoch by KID is the model and the
last one is kept for resuming, a generator that ignores z raises the collapse warning (and can stop training),
the memorisation check finds a planted copy, KID and the collapse watch behave."""
from __future__ import annotations

import json

import numpy as np
import pytest

from models.core import paths, store
from models.core.events import Data, Log, Metric
from models.faces import checkpoints, dcgan, generation, kid, memorisation, monitor, training

TINY_RUN = dict(image_size=32, nz=8, ngf=4, ndf=4, batch_size=8, device="cpu", preview_every=10 ** 6)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def epoch_values(events: list, name: str) -> list[float]:
    return [e.value for e in events if isinstance(e, Metric) and e.name == name and e.extra.get("scope") == "epoch"]


def warnings(events: list) -> list[str]:
    return [e.message for e in events if isinstance(e, Log) and e.level == "warning"]


def load(path):
    from safetensors.torch import load_file

    return load_file(str(path))


def test_the_saved_generator_is_the_moving_average_not_the_trained_one(home, face_images, monkeypatch):
    made = []

    class Recorded(training.Ema):   # the real EMA, remembered so the test can read its weights afterwards
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(training, "Ema", Recorded)
    training.train_faces(face_images, "ema", epochs=2, **TINY_RUN)
    folder = paths.models_dir() / "ema"
    last = load(folder / checkpoints.LAST_DIR / dcgan.GENERATOR_FILE)
    trained = load(folder / checkpoints.LAST_DIR / checkpoints.TRAINING_GENERATOR_FILE)
    averaged = {k: v for k, v in made[0].model.state_dict().items()}
    weights = [k for k in averaged if k.endswith("weight")]
    for key in weights:
        assert np.array_equal(last[key].numpy(), averaged[key].numpy()), key
    assert any(not np.array_equal(last[k].numpy(), trained[k].numpy()) for k in weights)   # not the raw weights


def test_the_best_epoch_by_kid_is_the_model_and_the_last_is_kept_for_resume(home, synthetic_faces):
    events: list = []
    first = training.train_faces(synthetic_faces, "best", epochs=2, progress=events.append, **TINY_RUN)
    folder = paths.models_dir() / "best"
    before = generation.generate(folder, range(8), device="cpu")
    # a destructive learning rate for one more epoch: its KID is worse, so the model stays at the earlier epoch
    second = training.train_faces(synthetic_faces, "best", epochs=3, resume=True, lr=0.5, progress=events.append,
                                  **TINY_RUN)
    kids = epoch_values(events, "kid")
    assert len(kids) == 3 and kids[2] > min(kids[:2])
    best = int(np.argmin(kids)) + 1
    assert second["saved_epoch"] == best == first["saved_epoch"] and second["epochs_trained"] == 3
    assert store.read_manifest(folder)["metrics"]["kid"] == pytest.approx(kids[best - 1])
    assert json.loads((folder / "config.json").read_text())["epochs_trained"] == best
    assert json.loads((folder / checkpoints.LAST_DIR / "config.json").read_text())["epochs_trained"] == 3
    from models.core import cache

    cache.clear()
    np.testing.assert_array_equal(generation.generate(folder, range(8), device="cpu"), before)
    assert any(f"Saved epoch {best} (best KID" in m for m in
               [e.message for e in events if isinstance(e, Log)])
    # resuming goes on from the last epoch (3), not from the saved one
    third = training.train_faces(synthetic_faces, "best", epochs=4, resume=True, **TINY_RUN)
    assert third["new_epochs"] == 1 and third["epochs_trained"] == 4


def _ignore_z(folder):
    """Zero the first layer of both saved generators: every latent then draws the same picture."""
    from safetensors.torch import save_file

    for name in (dcgan.GENERATOR_FILE, checkpoints.TRAINING_GENERATOR_FILE):
        path = folder / checkpoints.LAST_DIR / name
        state = load(path)
        state["net.0.weight"].zero_()
        save_file(state, str(path))


def test_a_generator_that_ignores_z_raises_the_collapse_warning_and_can_stop_there(home, face_images):
    training.train_faces(face_images, "flat", epochs=1, **TINY_RUN)
    folder = paths.models_dir() / "flat"
    _ignore_z(folder)
    events: list = []
    # a learning rate too small to move the weights: the generator keeps ignoring z
    result = training.train_faces(face_images, "flat", epochs=8, resume=True, lr=1e-12, stop_on_collapse=True,
                                  progress=events.append, **TINY_RUN)
    assert epoch_values(events, "variety") == [0.0, 0.0, 0.0]
    assert result["collapsed"] == 4 and result["epochs_trained"] == 4 and result["status"] == "completed"
    assert any("Epoch 4: the generator is collapsing" in m for m in warnings(events))
    assert [e.payload["epoch"] for e in events if isinstance(e, Data) and e.kind == "collapse"] == [4]


def test_the_cli_warns_on_collapse(home, face_images, capsys):
    from main import main

    common = ["train-faces", "--images", str(face_images), "--out", "cli-flat", "--image-size", "32",
              "--batch-size", "8", "--nz", "8", "--ngf", "4", "--ndf", "4", "--device", "cpu"]
    assert main([*common, "--epochs", "1"]) == 0
    _ignore_z(paths.models_dir() / "cli-flat")
    assert main([*common, "--epochs", "5", "--resume", "--lr", "1e-12"]) == 0
    captured = capsys.readouterr()
    assert "Epoch 4: the generator is collapsing" in captured.err
    assert "Warning: the generator is collapsing (from epoch 4)" in captured.out


def test_the_memorisation_check_finds_a_planted_copy():
    from tests.fixtures.faces_models import synthetic_face

    rng = np.random.default_rng(3)
    training_images = np.stack([synthetic_face(rng, 32) for _ in range(96)])
    generated = np.stack([synthetic_face(rng, 32) for _ in range(64)])
    clean = memorisation.check(generated, training_images)
    assert clean.near_copies == []
    noisy = np.clip(training_images[41].astype(int) + rng.integers(-3, 4, training_images[41].shape), 0, 255)
    generated[17] = training_images[10]
    generated[50] = noisy.astype(np.uint8)
    found = memorisation.check(generated, training_images)
    assert found.near_copies == [17, 50]
    assert found.nearest[17] == 10 and found.nearest[50] == 41 and found.distance[17] == 0.0
    picture = memorisation.pairs_picture(generated, training_images, found, count=4)
    assert picture.shape == (34 + 2, 8 * 34 + 2, 3)   # 4 pairs: one row of 8 tiles
    np.testing.assert_array_equal(picture[2:34, 2:34], training_images[10])   # nearest first: the exact copy


def test_training_reports_memorisation_each_epoch(home, face_images):
    events: list = []
    training.train_faces(face_images, "mem", epochs=1, progress=events.append, **TINY_RUN)
    reports = [e.payload for e in events if isinstance(e, Data) and e.kind == "memorisation"]
    assert len(reports) == 1 and reports[0]["checked"] == memorisation.CHECKED
    assert reports[0]["pairs"].dtype == np.uint8 and reports[0]["typical_distance"] > 0
    assert epoch_values(events, "nearest") == [pytest.approx(reports[0]["min_distance"])]


def test_kid_tells_data_from_its_imitations_and_is_the_same_every_time():
    from tests.fixtures.faces_models import synthetic_face

    rng = np.random.default_rng(0)
    real, fresh = (np.stack([synthetic_face(rng, 32) for _ in range(128)]) for _ in range(2))
    same, spread = kid.kid(real, fresh)
    assert kid.kid(real, fresh) == (same, spread) and spread > 0
    one_face = kid.kid(real, np.repeat(fresh[:1], 128, 0))[0]
    faded = kid.kid(real, ((fresh.astype(float) - 128) * 0.5 + 128).astype(np.uint8))[0]
    noise = kid.kid(real, rng.integers(0, 256, real.shape).astype(np.uint8))[0]
    for worse in (one_face, faded, noise):
        assert worse > same + 5 * spread, (worse, same, spread)
    # a freshly built network is the same network (fixed seed), so KID does not depend on the process
    assert all(np.array_equal(a, b) for a, b in zip(kid.FeatureNet().weights, kid.FeatureNet().weights))


def test_the_collapse_watch_needs_several_falling_epochs_below_half_the_data_variety_and_its_peak():
    watch = monitor.CollapseWatch(epochs=3)
    assert [watch.update(v) for v in (0.9, 0.8, 0.7, 0.6)] == [False] * 4      # falling, but still varied
    assert watch.update(0.45) is True                                           # and now below half
    fresh = monitor.CollapseWatch(epochs=3)
    assert [fresh.update(v) for v in (0.6, 0.45, 0.5, 0.4, 0.3, 0.2)] == [False] * 5 + [True]
    flat = monitor.CollapseWatch(epochs=3)
    assert [flat.update(0.0) for _ in range(3)] == [False, False, True]
    wobble = monitor.CollapseWatch(epochs=3)   # a new generator's first epochs dip a little below their start
    assert not any(wobble.update(v) for v in (0.22, 0.21, 0.21, 0.20, 0.19, 0.23, 0.4, 0.6))
