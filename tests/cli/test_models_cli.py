"""``modeldesk models …``: list, import, export-onnx, remove, catalogue, download (from a local hub) and cache."""
from __future__ import annotations

import io
import sys

import pytest

from main import main
from models.core import catalogue, export_dirs, paths, store
from tests.core.test_store import tree


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
    assert "Parity: ONNX fp32: agreement 100.0%, max |Δp| " in out and "INT8" not in out
    assert sorted(p.name for p in export_dirs.onnx_dir(paths.models_dir() / "clf").iterdir()) == ["model.onnx",
                                                                                       "model.optimized.onnx"]
    assert store.read_manifest(paths.models_dir() / "clf")["parity"]["fp32"]["max_prob_diff"] < 1e-5
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
             (["models", "export-onnx", str(tmp_path / "nowhere")], "does not exist"),
             (["models", "download", "owner/repo/extra"], "'owner/repo/extra' is not a hub repository id"),
             (["models", "download", "owner/repo"], "Downloads are switched off: HF_HUB_OFFLINE is set"),
             (["models", "cache", "delete", "org/none", "--yes"], "'org/none' is not in the Hugging Face cache")]
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


def test_download_over_an_existing_name_needs_force(home, local_hub, tiny_gpt2, capsys):
    local_hub.add("owner/gan", tiny_gpt2)
    assert main(["models", "download", "owner/gan"]) == 0
    capsys.readouterr()
    asked = len(local_hub.log)
    assert main(["models", "download", "owner/gan"]) == 2
    assert capsys.readouterr().err == ("modeldesk: error: A model named 'gan' already exists; choose another name "
                                       "or allow replacing it (models download --force).\n")
    assert len(local_hub.log) == asked
    local_hub.fault("model.safetensors", status=503)
    assert main(["models", "download", "owner/gan", "--force"]) == 2
    assert "The hub answered 503 for 'owner/gan'" in capsys.readouterr().err
    assert store.read_manifest(paths.models_dir() / "gan")["source"] == "hub:owner/gan"   # the old one stays
    del local_hub.faults["model.safetensors"]
    assert main(["models", "download", "owner/gan", "--force"]) == 0
    assert capsys.readouterr().out == f"gan: generate model downloaded to {paths.models_dir() / 'gan'}\n"


def test_catalogue_lists_the_recommended_models(home, capsys):
    assert main(["models", "catalogue"]) == 0
    rows = table(capsys.readouterr().out)
    assert set(rows) == {e.name for e in catalogue.entries()}
    assert rows["smollm2-135m"][1:3] == ["generate", "269"] and rows["smollm2-135m"][-1] == (
        "HuggingFaceTB/SmolLM2-135M-Instruct")
    assert main(["models", "catalogue", "--task", "transcribe"]) == 0
    assert set(table(capsys.readouterr().out)) == {e.name for e in catalogue.for_task("transcribe")}


@pytest.fixture
def smollm(local_hub, tiny_gpt2):
    """The catalogue's smollm2-135m, played by the tiny GPT-2 on the local hub."""
    local_hub.add("HuggingFaceTB/SmolLM2-135M-Instruct", tiny_gpt2)
    return local_hub


def test_download_by_catalogue_name_is_quiet_when_piped_and_resumes(home, smollm, capsys):
    smollm.fault("model.safetensors", status=500)
    assert main(["models", "download", "smollm2-135m"]) == 2
    assert capsys.readouterr().err.startswith("modeldesk: error: The hub answered 500")
    assert main(["models", "list"]) == 0
    assert "Stopped download: SmolLM2-135M-Instruct (HuggingFaceTB/SmolLM2-135M-Instruct" in capsys.readouterr().err
    del smollm.faults["model.safetensors"]
    assert main(["models", "download", "smollm2-135m"]) == 0
    out, err = capsys.readouterr()
    assert err == ""   # no progress bar in a pipe
    assert out == f"SmolLM2-135M-Instruct: generate model downloaded to {paths.models_dir() / 'SmolLM2-135M-Instruct'}\n"
    assert len(smollm.gets("config.json")) == 1   # resumed: what had arrived was not fetched again


def test_download_shows_a_byte_progress_bar_on_a_terminal(home, smollm, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["models", "download", "HuggingFaceTB/SmolLM2-135M-Instruct"]) == 0
    total = sum(len(data) for data in smollm.repos["HuggingFaceTB/SmolLM2-135M-Instruct"].files.values())
    last = terminal.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith("HuggingFaceTB/SmolLM2-135M-Instruct: 100%") and f"{total / 1000:.1f}k/{total / 1000:.1f}k" in last


def test_cache_list_and_delete_one_repository(home, tmp_path, local_hub, capsys, monkeypatch):
    from huggingface_hub import hf_hub_download

    cache = tmp_path / "hf-cache"
    for repo in ("org/keep", "org/drop"):
        local_hub.add(repo, {"config.json": b'{"model_type": "gpt2"}', "model.safetensors": b"\0" * 3000})
        for name in ("config.json", "model.safetensors"):
            hf_hub_download(repo, name, cache_dir=cache, endpoint=local_hub.endpoint)
    assert main(["models", "cache", "list"]) == 0
    rows = table(capsys.readouterr().out)
    assert {name: row[1:4] for name, row in rows.items()} == {"org/drop": ["3.0", "kB", "2"], "org/keep": ["3.0", "kB", "2"]}

    before = tree(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))   # not a terminal: nothing can be confirmed
    assert main(["models", "cache", "delete", "org/drop"]) == 2
    assert "add --yes to delete" in capsys.readouterr().err
    assert tree(tmp_path) == before
    assert main(["models", "cache", "delete", "org/drop", "--yes"]) == 0
    assert capsys.readouterr().out == "Deleted org/drop from the Hugging Face cache (3.0 kB freed)\n"
    gone = {k for k in before if k.startswith("hf-cache/models--org--drop")}
    assert gone and tree(tmp_path) == {k: v for k, v in before.items() if k not in gone}
