"""DCGAN training: it measurably improves on synthetic faces without collapsing, checkpoints reload bit for
bit, resume continues the optimizers, Stop keeps the last epoch, the run reaches the Dashboard, the CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest

from models.core import paths, runs, store
from models.core.events import Cancelled, CancelToken, Data, Log, Metric, ModelDeskError
from models.faces import augment, checkpoints, dcgan, generation, latents, quality, training

#: small enough for seconds on one CPU thread, large enough to learn: tuned on the synthetic faces (it passes
#: augmenting every image or half of them; at the recipe's 0.25, chosen for 30 epochs at width 32, 6 epochs
#: at width 12 left SWD flat)
SHORT_RUN = dict(epochs=6, batch_size=6, image_size=32, nz=16, ngf=12, ndf=12, lr=1e-3, augment_probability=0.5,
                 preview_every=10 ** 6)
TINY_RUN = dict(image_size=32, nz=8, ngf=4, ndf=4)
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="module")
def short_training(tmp_path_factory):
    """One short training on simple synthetic faces, shared by the tests that judge its outcome."""
    import os

    import torch

    from tests.fixtures.faces_models import build_synthetic_faces

    root = tmp_path_factory.mktemp("short-training")
    before_home, before_threads = os.environ.get("MODELDESK_HOME"), torch.get_num_threads()
    os.environ["MODELDESK_HOME"] = str(root / "home")
    torch.set_num_threads(1)
    try:
        folder = build_synthetic_faces(root / "faces", count=384, size=32)
        events: list = []
        result = training.train_faces(folder, "short", device="cpu", progress=events.append, **SHORT_RUN)
        yield {"folder": folder, "events": events, "result": result, "home": root / "home"}
    finally:
        torch.set_num_threads(before_threads)
        if before_home is None:
            os.environ.pop("MODELDESK_HOME", None)
        else:
            os.environ["MODELDESK_HOME"] = before_home


def epoch_values(events: list, name: str) -> list[float]:
    return [e.value for e in events if isinstance(e, Metric) and e.name == name and e.extra.get("scope") == "epoch"]


def test_training_lowers_kid_and_the_sliced_wasserstein_distance(short_training):
    lines = [e.message for e in short_training["events"] if isinstance(e, Log) and e.level == training.EPOCH_LOG]
    swd = [float(line.split("SWD ", 1)[1].split(",")[0]) for line in lines]
    kid = [float(line.split("KID ", 1)[1].split(" ± ")[0]) for line in lines]
    assert len(swd) == SHORT_RUN["epochs"] and lines[0].startswith("Epoch 1/6: g_loss ")
    assert swd[-1] < swd[0] * 0.8, swd
    assert np.allclose(swd, epoch_values(short_training["events"], "swd"), atol=5e-5)
    assert np.allclose(kid, epoch_values(short_training["events"], "kid"), atol=5e-5)
    saved = short_training["result"]["saved_epoch"]
    assert kid[saved - 1] == min(kid) and kid[saved - 1] < kid[0] * 0.8, kid


def test_samples_differ_across_seeds_far_more_than_an_untrained_generators(short_training):
    """This 6-epoch run is a proxy; the issue's bar (0.5 after 30 epochs) is benchmarks/faces_acceptance.py's."""
    from PIL import Image

    model = short_training["result"]["model"]
    generated = generation.generate(model, range(64), device="cpu")
    real = np.stack([np.asarray(Image.open(p)) for p in sorted(short_training["folder"].iterdir())[:64]])
    ratio = quality.mean_pairwise_distance(generated) / quality.mean_pairwise_distance(real)
    assert ratio >= 0.4, ratio
    # the untrained generator does not pass: this is what training achieved
    untrained, _ = dcgan.build_dcgan({**{k: SHORT_RUN[k] for k in ("nz", "ngf", "ndf", "image_size")}}, seed=0)
    import torch

    training.recalibrate_norms(untrained, torch.randn(256, SHORT_RUN["nz"]))
    renderer = generation.TorchRenderer("untrained", untrained, SHORT_RUN["nz"], "cpu")
    fresh = generation.render(renderer, latents.seed_latents(range(64), SHORT_RUN["nz"]))
    assert quality.mean_pairwise_distance(fresh) / quality.mean_pairwise_distance(real) < 0.3


def test_a_reloaded_checkpoint_renders_the_same_image_bit_for_bit(short_training):
    from models.core import cache
    from models.faces.images import make_grid

    model = short_training["result"]["model"]
    # the preview drawn by the generator in memory as the saved epoch ended, against the saved model
    previews = [e.payload for e in short_training["events"] if isinstance(e, Data) and e.kind == "samples"]
    saved = generation.generate(model, training.PREVIEW_SEEDS, device="cpu")
    np.testing.assert_array_equal(make_grid(saved, cols=4), previews[short_training["result"]["saved_epoch"] - 1])
    before = generation.generate(model, [0, 3.5, 17], psi=0.7, device="cpu")
    cache.clear()
    again = generation.load_renderer(model, "cpu")
    np.testing.assert_array_equal(generation.generate(again, [0, 3.5, 17], psi=0.7), before)
    z = latents.seed_latents([0, 3.5, 17], SHORT_RUN["nz"])
    assert np.array_equal(again.forward(z, 0.7), generation.load_renderer(model, "cpu").forward(z, 0.7))


def test_the_run_is_on_disk_for_the_dashboard(short_training):
    result = short_training["result"]
    run = runs.load_run(short_training["home"] / "runs" / result["run_id"])
    assert run.status == "completed" and run.kind == "train-faces"
    replay = runs.replay(run.folder)
    assert [x for x, _ in replay["epochs"]["swd"]] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert {"g_loss", "d_loss", "kid", "kid_std", "variety", "nearest", "swd_32px", "swd_16px"} <= set(replay["epochs"])
    assert len(replay["steps"]["g_loss"]) == 6 * 64  # 384 images in batches of 6
    manifest = store.read_manifest(result["model"])
    saved = result["saved_epoch"]
    assert manifest["metrics"]["epoch"] == saved and manifest["run"] == result["run_id"]
    assert manifest["metrics"]["swd"] == pytest.approx(epoch_values(short_training["events"], "swd")[saved - 1])


def test_preview_grids_come_every_n_steps_and_each_epoch(home, face_images):
    events: list = []
    training.train_faces(face_images, "previews", epochs=1, batch_size=4, preview_every=2, device="cpu",
                         progress=events.append, **TINY_RUN)
    grids = [e.payload for e in events if isinstance(e, Data) and e.kind == "samples"]
    assert len(grids) == 2 + 1  # steps 2 and 4 (of 5: 16 readable images in batches of 4), and the epoch's end
    assert grids[0].shape == (4 * 34 + 2, 4 * 34 + 2, 3) and grids[0].dtype == np.uint8
    assert any(isinstance(e, Log) and "1 unreadable files skipped" in e.message for e in events)


def test_checkpoint_holds_the_optimizers_and_resume_continues_them(home, face_images):
    from safetensors.torch import load_file

    first = training.train_faces(face_images, "resumable", epochs=1, batch_size=8, device="cpu", **TINY_RUN)
    folder = paths.models_dir() / "resumable"
    state = load_file(str(folder / checkpoints.LAST_DIR / dcgan.OPTIMIZER_FILE))
    assert {k.split(".")[0] for k in state} == {"g", "d"} and float(state["g.0.step"]) == 3.0  # ⌈17 files / 8⌉
    assert first["epochs_trained"] == 1 and first["new_epochs"] == 1

    events: list = []
    second = training.train_faces(face_images, "resumable", epochs=3, batch_size=8, resume=True, device="cpu",
                                  progress=events.append, **TINY_RUN)
    assert (second["epochs_trained"], second["new_epochs"], second["status"]) == (3, 2, "completed")
    assert float(load_file(str(folder / checkpoints.LAST_DIR / dcgan.OPTIMIZER_FILE))["g.0.step"]) == 9.0  # from 3
    assert [e.message.split(":")[0] for e in events if isinstance(e, Log) and e.level == training.EPOCH_LOG] == [
        "Epoch 2/3", "Epoch 3/3"]
    assert runs.load_run(second["run_id"]).config["resumed_from_epoch"] == 1
    with pytest.raises(ModelDeskError, match="already trained 3 epochs"):
        training.train_faces(face_images, "resumable", epochs=3, resume=True, device="cpu", **TINY_RUN)
    with pytest.raises(ModelDeskError, match="already exists; choose another name or resume it"):
        training.train_faces(face_images, "resumable", epochs=5, device="cpu", **TINY_RUN)
    with pytest.raises(ModelDeskError, match="no model named 'other' to resume"):
        training.train_faces(face_images, "other", epochs=5, resume=True, device="cpu", **TINY_RUN)


def test_stop_keeps_the_last_finished_epoch_and_says_so(home, face_images):
    token = CancelToken()
    events: list = []

    def listen(event):
        events.append(event)
        if isinstance(event, Log) and event.level == training.EPOCH_LOG:  # stop during the second epoch
            token.cancel()

    result = training.train_faces(face_images, "stopped", epochs=3, batch_size=4, device="cpu", progress=listen,
                                  cancel=token, **TINY_RUN)
    assert (result["status"], result["epochs_trained"], result["new_epochs"]) == ("stopped", 1, 1)
    folder = paths.models_dir() / "stopped"
    assert json.loads((folder / "config.json").read_text())["epochs_trained"] == 1
    assert (f"Stopped; {folder} holds epoch 1 (the best KID), and epoch 1, the last finished one, is kept for "
            "resuming.") in [e.message for e in events if isinstance(e, Log)]
    assert [p.name for p in paths.models_dir().iterdir()] == ["stopped"]  # no temporary folder left
    assert runs.load_run(result["run_id"]).status == "stopped"

    token = CancelToken()
    token.cancel()
    events.clear()
    again = training.train_faces(face_images, "stopped", epochs=3, resume=True, device="cpu", cancel=token,
                                 progress=events.append, **TINY_RUN)
    assert (again["status"], again["new_epochs"], again["epochs_trained"]) == ("stopped", 0, 1)
    assert f"Stopped before epoch 2 ended; {folder} still holds what it held, as before." in [
        e.message for e in events if isinstance(e, Log)]


def test_stop_before_the_first_epoch_of_a_new_model_leaves_nothing(home, face_images):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        training.train_faces(face_images, "never", epochs=1, device="cpu", cancel=token, **TINY_RUN)
    assert list(paths.models_dir().iterdir()) == []
    assert runs.list_runs()[0].status == "stopped"


def test_bad_folders_and_options_are_refused(home, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("no pictures here")
    with pytest.raises(ModelDeskError, match="has no jpg, png or webp images"):
        training.train_faces(empty, "x", device="cpu", **TINY_RUN)
    with pytest.raises(ModelDeskError, match="does not exist"):
        training.train_faces(tmp_path / "missing", "x", device="cpu", **TINY_RUN)
    (empty / "bad.jpg").write_bytes(b"\x00" * 10)
    with pytest.raises(ModelDeskError, match="Fewer than two of the 1 image files"):
        training.train_faces(empty, "x", device="cpu", **TINY_RUN)
    with pytest.raises(ModelDeskError, match="32, 64 or 128"):
        training.train_faces(empty, "x", device="cpu", **{**TINY_RUN, "image_size": 48})
    with pytest.raises(ModelDeskError, match="Unknown augmentation 'blur'"):
        training.train_faces(empty, "x", augmentation="color,blur", device="cpu", **TINY_RUN)
    assert list(paths.models_dir().iterdir()) == []


def test_spectral_norm_and_minibatch_std_are_saved_and_resumed(home, face_images):
    training.train_faces(face_images, "sn", epochs=1, batch_size=8, spectral_norm=True, minibatch_std=True,
                         device="cpu", **TINY_RUN)
    config = dcgan.read_config(paths.models_dir() / "sn")
    assert config["spectral_norm"] is True and config["minibatch_std"] is True
    result = training.train_faces(face_images, "sn", epochs=2, batch_size=8, resume=True, device="cpu", **TINY_RUN)
    assert result["epochs_trained"] == 2


def test_diff_augment_is_differentiable_and_moves_pixels():
    import torch

    rng = torch.Generator().manual_seed(0)
    images = (torch.rand(4, 3, 16, 16) * 2 - 1).requires_grad_()
    out = augment.diff_augment(images, augment.parse_policy(augment.DEFAULT_POLICY), rng)
    assert out.shape == images.shape and not torch.equal(out, images)
    out.sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert augment.parse_policy("none") == () and augment.diff_augment(images, ()) is images
    moved = augment.translation(torch.arange(16.0).view(1, 1, 4, 4).expand(64, 1, 4, 4), rng, ratio=0.25)
    assert {tuple(m.flatten().tolist()) for m in moved} > {tuple(range(16))}  # some shifted, zeros let in


def test_diff_augment_at_a_probability_leaves_the_other_images_as_they_are():
    import torch

    images = (torch.rand(64, 3, 16, 16) * 2 - 1).requires_grad_()
    policy = augment.parse_policy("color,translation")
    out = augment.diff_augment(images, policy, torch.Generator().manual_seed(0), probability=0.5)
    same = [torch.equal(a, b) for a, b in zip(out, images)]
    assert 16 < sum(same) < 48                      # about half pass untouched, the rest are moved
    out.sum().backward()
    assert images.grad.abs().sum() > 0
    assert torch.equal(augment.diff_augment(images, policy, torch.Generator().manual_seed(0), probability=0.0), images)
    with pytest.raises(ModelDeskError, match="augmentation probability"):
        training.train_faces("never-read", "x", augment_probability=1.5, device="cpu", **TINY_RUN)


def test_sliced_wasserstein_tells_data_from_its_imitations():
    from tests.fixtures.faces_models import synthetic_face

    rng = np.random.default_rng(0)
    real, fresh = (np.stack([synthetic_face(rng, 32) for _ in range(64)]) for _ in range(2))
    same = quality.sliced_wasserstein(real, fresh)
    assert len(same) == 2  # 32 and 16 px levels
    one_face = quality.sliced_wasserstein(real, np.repeat(fresh[:1], 64, 0))
    faded = quality.sliced_wasserstein(real, ((fresh.astype(float) - 128) * 0.5 + 128).astype(np.uint8))
    noise = quality.sliced_wasserstein(real, rng.integers(0, 256, real.shape).astype(np.uint8))
    for worse in (one_face, faded, noise):
        assert np.mean(worse) > 3 * np.mean(same)
    assert quality.mean_pairwise_distance(np.repeat(fresh[:1], 8, 0)) == 0.0


# --- command line ------------------------------------------------------------------------

def test_cli_train_faces_prints_one_line_per_epoch_and_resumes(home, face_images, capsys):
    from main import main

    common = ["train-faces", "--images", str(face_images), "--out", "cli-faces", "--image-size", "32",
              "--batch-size", "16", "--nz", "8", "--ngf", "4", "--ndf", "4", "--device", "cpu"]
    assert main([*common, "--epochs", "1"]) == 0
    assert main([*common, "--epochs", "2", "--resume"]) == 0
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if line.startswith("Epoch ")]
    kids = [float(line.split("KID ", 1)[1].split(" ± ")[0]) for line in lines]
    best = int(np.argmin(kids)) + 1   # the epoch with the lowest printed KID is the one named as saved
    assert [line.split(" (best KID")[0] for line in out if line.startswith("Saved epoch")] == [
        "Saved epoch 1 of 1", f"Saved epoch {best} of 2"]
    assert [line.split(":")[0] for line in lines] == ["Epoch 1/1", "Epoch 2/2"]
    for line in lines:
        assert line.split(": ", 1)[1].startswith("g_loss ") and ", d_loss " in line and ", SWD " in line
        assert ", KID " in line and " ± " in line and ", variety " in line
    assert generation.generate("cli-faces", [0], device="cpu").shape == (1, 32, 32, 3)
    assert main([*common, "--epochs", "2", "--resume"]) == 2
    assert "already trained 2 epochs" in capsys.readouterr().err
