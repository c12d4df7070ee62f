"""Audio plumbing: device lookup, sources, the ring buffer, streaming resampling, VADs."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from models.transcribe import audio, buffers
from models.transcribe import vad as vad_module
from models.core.events import ModelDeskError
from tests.fixtures.audio_env import RATE, silence


# --- devices (sounddevice replaced by a fake, as on a machine with these devices) -------------

class FakePortAudio(SimpleNamespace):
    class PortAudioError(Exception):
        pass


def fake_sounddevice(devices: list[tuple[str, int]], default: int = 0) -> FakePortAudio:
    table = [{"index": i, "name": name, "hostapi": 0, "max_input_channels": ins, "default_samplerate": 48000.0}
             for i, (name, ins) in enumerate(devices)]
    rescans: list[int] = []
    return FakePortAudio(query_devices=lambda: table, query_hostapis=lambda: [{"name": "ALSA"}],
                         default=SimpleNamespace(device=(default, default)),
                         _terminate=lambda: rescans.append(1), _initialize=lambda: None, rescans=rescans)


@pytest.fixture
def devices(monkeypatch):
    fake = fake_sounddevice([("HDA Intel: ALC892 Analog", 2), ("HDMI output", 0), ("USB Headset Mic", 1),
                             ("USB Webcam Mic", 1)], default=0)
    monkeypatch.setattr(audio, "_sounddevice", lambda: fake)
    return fake


def test_inputs_are_listed_default_first_outputs_left_out(devices) -> None:
    found = audio.list_input_devices()
    assert [d.name for d in found] == ["HDA Intel: ALC892 Analog", "USB Headset Mic", "USB Webcam Mic"]
    assert found[0].is_default and found[0].label == "HDA Intel: ALC892 Analog (ALSA)"
    assert devices.rescans, "the list is scanned afresh (devices plugged in since start-up)"


def test_devices_are_found_by_name_part_or_index(devices) -> None:
    assert audio.find_input_device(None).name == "HDA Intel: ALC892 Analog"
    assert audio.find_input_device("usb headset mic").index == 2
    assert audio.find_input_device("Webcam").index == 3
    assert audio.find_input_device(2).name == "USB Headset Mic"
    assert audio.find_input_device("3").name == "USB Webcam Mic"


@pytest.mark.parametrize("spec, message", [
    ("Blue Yeti", "There is no input device called 'Blue Yeti'; the inputs are: 0: HDA Intel"),
    ("USB", "The device name 'USB' matches several inputs: 2: USB Headset Mic, 3: USB Webcam Mic."),
    ("1", "There is no input device number 1; the inputs are:"),
])
def test_a_wrong_device_is_one_clear_sentence(devices, spec, message) -> None:
    with pytest.raises(ModelDeskError, match="^" + message.replace("(", r"\(")):
        audio.find_input_device(spec)


def test_no_input_device_at_all(monkeypatch) -> None:
    monkeypatch.setattr(audio, "_sounddevice", lambda: fake_sounddevice([("HDMI output", 0)]))
    with pytest.raises(ModelDeskError, match="^No audio input device was found"):
        audio.find_input_device()


def test_the_microphone_callback_only_queues_and_counts_overflows() -> None:
    mic = audio.MicrophoneSource(queue_seconds=0.04, block_seconds=0.02)   # room for 2 blocks
    mic.sample_rate = 48000
    stereo = np.stack([np.full(960, 0.2, np.float32), np.full(960, 0.4, np.float32)], axis=1)
    status = SimpleNamespace(input_overflow=False)
    for _ in range(5):
        mic._callback(stereo, 960, None, status)
    assert mic.overflows == 3 and mic.dropped_seconds == pytest.approx(3 * 0.02)
    block = mic.read(0.01)
    assert block.samples.shape == (960,) and np.allclose(block.samples, 0.3)   # mixed down to mono
    mic._callback(stereo, 960, None, SimpleNamespace(input_overflow=True))      # PortAudio's own overflow
    assert mic.overflows == 4
    mono = audio.MicrophoneSource(queue_seconds=1.0)
    buffer = np.full((960, 1), 0.5, np.float32)
    mono._callback(buffer, 960, None, status)
    buffer[:] = 0.0                           # PortAudio reuses its buffer for the next block
    assert np.allclose(mono.read(0.01).samples, 0.5)
    assert not mic.ended
    mic._on_finished()                        # the stream ended without stop(): the device is gone
    assert mic.error and "stopped delivering audio" in mic.error
    while mic.read(0.01) is not None:
        pass
    assert mic.ended


# --- array and file sources -------------------------------------------------------------------

def drain(source: audio.AudioSource) -> list[audio.Block]:
    blocks = []
    with source:
        while not source.ended:
            block = source.read(0.5)
            if block is not None:
                blocks.append(block)
    return blocks


def test_array_source_replays_everything_in_order_at_its_pace() -> None:
    data = np.random.default_rng(0).standard_normal(RATE).astype(np.float32)
    blocks = drain(audio.ArraySource(data, RATE, speed=4.0, block_seconds=0.05))
    assert np.array_equal(np.concatenate([b.samples for b in blocks]), data)
    assert blocks[-1].arrived - blocks[0].arrived >= (1.0 - 0.05) / 4.0 * 0.95    # paced, not all at once
    unpaced = audio.ArraySource(data, RATE, speed=None)
    assert not unpaced.live and np.array_equal(np.concatenate([b.samples for b in drain(unpaced)]), data)


def test_file_source_reads_blocks_mono(tmp_path) -> None:
    stereo = np.random.default_rng(1).uniform(-0.5, 0.5, (22050, 2)).astype(np.float32)
    path = tmp_path / "stereo.flac"
    sf.write(path, stereo, 22050, subtype="PCM_24")
    source = audio.FileSource(path)
    assert source.sample_rate == 22050 and source.name == "stereo.flac"
    data = np.concatenate([b.samples for b in drain(source)])
    assert np.allclose(data, stereo.mean(axis=1), atol=1e-5)


def test_unreadable_files_are_clear_errors(tmp_path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("this is not audio")
    with pytest.raises(ModelDeskError, match="^notes.wav is not a sound file ModelDesk can read"):
        audio.FileSource(bad)
    with pytest.raises(ModelDeskError, match="does not exist"):
        audio.read_sound_file(tmp_path / "missing.wav")


# --- ring buffer ----------------------------------------------------------------------------

def block(n: int, value: float = 0.0) -> audio.Block:
    return audio.Block(np.full(n, value, np.float32), 0.0)


def test_ring_buffer_keeps_the_newest_audio_and_counts_what_it_drops() -> None:
    ring = buffers.RingBuffer(capacity=250)
    for i in range(5):
        assert ring.write(block(100, i))
    assert ring.overflows == 3 and ring.dropped_samples == 300
    got = ring.read(0.01)
    assert [(start, b.samples[0]) for start, b in got] == [(300, 3.0), (400, 4.0)]   # absolute indices
    assert ring.read(0.01) == []


def test_ring_buffer_can_make_a_replay_wait_instead() -> None:
    ring = buffers.RingBuffer(capacity=150)
    assert ring.write(block(100), drop_oldest=False)
    assert not ring.write(block(100), drop_oldest=False, timeout=0.05)    # full: the writer waits
    assert ring.overflows == 0
    ring.read(0.01)
    assert ring.write(block(100), drop_oldest=False, timeout=0.05)
    ring.close()
    assert not ring.closed            # closed, but a block is still unread
    ring.read(0.01)
    assert ring.closed


# --- resampling and VAD ------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [44100, 48000, 22050, 8000])
def test_streaming_resampler_matches_resampling_the_whole_signal(rate: int) -> None:
    from models.transcribe.recognizer import resample

    data = np.random.default_rng(rate).standard_normal(rate).astype(np.float32) * 0.1
    whole = resample(data, rate)
    stream = buffers.StreamResampler(rate)
    sizes = np.random.default_rng(0).integers(1, 2500, 100)
    pieces, at = [], 0
    for size in sizes:
        pieces.append(stream(data[at:at + size]))
        at += size
        if at >= data.size:
            break
    pieces.append(stream(data[at:]))
    pieces.append(stream.flush())
    out = np.concatenate(pieces)
    assert out.size == whole.size
    assert np.abs(out - whole).max() < 1e-4


def test_silero_vad_hears_speech_not_noise(espeak_wav) -> None:
    from models.transcribe.recognizer import read_audio

    vad = vad_module.make_vad("silero")
    speech = read_audio(espeak_wav[0])
    scores = [vad(f) for f in vad_module.frames(speech, vad.frame_samples)]
    assert np.mean(np.array(scores) > 0.5) > 0.5
    vad.reset()
    noise = np.concatenate([silence(1.0), silence(2.0, noise_db=-40), silence(2.0, noise_db=-20, seed=1)])
    assert max(vad(f) for f in vad_module.frames(noise, vad.frame_samples)) < 0.5


def test_unknown_vad_name() -> None:
    with pytest.raises(ModelDeskError, match="Unknown voice-activity detector 'webrtc'"):
        vad_module.make_vad("webrtc")


def test_the_virtual_microphone_fails_clearly_without_pulseaudio(monkeypatch) -> None:
    from tests.fixtures import audio_env

    monkeypatch.setattr(audio_env.shutil, "which", lambda tool: None)
    with pytest.raises(pytest.fail.Exception, match="pulseaudio is not installed: .*setup.sh --test"):
        with audio_env.virtual_microphone():
            pass
