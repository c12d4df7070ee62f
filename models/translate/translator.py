"""Translation with seq2seq models: Marian pairs and multilingual NLLB, M2M100 and mBART-50.

A pair model (opus-mt-en-de) knows one direction and takes no language codes.
A multilingual model needs a target code, which becomes the decoder's first
token (``forced_bos_token_id``), and reads the source code from its tokenizer's
``src_lang``. Marian models with several targets take ``>>code<<`` in front of
the text instead. Documents are cut into sentences, translated in batches and
put back together with their line and paragraph breaks.
"""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Optional

from models.core import cache, runtime, store
from models.core.tokens import token_limit
from models.core.events import CancelToken, Log, ModelDeskError, Progress, ProgressFn, check, emit
from models.core.oom import retry_smaller

#: NLLB (eng_Latn), mBART-50 (en_XX) and similar language-code tokens
_LANG_TOKEN = re.compile(r"^[a-z]{2,3}_[A-Z][A-Za-z]{1,3}$")
#: a sentence ends at . ! ? … (plus closing quotes/brackets) before a space, or at CJK full stops
_SENTENCE_END = re.compile(r"(?<=[.!?…][\"'”’»)\]])\s+|(?<=[.!?…])\s+|(?<=[。！？])")
_SHOWN_CODES = 8


@dataclass(eq=False)
class Translator(cache.Shared):
    info: store.ModelInfo
    tokenizer: Any
    model: Any
    device: str
    codes: list[str]     # language codes the user may choose; empty for a pair model
    style: str           # "pair", "marian-multi" (>>xx<< prefix) or "forced-bos"
    max_positions: int
    default_source: Optional[str] = None   # the tokenizer's own src_lang, used when none is chosen
    code_ids: frozenset[int] = frozenset()  # language-code tokens, never part of the translated text


def load(path_or_name: os.PathLike | str, device: str = "auto", allow_pickle: bool = False) -> Translator:
    """A seq2seq translation model with its tokenizer and language codes (cached)."""
    info = store.open_model(path_or_name, task="translate", allow_pickle=allow_pickle)
    choice = runtime.choose_device(device)
    return cache.get_or_load(("translator", str(info.path), choice.device, "torch"), lambda: _build(info, choice))


def _build(info: store.ModelInfo, choice: runtime.DeviceChoice) -> Translator:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    with warnings.catch_warnings():  # MarianTokenizer advises installing sacremoses; it is optional
        warnings.filterwarnings("ignore", message=".*sacremoses")
        tokenizer = AutoTokenizer.from_pretrained(info.path, trust_remote_code=False, local_files_only=True)
    model = AutoModelForSeq2SeqLM.from_pretrained(info.path, dtype=choice.dtype, **store.hf_kwargs(info))
    model.to(choice.device).eval()
    codes, style = _language_codes(tokenizer)
    code_ids = frozenset(_code_id(tokenizer, c) for c in codes) if style == "forced-bos" else frozenset()
    return Translator(info, tokenizer, model, choice.device, codes, style, token_limit(tokenizer, model.config),
                      getattr(tokenizer, "src_lang", None), code_ids)


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


def languages(model: os.PathLike | str, device: str = "auto", backend: str = "torch", allow_pickle: bool = False,
              progress: ProgressFn = None, cancel: Optional[CancelToken] = None) -> list[str]:
    """The language codes a multilingual model takes; empty for a pair model.

    It loads the whole model (cached), so a translation right after starts at once.
    """
    runtime.parse_backend(backend)   # the translation that follows says which engine runs it
    emit(progress, Progress(0, None, "Loading the model"))
    return list(load(model, device=device, allow_pickle=allow_pickle).codes)


def split_text(text: str) -> list[list[str]]:
    """The text's lines, each cut into sentences; an empty line (a paragraph break) is an empty list."""
    return [[s.strip() for s in _SENTENCE_END.split(line) if s.strip()] for line in text.splitlines()]


