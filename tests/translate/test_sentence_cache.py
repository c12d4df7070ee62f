"""As you type, only what changed: the per-sentence cache behind text and document translation."""
from __future__ import annotations

import pytest

from models.translate import translator
from models.translate.sentence_cache import SENTENCES, SentenceCache
from models.translate.translator import translate, translate_file

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")]
WORDS = "the cat sat on mat a dog runs in park hello world how are you today".split()
#: twenty different sentences
SENTENCES_20 = [" ".join(WORDS[(k + j) % len(WORDS)] for j in range(3 + k % 4)) + "." for k in range(20)]


class Counting:
    """The loaded model's network, counting the sentences it is asked to translate."""

    def __init__(self, net) -> None:
        self.net, self.rows, self.calls = net, 0, 0

    def generate(self, input_ids, *args, **kwargs):
        self.rows += len(input_ids)
        self.calls += 1
        return self.net.generate(input_ids, *args, **kwargs)


@pytest.fixture
def counted(tiny_marian, monkeypatch):
    tr = translator.load(tiny_marian)
    counting = Counting(tr.net)
    monkeypatch.setattr(tr, "net", counting)
    return tiny_marian, counting


def test_one_more_sentence_translates_one_sentence(counted):
    folder, net = counted
    text = " ".join(SENTENCES_20)
    first = translate(folder, text, max_length=4)
    assert net.rows == 20
    grown = text + " the dog sat in the park."
    again = translate(folder, grown, max_length=4)
    assert (net.rows, net.calls) == (21, 4)          # the new sentence alone, in one call
    assert again.startswith(first + " ")
    SENTENCES.clear()
    assert translate(folder, grown, max_length=4) == again   # the same as translating it all afresh


def test_an_edit_retranslates_only_the_touched_sentence_and_settings_count(counted):
    folder, net = counted
    lines = SENTENCES_20[:6]
    translate(folder, "\n".join(lines), max_length=4)
    edited = lines[:2] + ["hello world, how are you today?"] + lines[3:]
    translate(folder, "\n".join(edited), max_length=4)
    assert net.rows == 7
    translate(folder, "\n".join(edited), max_length=5)   # another length: another translation
    assert net.rows == 13
    translate(folder, "\n".join(edited), max_length=4, beam_size=2)
    assert net.rows == 19


def test_a_reloaded_model_never_serves_old_translations(tiny_marian):
    translate(tiny_marian, SENTENCES_20[0], max_length=4)
    assert len(SENTENCES) == 1
    first = translator.load(tiny_marian)
    from models.core import cache
    cache.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == str(first.info.path))
    again = translator.load(tiny_marian)
    assert again is not first and again.loaded != first.loaded
    translate(tiny_marian, SENTENCES_20[0], max_length=4)
    assert len(SENTENCES) == 2


def test_a_document_translated_again_after_a_small_edit(counted, tmp_path):
    folder, net = counted
    source = tmp_path / "notes.txt"
    source.write_text("\n".join(SENTENCES_20[:10]) + "\n", encoding="utf-8")
    first = translate_file(folder, source, max_length=4)["text"]
    assert net.rows == 10
    source.write_text("\n".join(SENTENCES_20[:9] + ["a new last line."]) + "\n", encoding="utf-8")
    second = translate_file(folder, source, max_length=4)["text"]
    assert net.rows == 11
    assert second.splitlines()[:9] == first.splitlines()[:9]


def test_least_recently_used_sentences_go_first():
    cache = SentenceCache(capacity=2)
    cache.put("s", "a", "A")
    cache.put("s", "b", "B")
    assert cache.get("s", "a") == "A"      # now b is the oldest
    cache.put("s", "c", "C")
    assert cache.get("s", "b") is None and cache.get("s", "a") == "A" and cache.get("s", "c") == "C"
    assert cache.get("other settings", "a") is None
