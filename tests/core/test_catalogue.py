"""The catalogue data file: every entry complete, for a task the app runs, memory figures by the stated rule."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from models.core import catalogue, store
from models.core.catalogue import Entry, Machine

FIELDS = {f.name for f in dataclasses.fields(Entry)}
TEXT_TASKS = ("classify", "generate", "translate")


def test_every_entry_has_the_fields_and_a_supported_task():
    raw = json.loads(catalogue.CATALOGUE_FILE.read_text(encoding="utf-8"))
    assert raw["about"] and raw["models"]
    for item in raw["models"]:
        assert set(item) == FIELDS, item.get("name")
    entries = catalogue.entries()
    assert len({e.name for e in entries}) == len(entries) and len({e.repo_id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.task in store.TASKS, entry.name
        assert re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", entry.repo_id), entry.name
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", entry.name), entry.name
        assert entry.title and entry.note and entry.checked and entry.licence, entry.name
        assert entry.size_bytes > 10_000_000 and entry.weights in catalogue.WEIGHTS, entry.name
        assert entry.languages and all(re.fullmatch(r"[a-z]{2,3}", code) for code in entry.languages), entry.name
        if catalogue.MANY in entry.languages:
            assert entry.languages_note, entry.name
        assert set(entry.unverified) <= FIELDS, entry.name


def test_memory_figures_follow_the_rule_the_file_states():
    for entry in catalogue.entries():
        assert entry.min_ram_gb == catalogue.estimate_ram_gb(entry.params_millions), entry.name
        assert entry.min_vram_gb == catalogue.estimate_vram_gb(entry.params_millions), entry.name
        bytes_per_weight = entry.size_bytes / (entry.params_millions * 1e6)
        assert bytes_per_weight == pytest.approx(2, rel=0.02) or bytes_per_weight == pytest.approx(4, rel=0.02), \
            entry.name


def test_each_task_the_catalogue_covers_has_one_recommended_model_small_to_large():
    for task in {e.task for e in catalogue.entries()}:
        entries = catalogue.for_task(task)
        assert sum(e.recommended for e in entries) == 1, task
        assert catalogue.recommended(task).min_ram_gb <= 2, task   # a first model runs on any laptop
        sizes = [e.params_millions for e in entries]
        assert sizes == sorted(sizes), task
    assert {"classify", "generate", "translate", "transcribe"} <= {e.task for e in catalogue.entries()}
    assert catalogue.recommended(store.ENCODER) == catalogue.recommended("classify")   # a classifier is a base too
    assert catalogue.recommended("faces") is None


def test_entries_are_found_by_name_or_repository():
    entry = catalogue.find("smollm2-135m")
    assert entry is not None and catalogue.find("huggingfacetb/smollm2-135m-instruct") == entry
    assert catalogue.find("no-such-model") is None


def test_fits_says_where_a_model_runs():
    small, large = catalogue.find("whisper-tiny"), catalogue.find("nllb-200-600m")
    laptop = Machine(ram_bytes=4 * 10**9)
    assert catalogue.fits(small, laptop) == (True, "fits (CPU)")
    assert catalogue.fits(large, laptop) == (False, "needs 5 GB RAM, this machine has 4.0 GB")
    assert catalogue.fits(large, Machine(4 * 10**9, vram_bytes=8 * 10**9, gpu="GPU")) == (True, "fits the GPU")
    here = catalogue.machine()
    assert here.ram_bytes > 10**8 and (here.vram_bytes is None) == (here.gpu == "")