def _check_code(tr: Translator, code: str, role: str) -> str:
    if code in tr.codes:
        return code
    shown = ", ".join(tr.codes[:_SHOWN_CODES]) + (", …" if len(tr.codes) > _SHOWN_CODES else "")
    raise ModelDeskError(f"{tr.info.name} does not know the {role} language '{code}'; it knows {shown}.")


@dataclass(frozen=True)
class _Request:
    """How one call selects its languages: the tokenizer's ``src_lang`` (set again before each batch, as
    other jobs share the tokenizer), a text prefix (Marian ``>>xx<<``) and generate() arguments."""
    src_lang: Optional[str] = None
    prefix: str = ""
    generate_args: dict = field(default_factory=dict)


def _prepare(tr: Translator, source: Optional[str], target: Optional[str], progress: ProgressFn) -> _Request:
    """Check the chosen languages against the model and say how to ask for them."""
    if tr.style == "pair":
        if source or target:
            emit(progress, Log(f"{tr.info.name} translates one fixed language pair; the languages chosen are ignored."))
        return _Request()
    if not target:
        raise ModelDeskError(f"{tr.info.name} translates between many languages: choose a target language "
                             f"(for example {tr.codes[0]}).")
    target = _check_code(tr, target, "target")
    if tr.style == "marian-multi":
        return _Request(prefix=f">>{target}<< ")
    src_lang = _check_code(tr, source, "source") if source else tr.default_source
    return _Request(src_lang=src_lang, generate_args={"forced_bos_token_id": _code_id(tr.tokenizer, target)})


@retry_smaller()
def translate(model: os.PathLike | str, text: str, source: Optional[str] = None, target: Optional[str] = None,
              beam_size: int = 4, max_length: Optional[int] = None, batch_size: int = 8, device: str = "auto",
              backend: str = "torch", allow_pickle: bool = False, progress: ProgressFn = None,
              cancel: Optional[CancelToken] = None) -> str:
    """Translate a document sentence by sentence, keeping its line and paragraph breaks.

    ``max_length`` caps the tokens of each translated sentence (default: about
    twice the source sentence, within the model's limit).
    """
    import torch

    if not isinstance(text, str) or not text.strip():
        raise ModelDeskError("Type or open a text to translate first.")
    if beam_size < 1 or batch_size < 1:
        raise ModelDeskError("The beam size and the batch size must be at least 1.")
    runtime.torch_only(backend, "translating", progress)
    emit(progress, Progress(0, None, "Loading the model"))
    tr = load(model, device=device, allow_pickle=allow_pickle)
    request = _prepare(tr, source, target, progress)
    lines = split_text(text)
    sentences = [s for line in lines for s in line]
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    done: list[str] = [""] * len(sentences)
    truncated = 0
    for start in range(0, len(order), batch_size):
        check(cancel)
        rows = order[start:start + batch_size]
        with tr.in_use(), torch.inference_mode():
            if request.src_lang:
                tr.tokenizer.src_lang = request.src_lang
            enc = tr.tokenizer([request.prefix + sentences[i] for i in rows], return_tensors="pt", padding=True,
                               truncation=True, max_length=tr.max_positions)
            room = max_length or min(tr.max_positions, 2 * enc["input_ids"].shape[1] + 10)
            out = tr.model.generate(**enc.to(tr.device), num_beams=beam_size, max_new_tokens=room,
                                    **request.generate_args)
            # some tokenizers (M2M100) do not count their language tokens as special: drop them by id
            kept = [[t for t in seq if t not in tr.code_ids] for seq in out.tolist()]
            pieces = tr.tokenizer.batch_decode(kept, skip_special_tokens=True)
        truncated += int((enc["attention_mask"].sum(1) >= tr.max_positions).sum())
        for i, piece in zip(rows, pieces):
            done[i] = piece.strip()
        emit(progress, Progress(start + len(rows), len(order),
                                f"Translated {start + len(rows)}/{len(order)} sentences"))
    if truncated:
        emit(progress, Log(f"{truncated} sentence{'s were' if truncated > 1 else ' was'} longer than "
                           f"{tr.max_positions} tokens and {'were' if truncated > 1 else 'was'} cut."))
    pieces = iter(done)
    return "\n".join(" ".join(next(pieces) for _ in line) for line in lines)
