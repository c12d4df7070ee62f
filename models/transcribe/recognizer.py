"""Speech recognition: Whisper (seq2seq) and CTC models behind one ``Recognizer``.

``Recognizer.decode`` is the core call (one window of at most 30 s in, text out): greedy with
the reference's temperature fallback and a token budget (decoding.with_fallback), with
Whisper's no-speech probability so callers can drop hallucinated text on silence, and on
request with Whisper's timestamp tokens (timed segments) and word timings (alignment heads and
dynamic time warping; CTC: from the frames). The loop itself is decoding.py's, the same for
every backend: torch runs the graphs of whisper_graph.py, ONNX Runtime (ort_runner.py) the files
onnx_export.py made from them. ``files.transcribe_file`` decodes long recordings window by window; live
transcription builds on ``decode`` and ``resample`` in the same way.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

import numpy as np

from models.core import cache, runtime, store
from models.core.events import ModelDeskError
from models.transcribe import alignment, decoding
from models.transcribe.audio import read_sound_file
from models.transcribe.ct2_import import MULTILINGUAL_VOCAB
from models.transcribe.decoding import LOGPROB_THRESHOLD, NO_SPEECH_THRESHOLD
from models.transcribe.transcript import Segment, Word

SAMPLE_RATE = 16000
#: Whisper hears at most 30 s at a time; CTC models get the same windows to bound memory
WINDOW_SECONDS = 30.0
#: audio samples per Whisper encoder frame (two 10 ms mel frames)
SAMPLES_PER_FRAME = SAMPLE_RATE // alignment.FRAMES_PER_SECOND
#: audio samples per log-mel frame (10 ms)
MEL_HOP = SAMPLES_PER_FRAME // 2


@dataclass(frozen=True)
class Decoded:
    """The result of decoding one window.

    ``no_speech_prob`` (Whisper only) is the probability of the no-speech token right after
    <|startoftranscript|>; ``avg_logprob`` is the mean log probability of the chosen tokens
    (Whisper: text, timestamps and the end token; CTC: the best label per frame). ``tokens``
    are the chosen ids (with timestamps when asked for). ``segments`` (timestamps or words
    asked for) are timed in seconds from the window's start, and ``done`` says how much of the
    window they cover: less than all of it when the last segment was left open, so the caller
    decodes again from there. ``temperature`` is the one the kept text was decoded at, and
    ``gave_up`` says the window looped at every temperature and its text was dropped
    (decoding.with_fallback): the caller names its time range in a warning.
    """
    text: str
    no_speech_prob: Optional[float] = None
    avg_logprob: Optional[float] = None
    tokens: tuple[int, ...] = ()
    language: Optional[str] = None
    segments: tuple[Segment, ...] = ()
    done: Optional[float] = None
    temperature: float = 0.0
    gave_up: bool = False

    def looks_silent(self, no_speech_threshold: float = NO_SPEECH_THRESHOLD,
                     logprob_threshold: float = LOGPROB_THRESHOLD) -> bool:
        """True when the model itself says there was no speech (Whisper's gate against hallucinations)."""
        return decoding.looks_silent(self.text, self.no_speech_prob, self.avg_logprob,
                                     no_speech_threshold, logprob_threshold)


class WhisperRunner(Protocol):
    """What a backend does for the greedy loop: encode a window once, then step the decoder."""

    def start(self, features: np.ndarray) -> None:
        """Encode one window's features (1, mels, frames) and empty the decoder's cache."""

    def step(self, ids: list[int]) -> np.ndarray:
        """Feed ``ids`` after those fed since ``start``; the logits (vocab,) after the last one."""

    def rewind(self) -> None:
        """Empty the decoder's cache, keeping the window's encoding (a decode at another temperature)."""

    def scores(self, ids: list[int]) -> np.ndarray:
        """The alignment heads' cross-attention scores (heads, len(ids), frames) for a whole sequence."""


def encoder_window(window: float = WINDOW_SECONDS) -> float:
    """Whisper's encoder input (seconds): 30 s, as Whisper was trained, unless a shorter one is chosen.

    Short audio is padded to the whole input. A fitted input (a second more than the audio, at
    least 10 s) decoded 1.3-2.2x faster, but it made tiny.en loop on short clips (issue 18: WER
    0.14 rose to 0.30, and a 2.5 s sentence came back empty), so a shorter input is only ever
    the user's explicit choice (``--window``, the Transcribe page's "Encoder window").
    """
    return float(min(WINDOW_SECONDS, max(1.0, window)))


def padded_window(features: np.ndarray, window: float = WINDOW_SECONDS) -> np.ndarray:
    """A window's log-mel frames cut to, or padded with zeros to, the encoder's input of ``window``
    seconds: the reference pads the scaled features, not the audio (a zero is a quiet level there,
    not the floor that silent audio gives)."""
    frames = int(round(encoder_window(window) * SAMPLE_RATE)) // MEL_HOP
    features = features[..., :frames]
    width = [(0, 0)] * (features.ndim - 1) + [(0, frames - features.shape[-1])]
    return np.pad(features, width).astype(np.float32, copy=False)


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


def alignment_heads(config: Any, generation: Any, hint: str = "") -> list[tuple[int, int]]:
    """The model's alignment heads: its generation config's, else the published ones for its shape."""
    heads = getattr(generation, "alignment_heads", None)
    if heads:
        return [(int(layer), int(head)) for layer, head in heads]
    multilingual = getattr(generation, "is_multilingual", None)
    if multilingual is None:
        multilingual = config.vocab_size >= MULTILINGUAL_VOCAB
    return alignment.alignment_heads_for(config.decoder_layers, config.decoder_attention_heads, config.d_model,
                                         config.num_mel_bins, bool(multilingual), hint)


class Recognizer(cache.Shared):
    """A loaded speech model (Whisper or CTC) with one decoding call for both kinds and every backend.

    ``model`` is the torch model (None on ONNX Runtime); ``runner`` the Whisper backend.
    ``step_hooks`` run between two decoder steps (a live session listens to new audio there).
    """

    sample_rate = SAMPLE_RATE

    def __init__(self, info: store.ModelInfo, model: Any, processor: Any, kind: str,
                 device: runtime.DeviceChoice, backend: runtime.Backend = runtime.Backend.TORCH,
                 runner: Optional[WhisperRunner] = None, config: Any = None, generation: Any = None) -> None:
        self.info, self.model, self.processor, self.kind, self.device = info, model, processor, kind, device
        self.backend = backend
        self.runner = runner
        self.config = config if config is not None else getattr(model, "config", None)
        self.generation = generation if generation is not None else getattr(model, "generation_config", None)
        self.name = info.name
        self.is_multilingual = False
        self.step_hooks: list[Callable[[], None]] = []
        self._lang_ids: dict[str, int] = {}
        if kind == "whisper":
            self._setup_whisper()

    # --- loading -------------------------------------------------------------

    @classmethod
    def load(cls, path_or_name: os.PathLike | str, device: str = "auto", allow_pickle: bool = False,
             backend: str = "torch") -> "Recognizer":
        """Load (or reuse from the cache) a transcription model by folder or store name, on ``backend``.

        ONNX backends need the model's export (Models page); a backend that cannot run says why.
        """
        info = store.open_model(path_or_name, task="transcribe", allow_pickle=allow_pickle)
        chosen = runtime.parse_backend(backend)
        choice = runtime.choose_device(device)
        if chosen is not runtime.Backend.TORCH:
            return cache.get_or_load(("speech", str(info.path), choice.device, chosen.value),
                                     lambda: cls._build_ort(info, choice, chosen))
        return cache.get_or_load(("speech", str(info.path), choice.device, chosen.value),
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
        runner = None
        if kind == "whisper":
            from models.transcribe.whisper_graph import TorchRunner

            runner = TorchRunner(model, alignment_heads(model.config, model.generation_config, info.path.name),
                                 choice.device)
        return cls(info, model, processor, kind, choice, runner=runner)

    @classmethod
    def _build_ort(cls, info: store.ModelInfo, choice: runtime.DeviceChoice,
                   backend: runtime.Backend) -> "Recognizer":
        from models.transcribe.ort_runner import load_ort_parts

        parts = load_ort_parts(info, choice, backend)
        return cls(info, None, parts.processor, "whisper", choice, backend=backend, runner=parts.runner,
                   config=parts.config, generation=parts.generation)

    def _setup_whisper(self) -> None:
        """Special token and language ids from the tokenizer, suppression lists from the generation config."""
        from transformers.models.whisper.tokenization_whisper import LANGUAGES

        tok = self.processor.tokenizer
        gen, cfg = self.generation, self.config
        vocab = tok.get_vocab()
        known = {t: int(vocab[t]) for t in (
            "<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>", "<|startofprev|>",
            "<|nospeech|>", "<|nocaptions|>", "<|transcribe|>", "<|translate|>", "<|0.00|>") if t in vocab}
        if "<|endoftext|>" not in known:
            raise ModelDeskError(f"{self.name} has no Whisper tokenizer (<|endoftext|> is missing).")
        no_timestamps = known.get("<|notimestamps|>")
        # <|0.00|> follows <|notimestamps|> in every Whisper vocabulary (the tokenizer may not list them)
        begin = known.get("<|0.00|>", no_timestamps + 1 if no_timestamps is not None else None)
        if begin is not None and begin + 1500 >= cfg.vocab_size:
            begin = None   # a vocabulary without the 1501 timestamp tokens
        self.specials = decoding.Specials(
            eot=known["<|endoftext|>"], sot=known.get("<|startoftranscript|>", cfg.decoder_start_token_id),
            no_timestamps=no_timestamps, timestamp_begin=begin,
            no_speech=known.get("<|nospeech|>", known.get("<|nocaptions|>")),
            suppress=tuple(int(i) for i in (getattr(gen, "suppress_tokens", None) or [])),
            suppress_begin=tuple(int(i) for i in (getattr(gen, "begin_suppress_tokens", None) or [])),
            max_tokens=int(cfg.max_target_positions))
        self._prev = known.get("<|startofprev|>")
        self._task_ids = {task: known[f"<|{task}|>"] for task in ("transcribe", "translate") if f"<|{task}|>" in known}
        multilingual = getattr(gen, "is_multilingual", None)
        if multilingual is None:
            multilingual = cfg.vocab_size >= MULTILINGUAL_VOCAB
        self.is_multilingual = bool(multilingual)
        if self.is_multilingual:  # English-only vocabularies hold language tokens too, unused
            self._lang_ids = {code: int(vocab[f"<|{code}|>"]) for code in LANGUAGES if f"<|{code}|>" in vocab}

    # --- what the model can do -------------------------------------------------

    @property
    def has_timestamps(self) -> bool:
        return self.kind == "ctc" or self.specials.timestamp_begin is not None

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
               prompt_text: Optional[str] = None, timestamps: bool = False, words: bool = False,
               window: float = WINDOW_SECONDS, fallback: bool = True,
               features: Optional[np.ndarray] = None) -> Decoded:
        """The text of one window (float32 mono at 16 kHz, at most ``window`` s; longer is cut).

        ``timestamps``: Whisper's timestamp mode, giving timed segments; ``words``: word timings
        too. ``window`` (Whisper) is the encoder's input: 30 s as trained; shorter is faster and
        less accurate (encoder_window). ``fallback``: decode again at higher temperatures when
        the text loops or the model doubts it (decoding.with_fallback); without it, greedy only
        (a live partial that is decoded again soon anyway). ``features`` (Whisper): this window's
        frames cut from the whole recording's log-mel (log_mel), as the reference decodes a file;
        without them the window's own audio is padded with silence to the encoder's input.
        """
        code = self.check_request(language, task)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        if audio.size == 0:
            return Decoded(text="", language=code, done=0.0)
        with self.in_use():
            if self.kind == "whisper":
                return self._decode_whisper(audio, code, task, prompt_text, timestamps, words, window, fallback,
                                            features)
            return self._decode_ctc(audio, timed=timestamps or words)

    def features(self, audio: np.ndarray, window: float = WINDOW_SECONDS) -> np.ndarray:
        """Log-mel features (1, mels, 100 per second) of ``audio`` padded or cut to ``window`` seconds."""
        samples = int(min(window, WINDOW_SECONDS) * SAMPLE_RATE)
        feats = self.processor.feature_extractor(audio[:samples], sampling_rate=SAMPLE_RATE, return_tensors="np",
                                                 padding="max_length", max_length=samples)
        return np.asarray(feats.input_features, dtype=np.float32)

    def log_mel(self, audio: np.ndarray, block: float = 60.0) -> np.ndarray:
        """Log-mel features (1, mels, 100 per second) of a whole recording, scaled over all of it.

        As the reference transcribes a file, the scale is the recording's and windows are cut from
        it (padded_window). Taken ``block`` seconds at a time (an hour never holds its whole
        spectrum): a block's levels are floored at its loudest - 8 (log10); flooring again at the
        recording's loudest, no lower, gives what one pass gives. A block sees 3 frames past each
        edge, the last a second of silence after the end (the reference's 30 s change no frame).
        """
        frames, step, edge = audio.size // MEL_HOP, max(1, int(block * SAMPLE_RATE) // MEL_HOP), 3
        levels, top = [], -np.inf
        for first in range(0, frames, step):
            count, lead = min(step, frames - first), min(first, edge)
            piece = audio[(first - lead) * MEL_HOP:(first + count + edge) * MEL_HOP]
            feats = self.processor.feature_extractor(piece, sampling_rate=SAMPLE_RATE, return_tensors="np",
                                                     padding="max_length", max_length=piece.size + SAMPLE_RATE)
            level = np.asarray(feats.input_features, dtype=np.float32)[..., lead:] * 4.0 - 4.0   # undo the scaling
            last = first + count == frames
            top = max(top, float(level.max() if last else level[..., :count].max()))
            levels.append(level[..., :count])
        if not levels:
            return np.zeros((1, self.config.num_mel_bins, 0), dtype=np.float32)
        level = np.concatenate(levels, axis=-1)
        return ((np.maximum(level, top - 8.0) + 4.0) / 4.0).astype(np.float32)

    def _prompt_ids(self, prompt_text: Optional[str]) -> list[int]:
        """<|startofprev|> + the end of the previous text, as Whisper conditions on it (half the context at most)."""
        if not prompt_text or not prompt_text.strip() or self._prev is None:
            return []
        ids = self.processor.tokenizer.encode(" " + prompt_text.strip(), add_special_tokens=False)
        return [self._prev] + ids[-(self.specials.max_tokens // 2 - 1):]

    def _text(self, tokens: Any) -> str:
        return self.processor.tokenizer.decode(list(tokens), skip_special_tokens=True)

    def _on_step(self) -> None:
        for hook in list(self.step_hooks):
            hook()

    def _decode_whisper(self, audio: np.ndarray, code: Optional[str], task: str, prompt_text: Optional[str],
                        timestamps: bool, words: bool, window: float, fallback: bool,
                        features: Optional[np.ndarray]) -> Decoded:
        specials, runner = self.specials, self.runner
        assert runner is not None
        window = encoder_window(window)
        audio = audio[:int(window * SAMPLE_RATE)]
        timestamps = (timestamps or words) and specials.timestamp_begin is not None
        runner.start(self.features(audio, window) if features is None else padded_window(features, window))
        self._on_step()   # a live session may drop this decode now rather than after its first token
        prefix = self._prompt_ids(prompt_text) + [specials.sot]
        logits = runner.step(prefix)  # the prediction right after <|startoftranscript|>
        probs = np.exp(decoding.log_softmax(logits.astype(np.float64)))
        no_speech = float(probs[specials.no_speech]) if specials.no_speech is not None else None
        sot_sequence = [specials.sot]
        if self.is_multilingual:
            if code is None:  # language detection from the same step
                codes = list(self._lang_ids)
                code = codes[int(np.argmax(logits[[self._lang_ids[c] for c in codes]]))]
            sot_sequence += [self._lang_ids[code], self._task_ids[task]]
        forced = sot_sequence[1:]
        if not timestamps and specials.no_timestamps is not None:
            forced.append(specials.no_timestamps)
        if forced:
            logits = runner.step(forced)
        duration = audio.size / SAMPLE_RATE
        budget = decoding.token_budget(duration, min(specials.max_tokens // 2,
                                                     specials.max_tokens - len(prefix) - len(forced)))
        frames = math.ceil(audio.size / SAMPLES_PER_FRAME)
        begin = specials.timestamp_begin
        first = [logits]

        def attempt(temperature: float, rng: Optional[np.random.Generator]) -> decoding.Attempt:
            if first:
                start = first.pop()
            else:   # the same window again: the encoding stays, the decoder starts over
                runner.rewind()
                start = runner.step(prefix + forced)
            tokens, total = decoding.greedy(runner.step, start, specials, budget, timestamps=timestamps,
                                            limit=frames, on_step=self._on_step if self.step_hooks else None,
                                            temperature=temperature, rng=rng)
            finished = len(tokens) < budget
            text = self._text([t for t in tokens if begin is None or t < begin]).strip()
            return decoding.Attempt(tuple(tokens), text, total / max(1, len(tokens) + int(finished)), temperature,
                                    finished)

        temperatures = decoding.TEMPERATURES if fallback else decoding.TEMPERATURES[:1]
        result = decoding.with_fallback(attempt, no_speech, temperatures)
        chosen = result.chosen
        segments: tuple[Segment, ...] = ()
        done = duration
        if timestamps and not result.gave_up:
            assert begin is not None
            pieces, done = decoding.split_segments(list(chosen.tokens), begin, duration)
            timed = self._word_timings(sot_sequence, pieces, frames) if words else [[] for _ in pieces]
            segments = tuple(self._segment(piece, found) for piece, found in zip(pieces, timed))
        return Decoded(text="" if result.gave_up else chosen.text, no_speech_prob=no_speech,
                       avg_logprob=chosen.avg_logprob, tokens=chosen.tokens, language=code or "en",
                       segments=segments, done=done, temperature=chosen.temperature, gave_up=result.gave_up)

    def _segment(self, piece: decoding.TimedTokens, found: list[alignment.WordTiming]) -> Segment:
        """A window's segment; with words, its span is theirs (the alignment is finer than timestamps)."""
        text = self._text(piece.tokens).strip()
        if not found:
            return Segment(piece.start, piece.end, text)
        timed = tuple(Word(w.word, w.start, w.end) for w in found)
        return Segment(timed[0].start, max(timed[-1].end, timed[0].start), text, timed)

    def _word_timings(self, sot_sequence: list[int], pieces: list[decoding.TimedTokens],
                      frames: int) -> list[list[alignment.WordTiming]]:
        """Word timings of every segment of the window, from one alignment pass over all their text."""
        specials, runner = self.specials, self.runner
        assert runner is not None
        text = [t for piece in pieces for t in piece.tokens]
        if not text or specials.no_timestamps is None:
            return [[] for _ in pieces]
        prefix = sot_sequence + [specials.no_timestamps]
        scores = runner.scores(prefix + text + [specials.eot])
        return alignment.word_timings(scores, frames, len(prefix), [piece.tokens for piece in pieces], self._text)

    def _decode_ctc(self, audio: np.ndarray, timed: bool = False) -> Decoded:
        import torch

        if audio.size < SAMPLE_RATE // 10:  # the convolutional front end needs a few hundred samples
            audio = np.pad(audio, (0, SAMPLE_RATE // 10 - audio.size))
        inputs = self.processor(audio, sampling_rate=SAMPLE_RATE, return_tensors="pt")
        values = inputs.input_values.to(self.device.device, self.device.dtype)
        with torch.inference_mode():
            logits = self.model(values).logits[0].float()
        best = logits.log_softmax(-1).max(-1)
        # CTC: merge repeated labels first, then drop the blank (pad) and other specials, keeping
        # word delimiters; dropping first would merge the "l l" of "hello" into one letter
        ids = best.indices.tolist()
        tokenizer = self.processor.tokenizer
        delimiter = getattr(tokenizer, "word_delimiter_token_id", None)
        drop = set(tokenizer.all_special_ids) - {delimiter}
        kept = [(k, t) for k, t in enumerate(ids) if (k == 0 or t != ids[k - 1]) and t not in drop]
        labels = [t for _, t in kept]
        text = self.processor.batch_decode([labels], group_tokens=False)[0].strip()
        segments: tuple[Segment, ...] = ()
        if timed:
            seconds = audio.size / SAMPLE_RATE / max(1, len(ids))   # per frame
            found = _ctc_words(kept, ids, delimiter, seconds, lambda t: self.processor.batch_decode(
                [t], group_tokens=False)[0])
            if found:
                segments = (Segment(found[0].start, found[-1].end, text, tuple(found)),)
        return Decoded(text=text, avg_logprob=float(best.values.mean()), tokens=tuple(labels),
                       segments=segments, done=audio.size / SAMPLE_RATE)


def _ctc_words(kept: list[tuple[int, int]], ids: list[int], delimiter: Optional[int], seconds: float,
               decode: Callable[[list[int]], str]) -> list[Word]:
    """CTC word offsets: a word runs from its first letter's frame to the end of its last letter's
    (the frames a label repeats over, up to the next different label)."""
    found: list[Word] = []
    letters: list[int] = []
    first = last = 0
    for frame, token in kept + [(len(ids), delimiter)]:
        if token == delimiter:
            if letters:
                found.append(Word(" " + decode(letters).strip(), first * seconds, (last + 1) * seconds))
            letters = []
            continue
        if not letters:
            first = frame
        letters.append(token)
        last = frame
        while last + 1 < len(ids) and ids[last + 1] == token:
            last += 1
    return found


# --- files ------------------------------------------------------------------------

def read_audio(path: os.PathLike | str) -> np.ndarray:
    """A sound file as float32 mono at 16 kHz (a clear error for anything soundfile cannot read)."""
    samples, rate = read_sound_file(path)
    return resample(samples, rate, SAMPLE_RATE)
