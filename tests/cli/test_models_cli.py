"""``modeldesk models …``: list, import (by reference and by copy), export-onnx, download offline, remove."""
from __future__ import annotations

import pytest

from main import main
from models.core import paths, store


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))  # no models from the machine's cache
    return tmp_path / "home"


def table(out: str) -> dict[str, list[str]]:
    """Rows of ``models list`` by name (the header row skipped)."""
    return {line.split()[0]: line.split() for line in out.strip().splitlines()[1:]}


def test_list_import_export_remove(home, tiny_dcgan, tiny_onnx_classifier, capsys):
    assert main(["models", "list"]) == 0
    assert "No models yet" in capsys.readouterr().err

    assert main(["models", "import", str(tiny_dcgan), "--name", "gan"]) == 0
    assert "gan: faces model, imported from" in capsys.readouterr().out
    assert main(["models", "import", str(tiny_onnx_classifier), "--name", "clf", "--copy"]) == 0
    capsys.readouterr()
    assert (paths.models_dir() / "clf" / "config.json").is_file()

    assert main(["models", "list"]) == 0
    rows = table(capsys.readouterr().out)
    assert rows["gan"][:5] == ["gan", "faces", "imported", "safetensors", "no"]
    assert rows["gan"][5] == str(tiny_dcgan.resolve())
    assert rows["clf"][:5] == ["clf", "classify", "app", "safetensors", "no"]
    assert main(["models", "list", "--task", "classify"]) == 0
    assert list(table(capsys.readouterr().out)) == ["clf"]

    assert main(["models", "export-onnx", "clf", "--no-int8"]) == 0
    out = capsys.readouterr().out
    assert "Parity: ONNX fp32: argmax agreement 100.0%" in out and "INT8" not in out
    assert [p.name for p in (paths.models_dir() / "clf" / "onnx").iterdir()] == ["model.onnx"]
    assert store.read_manifest(paths.models_dir() / "clf")["parity"]["fp32"]["max_abs_diff"] < 1e-4
    assert main(["models", "list"]) == 0
    assert table(capsys.readouterr().out)["clf"][4] == "yes"

    assert main(["models", "remove", "gan"]) == 0
    assert main(["models", "remove", "clf"]) == 0
    capsys.readouterr()
    assert tiny_dcgan.is_dir()  # an imported folder is forgotten, never deleted
    assert not (paths.models_dir() / "clf").exists()
    assert main(["models", "remove", "clf"]) == 2
    assert capsys.readouterr().err.strip() == "modeldesk: error: No removable model named 'clf'."


def test_bad_input_is_one_line_and_status_2(home, tmp_path, tiny_dcgan, capsys):
    cases = [(["models", "import", str(tmp_path / "nowhere")], "does not exist"),
             (["models", "import", str(tmp_path)], "has no config.json"),
             (["models", "export-onnx", "nothing-here"], "No model named 'nothing-here'"),
             (["models", "download", "owner/repo/extra"], "not a hub repository id"),
             (["models", "download", "owner/repo"], "Could not reach the model hub")]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], (argv, err)
    assert list(paths.models_dir().iterdir()) == []


def test_remove_with_a_hostile_name_is_one_line_and_deletes_nothing(home, tmp_path, tiny_dcgan, capsys):
    assert main(["models", "import", str(tiny_dcgan), "--name", "gan", "--copy"]) == 0
    (home / "sentinel.txt").write_text("keep me")
    capsys.readouterr()
    for name in ("..", ".", "", str(home), "gan/..", "../home"):
        assert main(["models", "remove", name]) == 2, name
        err = capsys.readouterr().err
        assert err == f"modeldesk: error: No removable model named '{name}'.\n", err
    assert (home / "sentinel.txt").read_text() == "keep me"
    assert (paths.models_dir() / "gan" / "model.safetensors").is_file()


def test_download_over_an_existing_name_needs_force(home, tiny_dcgan, capsys, monkeypatch):
    import huggingface_hub

    asked: list[str] = []

    def model_info(self, repo_id, **kwargs):
        asked.append(repo_id)
        raise ConnectionError("no network in tests")

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    assert main(["models", "import", str(tiny_dcgan), "--name", "gan", "--copy"]) == 0
    capsys.readouterr()
    assert main(["models", "download", "owner/gan"]) == 2
    assert capsys.readouterr().err == ("modeldesk: error: A model named 'gan' already exists; choose another name "
                                       "or allow replacing it (models download --force).\n")
    assert asked == []
    assert main(["models", "download", "owner/gan", "--force"]) == 2
    assert "Could not reach the model hub to download 'owner/gan'" in capsys.readouterr().err
    assert asked == ["owner/gan"]
    assert (paths.models_dir() / "gan" / "model.safetensors").is_file()  # a failed download keeps the old one
