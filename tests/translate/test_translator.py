"""The translator: sentence splitting, pair and multilingual models against transformers, stop, bad input."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from models.translate import translator
from models.core.events import Cancelled, CancelToken, Log, ModelDeskError, Progress
from models.translate.translator import languages, split_text, translate
from tests.fixtures.text_models import NLLB_CODES

DOCUMENT = "the cat sat on the mat. a dog runs!\n\nhello world how are you today\nle chat est sur le tapis?"
pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]

STEPS = 6  # max_length: random weights never stop on their own, so the tests fix the length


def reference(folder: Path, sentence: str, source: Optional[str] = None, target: Optional[str] = None) -> str:
    """One sentence straight through transformers' generate, languages set the way each model documents."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    net = AutoModelForSeq2SeqLM.from_pretrained(folder, local_files_only=True).eval()
    extra = {}
    m2m_codes = set(tok.lang_code_to_id.values()) if hasattr(tok, "get_lang_id") else set()  # "fr" -> "__fr__"
    if source:
        tok.src_lang = source
    if target:
        extra["forced_bos_token_id"] = tok.get_lang_id(target) if m2m_codes else tok.convert_tokens_to_ids(target)
    out = net.generate(**tok([sentence], return_tensors="pt"), num_beams=2, max_new_tokens=STEPS, **extra)
    return tok.decode([t for t in out[0].tolist() if t not in m2m_codes], skip_special_tokens=True).strip()


def expected_document(folder: Path, **languages_: str) -> str:
    return "\n".join(" ".join(reference(folder, s, **languages_) for s in line) for line in split_text(DOCUMENT))


def test_split_text_keeps_lines_and_paragraphs():
    assert split_text("One. Two?  Three!\n\n“Quoted.” Next…\n東京です。はい。") == [
        ["One.", "Two?", "Three!"], [], ["“Quoted.”", "Next…"], ["東京です。", "はい。"]]
    assert split_text("no end mark") == [["no end mark"]]


def test_pair_model_translates_sentence_by_sentence(tiny_marian):
    events = []
    assert languages(tiny_marian) == []
    result = translate(tiny_marian, DOCUMENT, beam_size=2, max_length=STEPS, batch_size=3, progress=events.append)
    assert result == expected_document(tiny_marian)
    assert result.split("\n")[1] == "" and len(result.split("\n")) == 4
    assert [e.done for e in events if isinstance(e, Progress) and e.total] == [3, 4]
    events.clear()
    translate(tiny_marian, "hello", target="de", max_length=2, progress=events.append)
    assert any(isinstance(e, Log) and "fixed language pair" in e.message for e in events)


def test_nllb_style_model_takes_language_codes(tiny_nllb):
    assert languages(tiny_nllb) == list(NLLB_CODES)
    result = translate(tiny_nllb, DOCUMENT, source="fra_Latn", target="deu_Latn", beam_size=2, max_length=STEPS)
    assert result == expected_document(tiny_nllb, source="fra_Latn", target="deu_Latn")
    # without a source, the tokenizer's own default is used again (not the previous call's)
    assert translate(tiny_nllb, "a dog runs", target="fra_Latn", beam_size=2, max_length=STEPS) == \
        reference(tiny_nllb, "a dog runs", source="eng_Latn", target="fra_Latn")


def test_mbart50_codes(tiny_mbart50):
    codes = languages(tiny_mbart50)
    assert len(codes) == 52 and {"en_XX", "fr_XX", "de_DE", "zh_CN"} <= set(codes)
    assert translate(tiny_mbart50, "the cat sat", source="en_XX", target="fr_XX", beam_size=2,
                     max_length=STEPS) == reference(tiny_mbart50, "the cat sat", source="en_XX", target="fr_XX")


def test_m2m100_codes_stand_for_language_tokens(tiny_m2m100):
    codes = languages(tiny_m2m100)
    assert len(codes) == 100 and {"en", "fr", "de", "zh"} <= set(codes)
    result = translate(tiny_m2m100, DOCUMENT, source="fr", target="de", beam_size=2, max_length=STEPS)
    assert result == expected_document(tiny_m2m100, source="fr", target="de")
    assert "__" not in result


