"""Translation with seq2seq models: Marian pairs and multilingual NLLB, M2M100 and mBART-50.

A pair model (opus-mt-en-de) knows one direction and takes no language codes; its two languages
come from its tokenizer config (or its name). A multilingual model needs a target code, which
becomes the decoder's first token (``forced_bos_token_id``), and reads the source code from its
tokenizer's ``src_lang``. Marian models with several targets take ``>>code<<`` in front of the text
instead. Two pair models that meet in English (de→en, en→fr) chain into a third direction (de→fr,
``pivot``).

Texts and documents (``documents``) are cut into units, the units into sentences; sentences are
translated in document order, a window at a time (sorted by length inside it so batches pad
little), and each unit is handed on as soon as its sentences are done, so a document streams.
The torch model and the ONNX Runtime export (``ort_runner.OrtSeq2Seq``) answer the same
``generate`` call.
"""
from __future__ import annotations

import itertools
import os
import re
import warnings
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from models.core import cache, fileio, runtime, store
from models.core.events import CancelToken, Log, ModelDeskError, Partial, Progress, ProgressFn, check, emit
from models.core.tokens import token_limit
from models.core.oom import retry_smaller
from models.translate import documents
from models.translate.sentence_cache import SENTENCES

#: NLLB (eng_Latn), mBART-50 (en_XX) and similar language-code tokens
_LANG_TOKEN = re.compile(r"^[a-z]{2,3}_[A-Z][A-Za-z]{1,3}$")
#: a sentence ends at . ! ? … (plus closing quotes/brackets) before a space, or at CJK full stops
_SENTENCE_END = re.compile(r"(?<=[.!?…][\"'”’»)\]])\s+|(?<=[.!?…])\s+|(?<=[。！？])")
#: opus-mt-de-en, opus-mt-tc-big-en-fr: a pair model's languages in its name
_PAIR_NAME = re.compile(r"opus-mt-(?:tc-[a-z]+-)?([a-z]{2,3})-([a-z]{2,3})$")
_SHOWN_CODES = 8
#: sentences per window, in batches: large enough to batch well, small enough to stream
_WINDOW_BATCHES = 4
PIVOT_LANGUAGE = "en"
#: each load's number: part of the sentence cache's key, so a reloaded model never serves old translations
_LOADS = itertools.count()


class TorchSeq2Seq:
    """A transformers seq2seq model behind the ``generate`` call both backends answer."""

    def __init__(self, model: Any, device: str) -> None:
        self.model = model
        self.device = device

    def generate(self, input_ids: np.ndarray, attention_mask: np.ndarray, num_beams: int, max_new_tokens: int,
                 forced_bos_token_id: Optional[int] = None) -> list[list[int]]:
        import torch

        extra = {} if forced_bos_token_id is None else {"forced_bos_token_id": forced_bos_token_id}
        with torch.inference_mode():
            out = self.model.generate(input_ids=torch.from_numpy(input_ids).to(self.device),
                                      attention_mask=torch.from_numpy(attention_mask).to(self.device),
                                      num_beams=num_beams, max_new_tokens=max_new_tokens, **extra)
        return out.tolist()


@dataclass(eq=False)
class Translator(cache.Shared):
    info: store.ModelInfo
    tokenizer: Any
    net: Any             # TorchSeq2Seq or ort_runner.OrtSeq2Seq
    device: str
    codes: list[str]     # language codes the user may choose; empty for a pair model
    style: str           # "pair", "marian-multi" (>>xx<< prefix) or "forced-bos"
    max_positions: int
    default_source: Optional[str] = None   # the tokenizer's own src_lang, used when none is chosen
    code_ids: frozenset[int] = frozenset()  # language-code tokens, never part of the translated text
    backend: str = "torch"
    loaded: int = dataclasses.field(default_factory=lambda: next(_LOADS))

    @property
    def model(self) -> Any:
        """The torch model (torch backend only)."""
        return self.net.model


def load(path_or_name: os.PathLike | str, device: str = "auto", backend: str = "torch",
         allow_pickle: bool = False) -> Translator:
    """A seq2seq translation model with its tokenizer and language codes, on a device and backend (cached)."""
    info = store.open_model(path_or_name, task="translate", allow_pickle=allow_pickle)
    chosen = runtime.parse_backend(backend)
    choice = runtime.choose_device(device)
    key = ("translator", str(info.path), choice.device, chosen.value)
    return cache.get_or_load(key, lambda: _build(info, choice, chosen))


