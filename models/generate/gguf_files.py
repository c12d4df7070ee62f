"""GGUF files (llama.cpp's format, used by LM Studio, GPT4All, Jan, Ollama) loaded through transformers.

transformers reads the file's metadata into a config and a tokenizer, dequantises every tensor
(Q4_K, Q8_0, F16, ...) to torch and builds the usual model, so the rest of the generator does not
know where the weights came from. It costs memory: a 4-bit 7B file becomes a 7B model in fp32 (or
bf16 on a GPU). Only the architectures transformers maps (``ARCHITECTURES``) load.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from models.core.events import ModelDeskError

#: GGUF architectures (``general.architecture``) that load as text generators, as transformers maps
#: them; "mistral" files say "llama". t5/umt5 map too, but they are not generators.
ARCHITECTURES = ("llama", "mistral", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "gpt-oss", "lfm2", "falcon",
                 "phi3", "bloom", "stablelm", "gpt2", "starcoder2", "mamba", "nemotron", "gemma2", "gemma3",
                 "gemma4", "deci", "minimax-m2")


def architecture(path: Path) -> str:
    """The file's ``general.architecture``, or a ModelDeskError when it is no readable GGUF file."""
    import gguf

    try:
        reader = gguf.GGUFReader(str(path))
        field = reader.fields["general.architecture"]
        return bytes(field.parts[field.data[0]]).decode("utf-8")
    except (KeyError, ValueError, IndexError, OSError) as exc:
        raise ModelDeskError(f"{path.name} is not a readable GGUF file ({exc.__class__.__name__}).") from None


def check_architecture(path: Path) -> str:
    """The architecture, when ModelDesk can load it; else a ModelDeskError that lists those it can."""
    arch = architecture(path)
    if arch not in ARCHITECTURES:
        raise ModelDeskError(f"{path.name} is a GGUF file of the '{arch}' architecture, which ModelDesk cannot "
                             f"load; GGUF files load for {', '.join(ARCHITECTURES)}.")
    return arch


def load(path: Path, dtype: Any) -> tuple[Any, Any]:
    """(tokenizer, model) from a GGUF file, dequantised to ``dtype``."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    check_architecture(path)
    where = {"gguf_file": path.name, "local_files_only": True, "trust_remote_code": False}
    config = AutoConfig.from_pretrained(path.parent, **where)
    # transformers reads a GPT-2 file's context length into n_ctx but sizes the position table by
    # n_positions (1024 by default), so any other length would not load
    if getattr(config, "model_type", "") == "gpt2" and getattr(config, "n_ctx", None):
        config.n_positions = config.n_ctx
    tokenizer = AutoTokenizer.from_pretrained(path.parent, **where)
    model = AutoModelForCausalLM.from_pretrained(path.parent, config=config, dtype=dtype, **where)
    return tokenizer, model
