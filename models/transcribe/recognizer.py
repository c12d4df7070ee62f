"""Speech recognition: Whisper (seq2seq) and CTC models behind one ``Recognizer``.

``Recognizer.decode`` is the core call (one utterance of at most 30 s in, text
out): greedy, without timestamps, and with Whisper's no-speech probability so
callers can drop hallucinated text on silence. ``transcribe_file`` cuts a
recording into windows at quiet points and decodes each one; live
transcription builds on ``decode`` and ``resample`` in the same way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from models.core import cache, runtime, store
from models.transcribe.audio import read_sound_file
from models.transcribe.ct2_import import MULTILINGUAL_VOCAB
from models.core.events import CancelToken, Final, ModelDeskError, Progress, ProgressFn, check, emit
from models.transcribe.transcript import Segment, Transcript

SAMPLE_RATE = 16000
#: Whisper hears at most 30 s at a time; CTC models get the same windows to bound memory
WINDOW_SECONDS = 30.0
#: where a long recording is cut: the quietest point in this many last seconds of a window
CUT_SEARCH_SECONDS = 5.0
#: Whisper's own rule for "this window is silence": both must hold
NO_SPEECH_THRESHOLD = 0.6
LOGPROB_THRESHOLD = -1.0
#: ...but small models say a confident "you" on silence, so a near-certain no-speech wins alone
SURE_NO_SPEECH = 0.9


@dataclass(frozen=True)
class Decoded:
    """The result of decoding one utterance.

    ``no_speech_prob`` (Whisper only) is the probability of the no-speech token
    right after <|startoftranscript|>; ``avg_logprob`` is the mean log
    probability of the chosen tokens (Whisper: text tokens and the end token;
    CTC: the best label per frame). ``tokens`` are the text token ids.
    """
    text: str
    no_speech_prob: Optional[float] = None
    avg_logprob: Optional[float] = None
    tokens: tuple[int, ...] = ()
    language: Optional[str] = None

    def looks_silent(self, no_speech_threshold: float = NO_SPEECH_THRESHOLD,
                     logprob_threshold: float = LOGPROB_THRESHOLD) -> bool:
        """True when the model itself says there was no speech (Whisper's gate against hallucinations)."""
        if not self.text.strip():
            return True
        if self.no_speech_prob is None or self.avg_logprob is None:
            return False
        if self.no_speech_prob > SURE_NO_SPEECH:
            return True
        return self.no_speech_prob > no_speech_threshold and self.avg_logprob < logprob_threshold


def resample(audio: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Resample along the last axis to ``target`` Hz (band-limited, torchaudio), as float32."""
    audio = np.asarray(audio, dtype=np.float32)
    if int(rate) == int(target) or audio.size == 0:
        return audio
    import torch
    import torchaudio.functional as AF

    return AF.resample(torch.from_numpy(np.ascontiguousarray(audio)), int(rate), int(target)).numpy()


def _language_code(language: str) -> str:
    """'en', 'English', '<|en|>' -> 'en'; a clear error for anything else."""
    from transformers.models.whisper.tokenization_whisper import LANGUAGES, TO_LANGUAGE_CODE

    text = language.strip().lower().removeprefix("<|").removesuffix("|>")
    if text in LANGUAGES:
        return text
    if text in TO_LANGUAGE_CODE:
        return TO_LANGUAGE_CODE[text]
    raise ModelDeskError(f"Unknown language '{language}': give a language code such as 'en' or 'de'.")


class Recognizer(cache.Shared):
    """A loaded speech model (Whisper or CTC) with one decoding call for both kinds."""

    sample_rate = SAMPLE_RATE

    def __init__(self, info: store.ModelInfo, model: Any, processor: Any, kind: str,
                 device: runtime.DeviceChoice) -> None:
        self.info, self.model, self.processor, self.kind, self.device = info, model, processor, kind, device
        self.name = info.name
        self.is_multilingual = False
        self._lang_ids: dict[str, int] = {}
        if kind == "whisper":
            self._setup_whisper()

    # --- loading -------------------------------------------------------------

    @classmethod
    def load(cls, path_or_name: os.PathLike | str, device: str = "auto", allow_pickle: bool = False) -> "Recognizer":
        """Load (or reuse from the cache) a transcription model by folder or store name."""
        info = store.open_model(path_or_name, task="transcribe", allow_pickle=allow_pickle)
        choice = runtime.choose_device(device)
        return cache.get_or_load(("speech", str(info.path), choice.device, runtime.Backend.TORCH.value),
                                 lambda: cls._build(info, choice))

    @classmethod
    def _build(cls, info: store.ModelInfo, choice: runtime.DeviceChoice) -> "Recognizer":
        import transformers as tf

        kwargs = store.hf_kwargs(info)
        try:
            if info.model_type == "whisper":
                model = tf.WhisperForConditionalGeneration.from_pretrained(info.path, dtype=choice.dtype, **kwargs)
                processor = tf.WhisperProcessor.from_pretrained(info.path, local_files_only=True)
                kind = "whisper"
            else:
                model = tf.AutoModelForCTC.from_pretrained(info.path, dtype=choice.dtype, **kwargs)
                try:
                    processor = tf.AutoProcessor.from_pretrained(info.path, local_files_only=True)
                except (OSError, ValueError, TypeError):
                    processor = tf.Wav2Vec2Processor.from_pretrained(info.path, local_files_only=True)
                kind = "ctc"
        except ValueError as exc:
            if "Unrecognized configuration class" in str(exc):
                raise ModelDeskError(f"{info.name} is a speech model ModelDesk cannot run: "
                                     "only Whisper and CTC (wav2vec2-style) models are supported.") from None
            raise ModelDeskError(f"{info.name} could not be loaded: {str(exc).splitlines()[0]}") from None
        except OSError as exc:
            raise ModelDeskError(f"{info.name} could not be loaded: {str(exc).splitlines()[0]}") from None
        model.to(choice.device).eval()
        return cls(info, model, processor, kind, choice)

    def _setup_whisper(self) -> None:
        """Special token and language ids from the tokenizer, suppression lists from the generation config."""
        from transformers.models.whisper.tokenization_whisper import LANGUAGES

        tok = self.processor.tokenizer
        gen = self.model.generation_config
        vocab = tok.get_vocab()
        known = {t: int(vocab[t]) for t in (
            "<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>", "<|startofprev|>",
            "<|nospeech|>", "<|nocaptions|>", "<|transcribe|>", "<|translate|>") if t in vocab}
        if "<|endoftext|>" not in known:
            raise ModelDeskError(f"{self.name} has no Whisper tokenizer (<|endoftext|> is missing).")
        self._eot = known["<|endoftext|>"]
        self._sot = known.get("<|startoftranscript|>", self.model.config.decoder_start_token_id)
        self._no_timestamps = known.get("<|notimestamps|>")
        self._prev = known.get("<|startofprev|>")
        self._no_speech = known.get("<|nospeech|>", known.get("<|nocaptions|>"))
        self._task_ids = {task: known[f"<|{task}|>"] for task in ("transcribe", "translate") if f"<|{task}|>" in known}
        multilingual = getattr(gen, "is_multilingual", None)
        if multilingual is None:
            multilingual = self.model.config.vocab_size >= MULTILINGUAL_VOCAB
        self.is_multilingual = bool(multilingual)
        if self.is_multilingual:  # English-only vocabularies hold language tokens too, unused
            self._lang_ids = {code: int(vocab[f"<|{code}|>"]) for code in LANGUAGES if f"<|{code}|>" in vocab}
        self._suppress = [int(i) for i in (getattr(gen, "suppress_tokens", None) or [])]
        self._suppress_begin = [int(i) for i in (getattr(gen, "begin_suppress_tokens", None) or [])]
        self._max_tokens = int(self.model.config.max_target_positions)

    # --- what the model can do -------------------------------------------------

    def languages(self) -> list[str]:
        """Language codes the model accepts (English-only Whisper: ['en']; CTC: [], fixed by training)."""
        if self.kind != "whisper":
            return []
        return sorted(self._lang_ids) if self.is_multilingual else ["en"]

    def check_request(self, language: Optional[str] = None, task: str = "transcribe") -> Optional[str]:
        """Validate a language/task choice before any work; returns the language code (or None)."""
        if task not in ("transcribe", "translate"):
            raise ModelDeskError(f"Unknown task '{task}': choose transcribe or translate.")
        if self.kind != "whisper":
            if task == "translate":
                raise ModelDeskError(f"{self.name} is a CTC model: it can only transcribe, not translate.")
            return None  # a CTC model hears the language it was trained on
        code = _language_code(language) if language else None
        if not self.is_multilingual:
            if task == "translate":
                raise ModelDeskError(f"{self.name} is an English-only model: it cannot translate.")
            if code not in (None, "en"):
                raise ModelDeskError(f"{self.name} is an English-only model: it cannot transcribe language '{code}'.")
            return code
        if code is not None and code not in self._lang_ids:
            raise ModelDeskError(f"{self.name} does not know the language '{code}'.")
        if task not in self._task_ids:
            raise ModelDeskError(f"{self.name} has no '{task}' task token.")
        return code

    # --- decoding ----------------------------------------------------------------

    def decode(self, audio: np.ndarray, language: Optional[str] = None, task: str = "transcribe",
               prompt_text: Optional[str] = None) -> Decoded:
        """Greedy text for one utterance (float32 mono at 16 kHz, at most 30 s; longer is cut)."""
        import torch

        code = self.check_request(language, task)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        if audio.size == 0:
            return Decoded(text="", language=code)
        with self.in_use(), torch.inference_mode():
            if self.kind == "whisper":
                return self._decode_whisper(audio, code, task, prompt_text)
            return self._decode_ctc(audio)

    def _features(self, audio: np.ndarray) -> Any:
        """Log-mel features padded or trimmed to the 30 s Whisper was trained on."""
        feats = self.processor.feature_extractor(audio, sampling_rate=SAMPLE_RATE, return_tensors="pt")
        return feats.input_features.to(self.device.device, self.device.dtype)

    def _prompt_ids(self, prompt_text: Optional[str]) -> list[int]:
        """<|startofprev|> + the end of the previous text, as Whisper conditions on it (half the context at most)."""
        if not prompt_text or not prompt_text.strip() or self._prev is None:
            return []
        ids = self.processor.tokenizer.encode(" " + prompt_text.strip(), add_special_tokens=False)
        return [self._prev] + ids[-(self._max_tokens // 2 - 1):]

    def _decode_whisper(self, audio: np.ndarray, code: Optional[str], task: str,
                        prompt_text: Optional[str]) -> Decoded:
        import torch

        decoder, project = self.model.model.decoder, self.model.proj_out
        encoded = self.model.model.encoder(self._features(audio)).last_hidden_state
        state: dict[str, Any] = {"cache": None}

        def step(ids: list[int]) -> "torch.Tensor":
            inputs = torch.tensor([ids], device=encoded.device)
            out = decoder(input_ids=inputs, encoder_hidden_states=encoded, cache=state["cache"], use_cache=True)
            state["cache"] = out.cache
            return project(out.last_hidden_state[0, -1]).float()

        prefix = self._prompt_ids(prompt_text) + [self._sot]
        logits = step(prefix)  # the prediction right after <|startoftranscript|>
        probs = logits.softmax(-1)
        no_speech = float(probs[self._no_speech]) if self._no_speech is not None else None
        forced: list[int] = []
        if self.is_multilingual:
            if code is None:  # language detection from the same step
                codes = list(self._lang_ids)
                scores = logits[torch.tensor([self._lang_ids[c] for c in codes], device=logits.device)]
                code = codes[int(scores.argmax())]
            forced += [self._lang_ids[code], self._task_ids[task]]
        if self._no_timestamps is not None:
            forced.append(self._no_timestamps)
        logits = step(forced)

        budget = min(self._max_tokens // 2, self._max_tokens - len(prefix) - len(forced))
        tokens: list[int] = []
        total = 0.0
        for i in range(max(0, budget)):
            logits[self._eot + 1:] = -float("inf")  # specials and timestamps all follow <|endoftext|>
            if self._suppress:
                logits[self._suppress] = -float("inf")
            if i == 0 and self._suppress_begin:
                logits[self._suppress_begin] = -float("inf")
            logprobs = logits.log_softmax(-1)
            token = int(logprobs.argmax())
            total += float(logprobs[token])
            if token == self._eot:
                break
            tokens.append(token)
            logits = step([token])
        count = len(tokens) + (1 if len(tokens) < budget else 0)
        text = self.processor.tokenizer.decode(tokens, skip_special_tokens=True).strip()
        return Decoded(text=text, no_speech_prob=no_speech, avg_logprob=total / count if count else None,
                       tokens=tuple(tokens), language=code or "en")

    def _decode_ctc(self, audio: np.ndarray) -> Decoded:
        if audio.size < SAMPLE_RATE // 10:  # the convolutional front end needs a few hundred samples
            audio = np.pad(audio, (0, SAMPLE_RATE // 10 - audio.size))
        inputs = self.processor(audio, sampling_rate=SAMPLE_RATE, return_tensors="pt")
        values = inputs.input_values.to(self.device.device, self.device.dtype)
        logits = self.model(values).logits[0].float()
        best = logits.log_softmax(-1).max(-1)
        # CTC: merge repeated labels first, then drop the blank (pad) and other specials, keeping
        # word delimiters; dropping first would merge the "l l" of "hello" into one letter
        ids = best.indices.tolist()
        tokenizer = self.processor.tokenizer
        drop = set(tokenizer.all_special_ids) - {getattr(tokenizer, "word_delimiter_token_id", None)}
        labels = [t for k, t in enumerate(ids) if (k == 0 or t != ids[k - 1]) and t not in drop]
        text = self.processor.batch_decode([labels], group_tokens=False)[0].strip()
        return Decoded(text=text, avg_logprob=float(best.values.mean()), tokens=tuple(labels))


# --- files ------------------------------------------------------------------------

def read_audio(path: os.PathLike | str) -> np.ndarray:
    """A sound file as float32 mono at 16 kHz (a clear error for anything soundfile cannot read)."""
    samples, rate = read_sound_file(path)
    return resample(samples, rate, SAMPLE_RATE)


def split_at_silences(audio: np.ndarray, rate: int = SAMPLE_RATE, max_seconds: float = WINDOW_SECONDS,
                      search_seconds: float = CUT_SEARCH_SECONDS) -> list[tuple[int, int]]:
    """(start, end) sample ranges of at most ``max_seconds``, each cut at the quietest 20 ms
    in its last ``search_seconds`` so words are not split between windows."""
    limit, search, frame = int(max_seconds * rate), int(search_seconds * rate), max(1, rate // 50)
    windows: list[tuple[int, int]] = []
    start = 0
    while len(audio) - start > limit:
        region_start = start + limit - search
        region = audio[region_start:start + limit]
        frames = len(region) // frame
        energy = (region[:frames * frame].reshape(frames, frame) ** 2).mean(axis=1)
        cut = region_start + int(energy.argmin()) * frame + frame // 2
        windows.append((start, cut))
        start = cut
    if start < len(audio):
        windows.append((start, len(audio)))
    return windows


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def transcribe_file(model: "Recognizer | os.PathLike | str", path: os.PathLike | str,
                    language: Optional[str] = None, task: str = "transcribe", device: str = "auto",
                    backend: str = "torch", allow_pickle: bool = False, progress: ProgressFn = None,
                    cancel: Optional[CancelToken] = None) -> Transcript:
    """Transcribe (or, with Whisper, translate to English) a sound file, window by window.

    Emits a Final (text, start, end) per window that holds speech and a
    Progress in seconds of audio; stops between windows when cancelled.
    """
    runtime.torch_only(backend, "transcribing", progress)
    samples, rate = read_sound_file(path)   # a file that cannot be read is refused before the model loads
    recognizer = (model if isinstance(model, Recognizer)
                  else Recognizer.load(model, device=device, allow_pickle=allow_pickle))
    code = recognizer.check_request(language, task)
    audio = resample(samples, rate, SAMPLE_RATE)
    duration = len(audio) / SAMPLE_RATE
    emit(progress, Progress(0.0, duration, f"Transcribing {Path(path).name}"))
    transcript = Transcript(language=code)
    for start, end in split_at_silences(audio):
        check(cancel)
        decoded = recognizer.decode(audio[start:end], language=language, task=task)
        if transcript.language is None:
            transcript.language = decoded.language
        if not decoded.looks_silent():
            segment = Segment(start / SAMPLE_RATE, end / SAMPLE_RATE, decoded.text)
            transcript.segments.append(segment)
            emit(progress, Final(segment.text, segment.start, segment.end))
        emit(progress, Progress(end / SAMPLE_RATE, duration, f"{_clock(end / SAMPLE_RATE)} of {_clock(duration)}"))
    return transcript
