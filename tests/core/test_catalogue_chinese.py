"""The catalogue's Chinese picks: a Chinese base to fine-tune, zh↔en translation, Whisper sizes with a
Mandarin note, a Chinese-capable chat model; each with a licence, a size and the memory it needs."""
from __future__ import annotations

from models.core import catalogue


def chinese(task: str) -> list[catalogue.Entry]:
    return [e for e in catalogue.for_task(task) if "zh" in e.languages]


def test_chinese_entries_have_their_licence_size_and_needs():
    picks = [e for e in catalogue.entries() if "zh" in e.languages]
    assert {e.task for e in picks} == {"classify", "generate", "translate"}
    for entry in picks:
        assert entry.licence and entry.size_bytes > 10_000_000 and entry.params_millions > 1, entry.name
        assert entry.size_text.lstrip("≈ ")[0].isdigit() and "RAM" in entry.needs_text, entry.name
        assert entry.checked and (entry.weights == "safetensors" or "consent" in entry.note), entry.name


def test_a_chinese_bert_base_and_a_small_one_to_fine_tune():
    bases = {e.repo_id: e for e in chinese("classify")}
    assert {"google-bert/bert-base-chinese", "hfl/minirbt-h256"} <= set(bases)
    assert bases["google-bert/bert-base-chinese"].weights == "safetensors"
    assert bases["hfl/minirbt-h256"].params_millions < bases["google-bert/bert-base-chinese"].params_millions


def test_chinese_english_translation_both_ways_and_nllb_codes():
    pairs = {tuple(e.languages): e for e in chinese("translate")}
    assert ("zh", "en") in pairs and ("en", "zh") in pairs
    assert pairs[("zh", "en")].licence == "cc-by-4.0" and pairs[("en", "zh")].licence == "apache-2.0"
    assert "cmn_Hans" in pairs[("en", "zh")].note
    nllb = catalogue.find("nllb-200-600m")
    assert "zho_Hans" in nllb.note and "zho_Hant" in nllb.note


def test_multilingual_whisper_sizes_say_how_they_do_on_mandarin():
    multilingual = [e for e in catalogue.for_task("transcribe") if catalogue.MANY in e.languages]
    assert len(multilingual) >= 4
    assert all("Mandarin" in e.note for e in multilingual)
    assert max(multilingual, key=lambda e: e.params_millions).repo_id == "openai/whisper-large-v3-turbo"


def test_a_small_chinese_chat_model():
    chat = chinese("generate")
    assert any(e.repo_id == "Qwen/Qwen2.5-0.5B-Instruct" for e in chat)
    assert min(e.min_ram_gb for e in chat) <= 4
