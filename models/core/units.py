"""Sizes and durations as people read them (the catalogue, download progress, the cache list)."""
from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")


def format_size(count: float) -> str:
    """Bytes in decimal units, as the hub and disk vendors count them: 268 MB, 1.2 GB."""
    value = float(count)
    for unit in _UNITS:
        if abs(value) < 1000 or unit == _UNITS[-1]:
            break
        value /= 1000
    if unit == "B":
        return f"{int(value)} B"
    return f"{value:.1f} {unit}" if abs(value) < 10 else f"{value:.0f} {unit}"


def format_duration(seconds: float) -> str:
    """A time left, coarse enough not to flicker: 40 s, 3 min, 1 h 20 min."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
