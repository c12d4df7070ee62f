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


#: the published architectures (each model card's config.json), from which the parameter counts follow
#: independently of the catalogue
ARCHITECTURES = {
    "smollm2-135m": ("LlamaConfig", dict(hidden_size=576, intermediate_size=1536, num_attention_heads=9,
                                         num_hidden_layers=30, num_key_value_heads=3, vocab_size=49152,
                                         tie_word_embeddings=True)),
    "smollm2-360m": ("LlamaConfig", dict(hidden_size=960, intermediate_size=2560, num_attention_heads=15,
                                         num_hidden_layers=32, num_key_value_heads=5, vocab_size=49152,
                                         tie_word_embeddings=True)),
    "qwen2.5-0.5b": ("Qwen2Config", dict(hidden_size=896, intermediate_size=4864, num_attention_heads=14,
                                         num_hidden_layers=24, num_key_value_heads=2, vocab_size=151936,
                                         tie_word_embeddings=True)),
    "whisper-tiny": ("WhisperConfig", dict(d_model=384, encoder_layers=4, decoder_layers=4, encoder_attention_heads=6,
                                           decoder_attention_heads=6, encoder_ffn_dim=1536, decoder_ffn_dim=1536)),
    "whisper-small": ("WhisperConfig", dict(d_model=768, encoder_layers=12, decoder_layers=12,
                                            encoder_attention_heads=12, decoder_attention_heads=12,
                                            encoder_ffn_dim=3072, decoder_ffn_dim=3072)),
    "distilbert-sst2": ("DistilBertConfig", dict(dim=768, n_layers=6, n_heads=12, hidden_dim=3072, num_labels=2)),
}


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_parameter_counts_match_the_published_architecture(name):
    import torch
    import transformers

    config_class, settings = ARCHITECTURES[name]
    config = getattr(transformers, config_class)(**settings)
    with torch.device("meta"):   # shapes only: no memory, no weights
        if config_class == "WhisperConfig":
            model = transformers.WhisperForConditionalGeneration(config)
        elif config_class == "DistilBertConfig":
            model = transformers.DistilBertForSequenceClassification(config)
        else:
            model = transformers.AutoModelForCausalLM.from_config(config)
    counted = sum(p.numel() for p in model.parameters()) / 1e6
    assert catalogue.find(name).params_millions == pytest.approx(counted, abs=0.05)


def test_download_sizes_hold_the_weights_and_memory_figures_hold_the_model():
    for entry in catalogue.entries():
        weights = entry.params_millions * 1e6
        bytes_per_weight = entry.size_bytes / weights
        assert bytes_per_weight == pytest.approx(2, rel=0.02) or bytes_per_weight == pytest.approx(4, rel=0.02), \
            entry.name   # fp16/bf16 or fp32 files, nothing missing or doubled
        assert entry.min_ram_gb * 1e9 > 4 * weights, entry.name      # the CPU runs float32 weights
        assert entry.min_vram_gb * 1e9 > 2 * weights, entry.name     # the GPU 16-bit ones


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
