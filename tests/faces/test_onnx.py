"""Face generators on ONNX Runtime: the DCGAN's export (fp32 and INT8, parity in the manifest), ONNX
generators made elsewhere (imported like any model, rendered through the same path), and the checks."""
from __future__ import annotations

import re


import numpy as np
import pytest

from models.core import export_dirs, exports, paths, store
from models.core.events import Log, ModelDeskError
from models.faces import dcgan, generation, latents
from tests.fixtures.faces_models import build_onnx_generator, build_tiny_dcgan, onnx_generator_graph


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def trained_like_dcgan(tmp_path):
    """A 32 px DCGAN whose batch norms hold statistics and scales far from their initial values, as after
    training, so the export's folding of them into the convolutions is really tested."""
    import torch

    config = {"nz": 16, "ngf": 8, "ndf": 4, "image_size": 32}
    generator, discriminator = dcgan.build_dcgan(config, seed=1)
    rng = torch.Generator().manual_seed(3)
    for module in generator.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=rng) * 0.05)
            module.running_var.copy_(torch.rand(n, generator=rng) * 0.02 + 0.005)
            module.weight.data.copy_(torch.rand(n, generator=rng) + 0.5)
            module.bias.data.copy_(torch.randn(n, generator=rng) * 0.3)
    folder = tmp_path / "dcgan32"
    folder.mkdir()
    dcgan.save_model(folder, generator.eval(), discriminator, {**config, "epochs_trained": 3})
    return folder


def test_exported_dcgan_renders_within_1e3_of_torch_and_records_its_parity(trained_like_dcgan):
    report = exports.export_model(trained_like_dcgan, device="cpu")
    assert report["fp32"]["max_abs_diff"] < 1e-3 and report["fp32"]["max_pixel_diff"] <= 1
    assert report["int8"]["max_pixel_diff"] < 64 and "against torch" in report["set"]
    assert store.read_manifest(trained_like_dcgan)["parity"] == report
    z = latents.seed_latents(range(24), 16)
    torch_out = generation.load_renderer(trained_like_dcgan, "cpu", "torch").forward(z, 0.8)
    assert np.abs(torch_out).max() > 0.5  # real pictures, not a near-constant output
    onnx_out = generation.load_renderer(trained_like_dcgan, "cpu", "onnx-fp32").forward(z, 0.8)
    assert np.abs(torch_out - onnx_out).max() < 1e-3
    int8 = generation.generate(trained_like_dcgan, [0, 1], device="cpu", backend="onnx-int8")
    reference = generation.generate(trained_like_dcgan, [0, 1], device="cpu")
    assert int8.shape == reference.shape
    assert np.abs(int8.astype(int) - reference).max() <= report["int8"]["max_pixel_diff"]  # seeds 0, 1 are in its set
    assert store.inspect(trained_like_dcgan).has_onnx


def test_export_without_int8_removes_a_stale_int8_file(tiny_dcgan, tmp_path):
    import shutil

    folder = shutil.copytree(tiny_dcgan, tmp_path / "copy")
    exports.export_model(folder, device="cpu")
    report = exports.export_model(folder, quantize=False, device="cpu")
    assert "int8" not in report and not (export_dirs.onnx_dir(folder) / "generator_int8.onnx").exists()
    with pytest.raises(ModelDeskError, match="no INT8 variant yet; use Convert"):
        generation.generate(folder, [0], device="cpu", backend="onnx-int8")


def test_a_backend_without_its_export_says_so(tiny_dcgan):
    for backend, what in (("onnx-fp32", "no ONNX export yet"), ("onnx-int8", "no INT8 variant yet")):
        with pytest.raises(ModelDeskError, match=what):
            generation.generate(tiny_dcgan, [0], device="cpu", backend=backend)
    with pytest.raises(ModelDeskError, match="Unknown backend"):
        generation.generate(tiny_dcgan, [0], device="cpu", backend="tensorrt")


def test_cuda_without_the_cuda_provider_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    import onnxruntime

    folder = build_onnx_generator(tmp_path / "gen")
    monkeypatch.setattr("models.core.runtime.choose_device",
                        lambda _pref="auto": type("Choice", (), {"device": "cuda"})())
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    with pytest.raises(ModelDeskError, match="has no CUDA execution provider"):
        generation.generate(folder, [0], device="cuda")


def test_a_foreign_onnx_generator_imports_and_renders_through_the_same_path(home, tmp_path):
    folder = build_onnx_generator(tmp_path / "stylegan-ish", sidecar={"value_range": [0, 1]}, sigmoid=True)
    info = store.import_folder(folder)
    assert (info.task, info.weights, info.model_type, info.source) == ("faces", "onnx", "onnx-generator", "imported")
    assert [m.name for m in store.list_models("faces")] == ["stylegan-ish"] and info.has_onnx
    _model, reference = onnx_generator_graph(sigmoid=True)
    events: list = []
    shown = generation.generate("stylegan-ish", [4, 5.5], psi=0.6, device="cpu", progress=events.append)
    z = latents.truncate(latents.seed_latents([4, 5.5], 8), 0.6)
    np.testing.assert_array_equal(shown, generation.to_uint8(reference(z) * 2 - 1))  # [0, 1] mapped to [-1, 1]
    assert "stylegan-ish is an ONNX generator: it runs on ONNX Runtime (fp32)." in [
        e.message for e in events if isinstance(e, Log)]
    np.testing.assert_array_equal(generation.generate(folder, [4, 5.5], psi=0.6, device="cpu",
                                                      backend="onnx-fp32"), shown)
    frames = generation.interpolate("stylegan-ish", [4, 9], frames=5, device="cpu")
    np.testing.assert_array_equal(frames[-1], generation.generate(folder, [9], device="cpu")[0])

    report = exports.export_model("stylegan-ish", device="cpu")   # its INT8 variant, against its own file
    assert set(report) >= {"set", "int8"} and "fp32" not in report and "own ONNX file" in report["set"]
    int8 = generation.generate("stylegan-ish", [4], device="cpu", backend="onnx-int8")
    fp32 = generation.generate("stylegan-ish", [4], device="cpu")
    assert np.abs(int8.astype(int) - fp32).max() <= report["int8"]["max_pixel_diff"]


