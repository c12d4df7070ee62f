"""Recognizer and file transcription with tiny random Whisper and CTC models (behaviour, not words)."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
import torch

from models.core.events import CancelToken, Cancelled, Final, ModelDeskError, Progress
from models.transcribe.files import transcribe_file
from models.transcribe.recognizer import SAMPLE_RATE, Decoded, Recognizer, encoder_window, read_audio, resample
from tests.fixtures.speech_models import TINY_WHISPER_POSITIONS, WHISPER_LANGUAGES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def noise(seconds: float, seed: int = 0, level: float = 0.1) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * SAMPLE_RATE)) * level).astype(np.float32)


def test_load_is_cached_and_describes_the_model(tiny_whisper, tiny_whisper_en, tiny_ctc):
    whisper = Recognizer.load(tiny_whisper, device="cpu")
    assert Recognizer.load(str(tiny_whisper), device="cpu") is whisper
    assert (whisper.kind, whisper.is_multilingual, whisper.sample_rate) == ("whisper", True, 16000)
    assert whisper.languages() == sorted(WHISPER_LANGUAGES)
    english = Recognizer.load(tiny_whisper_en, device="cpu")
    assert (english.kind, english.is_multilingual, english.languages()) == ("whisper", False, ["en"])
    ctc = Recognizer.load(tiny_ctc, device="cpu")
    assert (ctc.kind, ctc.is_multilingual, ctc.languages()) == ("ctc", False, [])


def test_whisper_decode_returns_text_probabilities_and_bounded_tokens(tiny_whisper):
    rec = Recognizer.load(tiny_whisper, device="cpu")
    eot = rec.processor.tokenizer.convert_tokens_to_ids("<|endoftext|>")
    for audio in (noise(3.0), noise(0.05), noise(45.0)):  # short, tiny, longer than the 30 s window
        out = rec.decode(audio)
        assert isinstance(out, Decoded) and isinstance(out.text, str)
        assert 0.0 <= out.no_speech_prob <= 1.0
        assert out.avg_logprob <= 0.0
        assert out.language in WHISPER_LANGUAGES
        assert len(out.tokens) <= TINY_WHISPER_POSITIONS // 2
        assert all(0 <= t < eot for t in out.tokens)  # never a special or timestamp token
        # random weights loop; a window given up keeps its last attempt's tokens but no text
        assert out.text == ("" if out.gave_up else rec.processor.tokenizer.decode(list(out.tokens)).strip())
    assert rec.decode(np.zeros(0, np.float32)).text == ""


def test_whisper_decode_honours_language_task_and_prompt(tiny_whisper):
    rec = Recognizer.load(tiny_whisper, device="cpu")
    audio = noise(2.0, seed=1)
    assert rec.decode(audio, language="fr").language == "fr"
    assert rec.decode(audio, language="German").language == "de"
    assert rec.decode(audio, language="<|en|>", task="translate").language == "en"
    plain = rec.decode(audio, language="en")
    prompted = rec.decode(audio, language="en", prompt_text="Earlier words that were said.")
    assert prompted.no_speech_prob != pytest.approx(plain.no_speech_prob, rel=1e-6)  # the prompt is seen
    with pytest.raises(ModelDeskError, match="Unknown language 'klingon'"):
        rec.decode(audio, language="klingon")
    with pytest.raises(ModelDeskError, match="does not know the language 'ja'"):
        rec.decode(audio, language="ja")
    with pytest.raises(ModelDeskError, match="Unknown task"):
        rec.decode(audio, task="summarise")


def test_english_only_whisper_refuses_other_languages_and_translation(tiny_whisper_en, tmp_path):
    rec = Recognizer.load(tiny_whisper_en, device="cpu")
    assert rec.decode(noise(1.0), language="en").language == "en"
    with pytest.raises(ModelDeskError, match="English-only model: it cannot translate"):
        rec.decode(noise(1.0), task="translate")
    wav = tmp_path / "a.wav"
    sf.write(wav, noise(1.0), SAMPLE_RATE)
    with pytest.raises(ModelDeskError, match="English-only model: it cannot transcribe language 'de'"):
        transcribe_file(rec, wav, language="de")


def test_ctc_decode_is_greedy_text_without_no_speech(tiny_ctc):
    rec = Recognizer.load(tiny_ctc, device="cpu")
    out = rec.decode(noise(2.0))
    assert out.no_speech_prob is None and out.language is None
    assert out.avg_logprob <= 0.0
    vocab = json.loads((tiny_ctc / "vocab.json").read_text())
    letters = {i: c for c, i in vocab.items() if len(c) == 1}
    assert out.tokens and all(t in letters for t in out.tokens)
    assert out.text.replace(" ", "") == "".join(letters[t] for t in out.tokens if letters[t] != "|")
    assert isinstance(rec.decode(noise(0.01)).text, str)  # shorter than the convolution front end
    with pytest.raises(ModelDeskError, match="CTC model: it can only transcribe"):
        rec.decode(noise(1.0), task="translate")


def test_ctc_merges_repeats_before_dropping_blanks(tiny_ctc, monkeypatch):
    """'l <pad> l' is two letters (hello), 'l l' one; <s> is dropped, '|' becomes a space."""
    rec = Recognizer.load(tiny_ctc, device="cpu")
    vocab = json.loads((tiny_ctc / "vocab.json").read_text())
    frames = ["h", "h", "e", "l", "l", "<pad>", "l", "o", "|", "<s>", "w", "w", "<pad>", "<pad>"]
    logits = torch.full((1, len(frames), len(vocab)), -5.0)
    for i, label in enumerate(frames):
        logits[0, i, vocab[label]] = 5.0
    monkeypatch.setattr(rec, "model", lambda values: SimpleNamespace(logits=logits))
    out = rec.decode(noise(1.0))
    assert out.text == "hello w"
    assert out.tokens == tuple(vocab[c] for c in ["h", "e", "l", "l", "o", "|", "w"])


def test_a_model_for_another_task_is_refused(tmp_path):
    folder = tmp_path / "gpt"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}))
    (folder / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelDeskError, match="gpt is a text generator, not a speech recognition model"):
        Recognizer.load(folder)


def test_decoded_silence_gate_is_whispers_rule():
    assert Decoded("you", 0.95, -0.3).looks_silent()
    assert not Decoded("hello there", 0.7, -0.4).looks_silent()
    assert not Decoded("hello", None, None).looks_silent()    # CTC: no gate


def test_whisper_timestamps_and_word_timings_lie_in_the_window(tiny_whisper):
    rec = Recognizer.load(tiny_whisper, device="cpu")
    out = rec.decode(noise(3.0, seed=4), language="en", timestamps=True, words=True)
    assert out.done is not None and 0 < out.done <= 3.0
    for seg in out.segments:
        assert 0.0 <= seg.start <= seg.end <= 3.0
        assert seg.words                                        # every timed segment has its words
        assert all(seg.start <= w.start <= w.end <= seg.end for w in seg.words)


def test_ctc_word_offsets_come_from_the_frames(tiny_ctc, monkeypatch):
    rec = Recognizer.load(tiny_ctc, device="cpu")
    vocab = json.loads((tiny_ctc / "vocab.json").read_text())
    frames = ["<pad>", "h", "i", "i", "|", "<pad>", "<pad>", "y", "o", "u", "<pad>", "<pad>"]
    logits = torch.full((1, len(frames), len(vocab)), -5.0)
    for i, label in enumerate(frames):
        logits[0, i, vocab[label]] = 5.0
    monkeypatch.setattr(rec, "model", lambda values: SimpleNamespace(logits=logits))
    out = rec.decode(noise(1.2), words=True)   # 1.2 s over 12 frames: 0.1 s a frame
    (segment,) = out.segments
    assert [(w.text, round(w.start, 3), round(w.end, 3)) for w in segment.words] == [
        (" hi", 0.1, 0.4), (" you", 0.7, 1.0)]
    assert (segment.start, segment.end, segment.text) == (segment.words[0].start, segment.words[-1].end, "hi you")


def test_resample_changes_rate_and_keeps_pitch():
    t = np.arange(44100) / 44100
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    out = resample(tone, 44100)
    assert out.dtype == np.float32 and out.shape == (16000,)
    assert np.argmax(np.abs(np.fft.rfft(out))) == 440  # 1 s of audio: bin = Hz
    same = resample(tone, 16000, 16000)
    assert np.array_equal(same, tone)
    assert resample(np.zeros((2, 8000), np.float32), 8000).shape == (2, 16000)  # along the last axis


@pytest.fixture
def two_utterances_wav(tmp_path, espeak_wav):
    """espeak speech, 6 s of silence, the speech again, at 44.1 kHz stereo."""
    speech = read_audio(espeak_wav[0])
    mono = np.concatenate([np.zeros(SAMPLE_RATE), speech, np.zeros(6 * SAMPLE_RATE), speech]).astype(np.float32)
    wide = resample(mono, SAMPLE_RATE, 44100)
    path = tmp_path / "two.wav"
    sf.write(path, np.stack([wide, wide * 0.5], axis=1), 44100)
    return path, speech.size / SAMPLE_RATE


def test_transcribe_file_decodes_the_speech_windows_with_progress(tiny_whisper, two_utterances_wav):
    path, spoken = two_utterances_wav
    rec = Recognizer.load(tiny_whisper, device="cpu")
    events = []
    transcript = transcribe_file(rec, path, language="de", progress=events.append)
    duration = len(read_audio(path)) / SAMPLE_RATE
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[0].done == 0.0 and progress[-1].done == pytest.approx(duration)
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    finals = [e for e in events if isinstance(e, Final)]
    assert [(f.text, f.start, f.end) for f in finals] == [(s.text, s.start, s.end) for s in transcript]
    gap = (1.0 + spoken + 0.3, 1.0 + spoken + 5.7)   # the silence between, less the padding
    assert all(s.end <= gap[0] or s.start >= gap[1] for s in transcript), transcript.segments
    assert transcript.language == "de"


def test_transcribe_file_stops_between_windows_when_cancelled(tiny_ctc, two_utterances_wav):
    path, _ = two_utterances_wav
    token = CancelToken()
    seen = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Progress) and event.done > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        transcribe_file(tiny_ctc, path, device="cpu", progress=on_event, cancel=token)
    assert len([e for e in seen if isinstance(e, Progress) and e.done > 0]) == 1   # one window, then stop


def test_unreadable_files_give_one_clear_sentence(tiny_ctc, tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    with pytest.raises(ModelDeskError, match="corrupt.wav is not a sound file ModelDesk can read"):
        transcribe_file(tiny_ctc, corrupt, device="cpu")
    with pytest.raises(ModelDeskError, match="does not exist"):
        transcribe_file(tiny_ctc, tmp_path / "missing.flac", device="cpu")


def test_transcribe_file_needs_pickle_consent_then_loads_weights_only(tiny_whisper, pickle_only, torch_loads,
                                                                       espeak_wav):
    wav, _ = espeak_wav
    folder = pickle_only(tiny_whisper)
    with pytest.raises(ModelDeskError, match="has only a pickle checkpoint"):
        transcribe_file(folder, wav, device="cpu")
    assert torch_loads == []
    pickled = transcribe_file(folder, wav, device="cpu", allow_pickle=True)
    assert torch_loads and set(torch_loads) == {True}
    assert pickled.segments == transcribe_file(tiny_whisper, wav, device="cpu").segments


def test_an_onnx_backend_without_an_export_says_so(tiny_whisper, tiny_ctc, espeak_wav):
    wav, _ = espeak_wav
    with pytest.raises(ModelDeskError, match="has no ONNX INT8 export yet: export it on the Models page"):
        transcribe_file(tiny_whisper, wav, device="cpu", backend="onnx-int8")
    with pytest.raises(ModelDeskError, match="CTC model: ONNX Runtime runs exported Whisper models only"):
        Recognizer.load(tiny_ctc, device="cpu", backend="onnx-fp32")
    with pytest.raises(ModelDeskError, match="Unknown backend 'tensorrt'"):
        Recognizer.load(tiny_whisper, device="cpu", backend="tensorrt")


def test_the_encoder_input_is_30_s_unless_a_shorter_one_is_chosen(tiny_whisper_en, monkeypatch):
    """Short audio is padded to the whole 30 s input Whisper was trained on; --window shortens it."""
    assert [encoder_window(w) for w in (30.0, 45.0, 10.0, 0.2)] == [30.0, 30.0, 10.0, 1.0]
    rec = Recognizer.load(tiny_whisper_en, device="cpu")
    frames: list[int] = []
    start = rec.runner.start
    monkeypatch.setattr(rec.runner, "start", lambda features: (frames.append(features.shape[-1]), start(features)))
    for seconds, window in ((4.0, 30.0), (25.0, 30.0), (4.0, 5.0), (45.0, 30.0)):
        rec.decode(noise(seconds), window=window)
    assert frames == [3000, 3000, 500, 3000]   # 100 mel frames a second