def _build(info: store.ModelInfo, choice: runtime.DeviceChoice, backend: runtime.Backend) -> Translator:
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

    with warnings.catch_warnings():  # MarianTokenizer advises installing sacremoses; it is optional
        warnings.filterwarnings("ignore", message=".*sacremoses")
        tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    if backend is runtime.Backend.TORCH:
        model = AutoModelForSeq2SeqLM.from_pretrained(info.path, dtype=choice.dtype, **store.hf_kwargs(info))
        model.to(choice.device).eval()
        config, net = model.config, TorchSeq2Seq(model, choice.device)
    else:
        from models.translate.ort_runner import load_ort_net

        config = AutoConfig.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
        net = load_ort_net(info, config, choice.device, backend)
    codes, style = _language_codes(tokenizer)
    code_ids = frozenset(_code_id(tokenizer, c) for c in codes) if style == "forced-bos" else frozenset()
    return Translator(info, tokenizer, net, choice.device, codes, style, token_limit(tokenizer, config),
                      getattr(tokenizer, "src_lang", None), code_ids, backend.value)


def _code_id(tokenizer: Any, code: str) -> int:
    """The token id of a language code (M2M100 maps "fr" to the token "__fr__" itself)."""
    get_lang_id = getattr(tokenizer, "get_lang_id", None)
    return int(get_lang_id(code) if get_lang_id else tokenizer.convert_tokens_to_ids(code))


def _language_codes(tokenizer: Any) -> tuple[list[str], str]:
    """The codes a tokenizer knows and how a target is given (see Translator.style)."""
    marian_codes = getattr(tokenizer, "supported_language_codes", None)
    if marian_codes:
        return [c[2:-2] for c in marian_codes], "marian-multi"
    m2m = getattr(tokenizer, "lang_code_to_token", None)  # M2M100: "fr" stands for the token "__fr__"
    if m2m:
        return list(m2m), "forced-bos"
    extra = (getattr(tokenizer, "extra_special_tokens", None)
             or getattr(tokenizer, "additional_special_tokens", None) or [])
    tokens = extra.values() if isinstance(extra, dict) else extra
    codes = list(dict.fromkeys(str(t) for t in tokens if _LANG_TOKEN.match(str(t))))
    return codes, ("forced-bos" if codes else "pair")


# --- languages ------------------------------------------------------------------------

def language_pair(info: store.ModelInfo) -> Optional[tuple[str, str]]:
    """(source, target) of a pair model from its files alone (no load): the Marian tokenizer config's
    ``source_lang``/``target_lang``, else the opus-mt name. None when neither says."""
    tokenizer_config = fileio.read_json(info.path / "tokenizer_config.json")
    source, target = tokenizer_config.get("source_lang"), tokenizer_config.get("target_lang")
    if isinstance(source, str) and isinstance(target, str) and source.isalpha() and target.isalpha():
        return source.lower(), target.lower()
    names = (info.name, info.path.name, str(fileio.read_json(info.path / "config.json").get("_name_or_path", "")))
    for name in names:
        found = _PAIR_NAME.search(name.lower().rstrip("/").split("/")[-1])
        if found:
            return found.group(1), found.group(2)
    return None


def _pivots(info: store.ModelInfo, pair: Optional[tuple[str, str]]) -> list[dict]:
    """Pair models that continue this one's English output into another language (de→en + en→fr)."""
    if pair is None or pair[1] != PIVOT_LANGUAGE:
        return []
    found = []
    for other in store.list_models("translate"):
        if other.path == info.path:
            continue
        second = language_pair(other)
        if second and second[0] == PIVOT_LANGUAGE and second[1] != pair[0]:
            found.append({"target": second[1], "model": str(other.path), "name": other.name})
    return found


