"""Job targets of tests/test_bad_inputs.py, run in the engine process (importable there by name)."""
from __future__ import annotations


def no_input_devices(progress=None, cancel=None) -> list:
    """The device list with PortAudio answering that there is no device at all (this engine only)."""
    import sounddevice

    from models.transcribe import audio

    sounddevice.query_devices = lambda *args, **kwargs: sounddevice.DeviceList([])
    return audio.list_input_devices()
