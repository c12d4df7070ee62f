"""Generators as people have them: the PyTorch DCGAN tutorial's generator, as an ONNX file whose z is
[N, nz, 1, 1] and as a ``.pt`` checkpoint, renders through the app's own path and exports like its own DCGAN."""
from __future__ import annotations

import numpy as np
import pytest

from models.core import exports, paths, store
from models.core.events import ModelDeskError
from models.faces import generation, latents
from models.faces import tutorial_import as ti
from tests.faces.test_training import home  # noqa: F401  (a private data folder per test)
from tests.fixtures.faces_models import tutorial_generator

NZ, NGF = 16, 4
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory):
    """The tutorial's network, its outputs for seeds 0-7 (computed here with plain torch) and its ONNX export
    as the tutorial's users make it: z [N, nz, 1, 1], a dynamic batch."""
    import torch

    folder = tmp_path_factory.mktemp("tutorial")
    net = tutorial_generator(NZ, NGF)
    z = latents.seed_latents(range(8), NZ)
    with torch.no_grad():
        expected = net(torch.from_numpy(z).view(8, NZ, 1, 1)).numpy()
    onnx_folder = folder / "onnx-gan"
    onnx_folder.mkdir()
    torch.onnx.export(net, (torch.zeros(2, NZ, 1, 1),), str(onnx_folder / "generator.onnx"), dynamo=True,
                      input_names=["z"], output_names=["image"], opset_version=17,
                      dynamic_shapes={"z": {0: torch.export.Dim("batch")}})
    return {"net": net, "expected": expected, "onnx": onnx_folder, "folder": folder}


def test_an_onnx_generator_taking_z_as_n_nz_1_1_renders_seeds_psi_and_paths(home, tutorial, tmp_path):
    info = store.import_folder(tutorial["onnx"], name="tutorial-onnx")
    renderer = generation.load_renderer(info.name, "cpu")
    assert renderer.signature.latent_rank == 4 and renderer.nz == NZ
    got = renderer.forward(latents.seed_latents(range(8), NZ), 1.0)
    assert np.abs(got - tutorial["expected"]).max() < 1e-4
    images = generation.generate(info.name, [0, 1, 2.5], device="cpu")
    assert len({img.tobytes() for img in images}) == 3
    average = generation.generate(info.name, [0, 5, 9.25], psi=0.0, device="cpu")
    import torch

    with torch.no_grad():
        g_of_zero = tutorial["net"](torch.zeros(1, NZ, 1, 1)).numpy()
    assert all(np.array_equal(face, generation.to_uint8(g_of_zero)[0]) for face in average)   # ψ = 0 is G(0)
    frames = generation.interpolate(info.name, [0, 3], frames=5, device="cpu")
    assert np.array_equal(frames[0], images[0]) and frames.shape == (5, 64, 64, 3)
    from models.faces.images import save_gif

    save_gif(frames, tmp_path / "path.gif")
    assert (tmp_path / "path.gif").stat().st_size > 0
    report = exports.export_model(info.name, device="cpu")   # INT8 of a z [N, nz, 1, 1] graph calibrates too
    assert report["int8"]["max_pixel_diff"] < 64


@pytest.mark.parametrize("wrap", [None, "netG_state_dict", "generator", "G"])
def test_a_tutorial_checkpoint_imports_renders_like_the_network_and_its_onnx_export(home, tutorial, tmp_path, wrap):
    import torch

    state = tutorial["net"].state_dict()
    saved = state if wrap is None else {wrap: state, "epoch": 5, "netD_state_dict": {}}
    checkpoint = tmp_path / "netG.pt"
    torch.save(saved, checkpoint)
    info = ti.import_tutorial_generator(checkpoint, "tutorial", allow_pickle=True)
    assert info.task == "faces" and info.path == paths.models_dir() / "tutorial"
    config = __import__("json").loads((info.path / "config.json").read_text())
    assert (config["nz"], config["ngf"], config["image_size"]) == (NZ, NGF, 64)
    renderer = generation.load_renderer("tutorial", "cpu")
    assert np.abs(renderer.forward(latents.seed_latents(range(8), NZ), 1.0) - tutorial["expected"]).max() < 1e-5
    faces = generation.generate("tutorial", range(8), device="cpu")
    onnx_info = store.import_folder(tutorial["onnx"], name=f"tutorial-onnx-{wrap}")
    from_onnx = generation.generate(onnx_info.name, range(8), device="cpu")
    assert np.abs(faces.astype(int) - from_onnx).max() <= 1
    report = exports.export_model("tutorial", device="cpu")     # a normal faces model: ONNX and INT8
    assert report["fp32"]["max_pixel_diff"] <= 1 and report["int8"]["max_pixel_diff"] < 64
    onnx_faces = generation.generate("tutorial", range(8), device="cpu", backend="onnx-fp32")
    assert np.abs(onnx_faces.astype(int) - faces).max() <= 1


def test_a_checkpoint_needs_consent_and_the_tutorial_shape(home, tutorial, tmp_path):
    import torch

    checkpoint = tmp_path / "netG.pt"
    torch.save(tutorial["net"].state_dict(), checkpoint)
    with pytest.raises(ModelDeskError, match="pickle checkpoint, which can run code"):
        ti.import_tutorial_generator(checkpoint, "x")
    mnist = tmp_path / "mnist.pt"
    torch.save(tutorial_generator(NZ, NGF, nc=1).state_dict(), mnist)
    with pytest.raises(ModelDeskError, match=r"found 5 transposed convolutions \(16→32 → 32→16 → 16→8 → 8→4 → 4→1\); "
                                             r"it draws 1 channel"):
        ti.import_tutorial_generator(mnist, "x", allow_pickle=True)
    other = tmp_path / "other.pt"
    torch.save({"optimizer": {"lr": torch.tensor(1.0)}}, other)
    with pytest.raises(ModelDeskError, match="holds no generator state dict \\(found optimizer\\)"):
        ti.import_tutorial_generator(other, "x", allow_pickle=True)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelDeskError, match="could not be read as a PyTorch checkpoint"):
        ti.import_tutorial_generator(tmp_path / "junk.pt", "x", allow_pickle=True)
    assert not paths.models_dir().exists() or list(paths.models_dir().iterdir()) == []


def test_the_cli_imports_a_checkpoint_and_refuses_in_one_line(home, tutorial, tmp_path, capsys):
    import torch

    from main import main

    checkpoint = tmp_path / "netG.pt"
    torch.save({"G": tutorial["net"].state_dict()}, checkpoint)
    assert main(["faces-import", str(checkpoint), "--name", "cli-tutorial"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pickle checkpoint" in err[0]
    assert main(["faces-import", str(checkpoint), "--name", "cli-tutorial", "--allow-pickle"]) == 0
    assert "Imported netG.pt as 'cli-tutorial'" in capsys.readouterr().out
    assert generation.generate("cli-tutorial", [0], device="cpu").shape == (1, 64, 64, 3)