def describe(model: os.PathLike | str, device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
             progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> dict:
    """What the Translate page offers for a model: its language codes (multilingual), or its fixed pair
    and the targets it reaches through English with another installed pair model.

    It loads the whole model (cached), so a translation right after starts at once.
    """
    emit(progress, Progress(0, None, "Loading the model"))
    tr = load(model, device=device, backend=backend, allow_pickle=allow_pickle)
    pair = language_pair(tr.info) if tr.style == "pair" else None
    return {"codes": list(tr.codes), "pair": list(pair) if pair else None,
            "pivots": _pivots(tr.info, pair) if tr.style == "pair" else []}


def languages(model: os.PathLike | str, device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
              progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> list[str]:
    """The language codes a multilingual model takes; empty for a pair model (see ``describe``)."""
    return describe(model, device, backend, allow_pickle, progress, cancel)["codes"]


# --- sentences ------------------------------------------------------------------------

def split_sentences(text: str) -> list[str]:
    """One line of text cut into sentences."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def split_text(text: str) -> list[list[str]]:
    """The text's lines, each cut into sentences; an empty line (a paragraph break) is an empty list."""
    return [split_sentences(line) for line in text.splitlines()]


def _check_code(tr: Translator, code: str, role: str) -> str:
    if code in tr.codes:
        return code
    shown = ", ".join(tr.codes[:_SHOWN_CODES]) + (", …" if len(tr.codes) > _SHOWN_CODES else "")
    raise ModelDeskError(f"{tr.info.name} does not know the {role} language '{code}'; it knows {shown}.")


@dataclass(frozen=True)
class _Leg:
    """One model's part of a translation and how it selects its languages: the tokenizer's ``src_lang``
    (set again before each batch, as other jobs share the tokenizer), a text prefix (Marian ``>>xx<<``)
    and a forced first token."""
    tr: Translator
    src_lang: Optional[str] = None
    prefix: str = ""
    forced_bos: Optional[int] = None


def _prepare(tr: Translator, source: Optional[str], target: Optional[str], progress: ProgressFn) -> _Leg:
    """Check the chosen languages against the model and say how to ask for them."""
    if tr.style == "pair":
        if source or target:
            emit(progress, Log(f"{tr.info.name} translates one fixed language pair; the languages chosen are ignored."))
        return _Leg(tr)
    if not target:
        raise ModelDeskError(f"{tr.info.name} translates between many languages: choose a target language "
                             f"(for example {tr.codes[0]}).")
    target = _check_code(tr, target, "target")
    if tr.style == "marian-multi":
        return _Leg(tr, prefix=f">>{target}<< ")
    src_lang = _check_code(tr, source, "source") if source else tr.default_source
    return _Leg(tr, src_lang=src_lang, forced_bos=_code_id(tr.tokenizer, target))


def _legs(model: Any, pivot: Optional[str], source: Optional[str], target: Optional[str], device: str,
          backend: str, allow_pickle: bool, progress: ProgressFn) -> list[_Leg]:
    """The models a translation passes through: one, or two pair models meeting in English."""
    emit(progress, Progress(0, None, "Loading the model"))
    first = load(model, device=device, backend=backend, allow_pickle=allow_pickle)
    if not pivot:
        return [_prepare(first, source, target, progress)]
    second = load(pivot, device=device, backend=backend, allow_pickle=allow_pickle)
    pairs = [language_pair(t.info) if t.style == "pair" else None for t in (first, second)]
    if None in pairs or pairs[0][1] != PIVOT_LANGUAGE or pairs[1][0] != PIVOT_LANGUAGE:
        raise ModelDeskError(f"{first.info.name} and {second.info.name} do not chain through English: pivoting "
                             "needs a pair model into English and one out of it.")
    return [_Leg(first), _Leg(second)]


def _translate_batch(leg: _Leg, sentences: list[str], beam_size: int, max_length: Optional[int]) -> tuple[list[str], int]:
    """Translations of ``sentences`` (one batch) and how many of them were cut to the model's limit."""
    tr = leg.tr
    with tr.in_use():
        if leg.src_lang:
            tr.tokenizer.src_lang = leg.src_lang
        enc = tr.tokenizer([leg.prefix + s for s in sentences], return_tensors="np", padding=True, truncation=True,
                           max_length=tr.max_positions)
        ids, mask = enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64)
        room = max_length or min(tr.max_positions, 2 * ids.shape[1] + 10)
        out = tr.net.generate(ids, mask, beam_size, room, leg.forced_bos)
        # some tokenizers (M2M100) do not count their language tokens as special: drop them by id
        kept = [[t for t in seq if t not in tr.code_ids] for seq in out]
        pieces = tr.tokenizer.batch_decode(kept, skip_special_tokens=True)
    return [p.strip() for p in pieces], int((mask.sum(1) >= tr.max_positions).sum())


def translate_units(legs: list[_Leg], units: list[str], beam_size: int = 4, max_length: Optional[int] = None,
                    batch_size: int = 8, progress: ProgressFn = None, cancel: Optional[CancelToken] = None,
                    on_ready: Optional[Callable[[list[str]], None]] = None) -> list[str]:
    """Translate ``units`` (each cut into sentences) through ``legs``. ``on_ready`` gets the translations of
    the units finished so far, in order, after each batch that finishes more (a document streams from it)."""
    if beam_size < 1 or batch_size < 1:
        raise ModelDeskError("The beam size and the batch size must be at least 1.")
    if max_length is not None and max_length < 1:
        raise ModelDeskError("The maximum length must be at least 1 token.")
    owners, sentences = [], []
    for unit, text in enumerate(units):
        for sentence in split_sentences(text):
            owners.append(unit)
            sentences.append(sentence)
    settings = (tuple((leg.tr.loaded, leg.src_lang, leg.prefix, leg.forced_bos) for leg in legs), beam_size, max_length)
    final = {i: got for i, s in enumerate(sentences) if (got := SENTENCES.get(settings, s)) is not None}
    todo = [i for i in range(len(sentences)) if i not in final]
    parts: list[list[str]] = [[] for _ in units]
    total, finished, truncated = len(todo) * len(legs), 0, 0
    shown = {"sentence": 0, "units": 0}   # the first sentence not yet handed on (document order); units handed on

    def hand_on() -> None:
        """Give ``on_ready`` the units whose every sentence is translated, in order."""
        at = shown["sentence"]
        while at < len(sentences) and at in final:
            parts[owners[at]].append(final[at])
            at += 1
        shown["sentence"] = at
        complete = owners[at] if at < len(sentences) else len(units)
        if on_ready is not None and complete > shown["units"]:
            shown["units"] = complete
            on_ready([" ".join(p) for p in parts[:complete]])

    if final:
        hand_on()   # what the cache knows shows at once
    via = " (through English)" if len(legs) > 1 else ""
    window = batch_size * _WINDOW_BATCHES
    for start in range(0, len(todo), window):
        chunk = todo[start:start + window]
        texts = {i: sentences[i] for i in chunk}
        for leg in legs:
            order = sorted(chunk, key=lambda i: len(texts[i]))
            for first in range(0, len(order), batch_size):
                check(cancel)
                rows = order[first:first + batch_size]
                pieces, cut = _translate_batch(leg, [texts[i] for i in rows], beam_size, max_length)
                texts.update(zip(rows, pieces))
                truncated += cut
                finished += len(rows)
                emit(progress, Progress(finished, total, f"Translated {finished}/{total} sentences{via}"))
                if leg is legs[-1]:
                    for i in rows:
                        final[i] = texts[i]
                        SENTENCES.put(settings, sentences[i], texts[i])
                    hand_on()
    hand_on()
    if truncated:
        limit = legs[0].tr.max_positions
        emit(progress, Log(f"{truncated} sentence{'s were' if truncated > 1 else ' was'} longer than "
                           f"{limit} tokens and {'were' if truncated > 1 else 'was'} cut."))
    return [" ".join(p) for p in parts]


@retry_smaller()
def translate(model: os.PathLike | str, text: str, source: Optional[str] = None, target: Optional[str] = None,
              beam_size: int = 4, max_length: Optional[int] = None, batch_size: int = 8,
              pivot: Optional[str] = None, device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
              progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> str:
    """Translate a text sentence by sentence, keeping its lines, blank lines, indentation and list markers.

    ``max_length`` caps the tokens of each translated sentence (default: about twice the source
    sentence, within the model's limit). ``pivot``: a second pair model, from English, after ``model``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ModelDeskError("Type or open a text to translate first.")
    legs = _legs(model, pivot, source, target, device, backend, allow_pickle, progress)
    doc = documents.parse(text, "txt")
    return doc.render(translate_units(legs, doc.units, beam_size, max_length, batch_size, progress, cancel))


@retry_smaller(restarts_stream=True)   # saved once, at the end; the stream says it starts again
def translate_file(model: os.PathLike | str, path: os.PathLike | str, out: Optional[os.PathLike | str] = None,
                   source: Optional[str] = None, target: Optional[str] = None, beam_size: int = 4,
                   max_length: Optional[int] = None, batch_size: int = 8, pivot: Optional[str] = None,
                   device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
                   progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> dict:
    """Translate a .txt, .md, .srt or .vtt file, keeping its structure (see ``documents``).

    The translated document streams as ``Partial`` events, whole lines in order, as soon as they are
    done. With ``out`` it is saved there atomically at the end (a stopped job writes nothing).
    Returns ``{"out", "kind", "units", "text"}``.
    """
    kind = documents.kind_of(path)
    if out is not None and Path(out).expanduser().resolve() == Path(path).expanduser().resolve():
        raise ModelDeskError("The translation would replace the original; choose another output file.")
    doc = documents.parse(fileio.read_user_text(path), kind)
    legs = _legs(model, pivot, source, target, device, backend, allow_pickle, progress)
    shown = {"entries": 0}

    def stream(translations: list[str]) -> None:
        """Emit the document's next lines whose units are all translated."""
        lines, at = [], shown["entries"]
        while at < len(doc.entries) and doc.needs(doc.entries[at]) < len(translations):
            lines.append(doc.render_entry(doc.entries[at], translations))
            at += 1
        shown["entries"] = at
        if lines:
            end = "\n" if at < len(doc.entries) or doc.final_newline else ""
            emit(progress, Partial("\n".join(lines) + end))

    translations = translate_units(legs, doc.units, beam_size, max_length, batch_size, progress, cancel,
                                   on_ready=stream)
    stream(translations)
    text = doc.render(translations)
    if out is not None:
        fileio.write_text(out, text)
    return {"out": str(out) if out is not None else None, "kind": kind, "units": len(doc.units), "text": text}