def test_a_single_onnx_file_is_copied_in_with_its_sidecar_and_takes_psi_itself(home, tmp_path):
    source = build_onnx_generator(tmp_path / "download", sidecar={"latent_size": 8}, name="ffhq.onnx",
                                  with_psi=True, open_latent=True)
    info = store.import_folder(source / "ffhq.onnx")
    assert info.source == "app" and info.path == paths.models_dir() / "ffhq"
    assert sorted(p.name for p in info.path.iterdir()) == ["generator.json", "generator.onnx"]
    _model, reference = onnx_generator_graph(with_psi=True)
    z = latents.seed_latents([2], 8)
    np.testing.assert_array_equal(generation.generate("ffhq", [2], psi=0.3, device="cpu"),
                                  generation.to_uint8(reference(z, 0.3)))  # ψ goes to the graph, z untouched
    with pytest.raises(ModelDeskError, match="already exists"):
        store.import_folder(source / "ffhq.onnx")
    with pytest.raises(ModelDeskError, match="import it first"):
        generation.generate(source / "ffhq.onnx", [0])


def test_what_is_not_a_face_generator_is_refused_with_the_reason(home, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    def saved(name: str, model) -> str:
        folder = tmp_path / name
        folder.mkdir()
        onnx.save(model, str(folder / "model.onnx"))
        return str(folder)

    text = helper.make_model(helper.make_graph(
        [helper.make_node("Identity", ["input_ids"], ["logits"])], "classifier",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "seq"])],
        [helper.make_tensor_value_info("logits", TensorProto.INT64, ["n", "seq"])]))
    with pytest.raises(ModelDeskError, match=r"needs input 'z' .* \(it takes input_ids\)"):
        store.import_folder(saved("classifier", text))

    model, _reference = onnx_generator_graph(open_latent=True)
    with pytest.raises(ModelDeskError, match="leaves the latent size open; give it as latent_size"):
        store.import_folder(saved("open", model))

    escaping, _reference = onnx_generator_graph()
    from onnx.external_data_helper import set_external_data

    weight = next(t for t in escaping.graph.initializer if t.name == "w")
    set_external_data(weight, location="../../secret.bin")
    weight.ClearField("raw_data")
    weight.ClearField("float_data")
    with pytest.raises(ModelDeskError, match="not a file inside its folder"):
        store.import_folder(saved("escaping", escaping))

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "generator.onnx").write_bytes(b"not protobuf at all")
    with pytest.raises(ModelDeskError, match="not a readable ONNX file"):
        store.import_folder(broken)
    folder = build_onnx_generator(tmp_path / "bad-side", sidecar={"value_range": [1, 0]})
    with pytest.raises(ModelDeskError, match="value_range or latent_mean that does not fit"):
        store.import_folder(folder)
    assert store.list_models() == []


def test_export_of_a_pickle_only_or_missing_dcgan_follows_the_rules(home, tmp_path, pickle_only):
    folder = pickle_only(build_tiny_dcgan(tmp_path / "pickled", {**dict(nz=8, ngf=4, ndf=4), "image_size": 32}),
                         dcgan.PICKLE_FILES)
    with pytest.raises(ModelDeskError, match="has only a pickle checkpoint"):
        exports.export_model(folder, device="cpu")
    report = exports.export_model(folder, device="cpu", allow_pickle=True)
    assert report["fp32"]["max_abs_diff"] < 1e-3
    assert store.read_manifest(folder)["parity"]["fp32"] == report["fp32"]   # kept with the export


def test_cli_exports_a_dcgan_and_renders_it_on_int8(home, tiny_dcgan, tmp_path, capsys):
    from main import main

    assert main(["models", "import", str(tiny_dcgan), "--name", "gan", "--copy"]) == 0
    assert main(["models", "export-onnx", "gan"]) == 0
    out = capsys.readouterr().out
    folder = export_dirs.onnx_dir(paths.models_dir() / "gan")
    assert f"Wrote generator.onnx, generator_int8.onnx in {folder}" in out
    assert re.search(r"Parity: ONNX fp32: [^;]*max pixel difference \d+; ONNX INT8: [^;]*max pixel difference \d", out)
    grid = tmp_path / "grid.png"
    assert main(["faces", "--model", "gan", "--seeds", "0-3", "--backend", "onnx-int8", "--device", "cpu",
                 "--out", str(grid)]) == 0
    assert grid.is_file() and not (tiny_dcgan / "onnx").exists()   # the fixture's own folder is untouched


def test_the_onnx_generator_module_does_not_import_the_store():
    """The store imports it (to list ONNX-only folders); an import back would make a circle."""
    import ast
    from pathlib import Path

    import models.faces.onnx_generator as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
                 for a in n.names}
    assert not [name for name in imported if name.startswith("models.core.store")], imported