@pytest.mark.parametrize("kwargs, message", [({}, "choose a target language"),
                                             ({"target": "xx_Yyyy"}, "target language 'xx_Yyyy'"),
                                             ({"target": "fra_Latn", "source": "en"}, "source language 'en'")])
def test_multilingual_model_needs_a_known_target(tiny_nllb, kwargs, message):
    with pytest.raises(ModelDeskError, match=message):
        translate(tiny_nllb, "hello", **kwargs)


def test_stop_between_batches(tiny_marian):
    token = CancelToken()
    seen = []

    def on_event(event):
        if isinstance(event, Progress) and event.total:
            seen.append(event.done)
            token.cancel()

    with pytest.raises(Cancelled):
        translate(tiny_marian, DOCUMENT, batch_size=1, max_length=2, progress=on_event, cancel=token)
    assert seen == [1]


def test_long_sentences_are_cut_with_a_note(tiny_marian):
    events = []
    translate(tiny_marian, "the cat sat on the mat " * 30, beam_size=1, max_length=2, progress=events.append)
    limit = translator.load(tiny_marian).max_positions
    assert any(isinstance(e, Log) and f"longer than {limit} tokens" in e.message for e in events)


def test_bad_input(tmp_path, tiny_marian, tiny_gpt2, pickle_only):
    with pytest.raises(ModelDeskError, match="Type or open a text"):
        translate(tiny_marian, "  \n ")
    with pytest.raises(ModelDeskError, match="does not exist"):
        translate(tmp_path / "none", "hello")
    with pytest.raises(ModelDeskError, match="is a text generator, not a translation model"):
        translate(tiny_gpt2, "hello")
    folder = pickle_only(tiny_marian)
    with pytest.raises(ModelDeskError, match="pickle"):
        languages(folder)
    assert translate(folder, "hello world", max_length=STEPS, allow_pickle=True) == \
        translate(tiny_marian, "hello world", max_length=STEPS)


def test_jobs_sharing_one_model_keep_their_own_source_language(tiny_nllb, monkeypatch):
    """The source language is tokenizer state: jobs translating from different languages at once through one
    cached model each give the network their own language token (NLLB puts it first)."""
    import threading

    tr = translator.load(tiny_nllb)
    seen: dict[int, set[int]] = {}
    original = tr.model.generate

    def generate(**kwargs):
        seen.setdefault(threading.get_ident(), set()).update(kwargs["input_ids"][:, 0].tolist())
        return original(**kwargs)

    monkeypatch.setattr(tr.model, "generate", generate)
    sources = list(NLLB_CODES) * 2
    start = threading.Barrier(len(sources))
    errors: list[Exception] = []
    threads: dict[int, str] = {}

    def job(source: str) -> None:
        threads[threading.get_ident()] = source
        start.wait()
        try:
            for _ in range(10):
                translate(tiny_nllb, "the cat sat on the mat. hello world", source=source, target="deu_Latn",
                          beam_size=1, max_length=2)
        except Exception as exc:  # noqa: BLE001  ("Already borrowed" from the shared tokenizer)
            errors.append(exc)

    workers = [threading.Thread(target=job, args=(source,)) for source in sources]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=120)
    assert errors == []
    assert len(seen) == len(sources)
    for ident, tokens in seen.items():
        assert tokens == {tr.tokenizer.convert_tokens_to_ids(threads[ident])}, (threads[ident], tokens)


def test_listing_languages_needs_pickle_consent_then_loads_weights_only(tiny_nllb, pickle_only, torch_loads):
    folder = pickle_only(tiny_nllb)
    with pytest.raises(ModelDeskError, match="has only a pickle checkpoint"):
        languages(folder, device="cpu", backend="torch")
    assert torch_loads == []
    with pytest.raises(ModelDeskError, match="has no ONNX INT8 export yet"):
        languages(folder, device="cpu", backend="onnx-int8", allow_pickle=True)
    assert torch_loads == []
    assert languages(folder, device="cpu", backend="torch", allow_pickle=True) == languages(tiny_nllb)
    assert torch_loads and set(torch_loads) == {True}
