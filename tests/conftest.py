"""Test set-up: offscreen Qt, a private MODELDESK_HOME, small thread counts, fixture plugins."""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "MODELDESK_HOME" not in os.environ:
    _HOME = tempfile.mkdtemp(prefix="modeldesk-test-home-")
    os.environ["MODELDESK_HOME"] = _HOME
    atexit.register(shutil.rmtree, _HOME, ignore_errors=True)   # a converted Whisper alone is 76 MB
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MODELDESK_DEVICE", "cpu")

# Every module in tests/fixtures/ is a pytest plugin (each task keeps its own model builders).
pytest_plugins = sorted(f"tests.fixtures.{p.stem}" for p in (ROOT / "tests" / "fixtures").glob("*.py")
                        if p.stem != "__init__")


@pytest.fixture(autouse=True)
def empty_sentence_cache():
    """Each test starts with an empty translation sentence cache (models.translate.sentence_cache): it is
    process-wide, so without this a test would be served sentences another test translated."""
    from models.translate.sentence_cache import SENTENCES

    SENTENCES.clear()
    yield
    SENTENCES.clear()
