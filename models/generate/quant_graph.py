"""The quantized causal LM as one ONNX graph built node by node: ``MatMulNBits`` weights, ORT's fused
``GroupQueryAttention`` (rotary inside, grouped key/value heads, the cache as per-layer inputs and
outputs) and skip-fused norms.

Built by hand rather than traced from torch, so the weights go from the source (a GGUF file or a
model folder) to their 4- or 8-bit blocks one tensor at a time, straight into the external data file:
converting never holds the model in float. Shapes follow ``Layout``; tensor names are GGUF's
(``blk.0.attn_q.weight``), whatever the source.

Inputs: ``input_ids`` [1, S], ``seqlens_k`` [1] (tokens so far, new ones included, minus one),
``total_sequence_length`` (scalar), GPT-2 also ``position_ids`` [1, S], and per layer
``past_key_values.N.key/value`` [1, kv heads, past, head dim]. Outputs: ``logits`` of the last
position [1, vocab] and ``present.N.key/value``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Protocol

import numpy as np

from models.generate.nbits import BLOCK, Packed, dequantize

OPSET = 21
MS = "com.microsoft"
#: longest rotary table written: a 128k-context model would otherwise carry 64 MB of tables
MAX_POSITIONS = 32768
#: data file alignment, so ONNX Runtime can map the weights rather than copy them
_ALIGN = 4096


@dataclass
class Layout:
    """The shape of a decoder-only transformer, and the few ways the families differ."""

    arch: str              # llama, qwen2, gemma, gpt2
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn: int
    vocab: int
    context: int
    eps: float
    rope_theta: float = 10000.0
    rope_interleaved: bool = False   # GGUF llama files store q/k permuted for llama.cpp's pairwise rope

    @property
    def rms(self) -> bool:
        return self.arch != "gpt2"

    @property
    def positions(self) -> int:
        return min(self.context, MAX_POSITIONS)

    def to_dict(self) -> dict:
        return asdict(self)


class Source(Protocol):
    """Where the weights come from, by GGUF tensor name."""

    def has(self, name: str) -> bool: ...
    def vector(self, name: str) -> np.ndarray: ...
    def matrix(self, name: str) -> Packed: ...


class _Writer:
    """Initializers whose bytes go to the external data file as they come (nothing kept in memory)."""

    def __init__(self, data_path: Path) -> None:
        import onnx

        self.onnx = onnx
        self.path = data_path
        self.out = open(data_path, "wb")
        self.initializers: list = []

    def add(self, name: str, array: np.ndarray) -> str:
        from onnx import helper, numpy_helper

        array = np.ascontiguousarray(array)
        if array.nbytes <= 1024:   # shapes and scalars stay in the graph, where shape inference reads them
            self.initializers.append(numpy_helper.from_array(array, name))
            return name
        self.out.write(b"\0" * (-self.out.tell() % _ALIGN))
        offset = self.out.tell()
        self.out.write(array.tobytes())
        tensor = self.onnx.TensorProto()
        tensor.name = name
        tensor.data_type = helper.np_dtype_to_tensor_dtype(array.dtype)
        tensor.dims.extend(array.shape)
        tensor.data_location = self.onnx.TensorProto.EXTERNAL
        for key, value in (("location", self.path.name), ("offset", str(offset)), ("length", str(array.nbytes))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        self.initializers.append(tensor)
        return name

    def close(self) -> None:
        self.out.close()


class _Graph:
    """Nodes and names: each helper adds one node and returns its output's name."""

    def __init__(self, writer: _Writer, layout: Layout) -> None:
        from onnx import helper

        self.helper = helper
        self.w = writer
        self.layout = layout
        self.nodes: list = []
        self.count = 0

    def op(self, kind: str, inputs: list[str], outputs: int = 1, domain: str = "", named: Optional[list[str]] = None,
           **attrs: object) -> list[str]:
        self.count += 1
        names = named or [f"{kind.lower()}_{self.count}_{i}" for i in range(outputs)]
        self.nodes.append(self.helper.make_node(kind, inputs, names, name=f"{kind}_{self.count}", domain=domain,
                                                **attrs))
        return names

    def one(self, kind: str, inputs: list[str], domain: str = "", **attrs: object) -> str:
        return self.op(kind, inputs, 1, domain, None, **attrs)[0]

    def const(self, name: str, array: np.ndarray) -> str:
        return self.w.add(name, array)

    def matmul(self, x: str, packed: Packed, name: str, bias: Optional[np.ndarray] = None,
               out: Optional[str] = None) -> str:
        # accuracy_level 4 (int8 activations): ONNX Runtime packs scales and block sums beside the 4-bit
        # data (24 bytes per 32 weights against Q4_0's 18; 0 would keep 16 and read the file's scales, 52 MB
        # less for a 74 MB file) but decoded a 30-layer model 1.5x as fast, and ran an 8-bit matmul 50x as fast
        inputs = [x, self.const(name + ".q", packed.data), self.const(name + ".scales", packed.scales)]
        if packed.zeros is not None:
            inputs.append(self.const(name + ".zeros", packed.zeros))
        y = self.op("MatMulNBits", inputs, 1, MS, [out] if out and bias is None else None, K=packed.k, N=packed.n,
                    bits=packed.bits, block_size=BLOCK, accuracy_level=4)[0]
        if bias is None:
            return y
        return self.op("Add", [y, self.const(name + ".bias", bias)], 1, "", [out] if out else None)[0]


def _concat(parts: list[Packed]) -> Optional[Packed]:
    """Weights that share their input, as one (fewer, larger matmuls), when their blocks agree."""
    if len({p.bits for p in parts}) != 1 or len({p.k for p in parts}) != 1:
        return None
    zeros = None
    if parts[0].bits == 4 and any(p.zeros is not None for p in parts):
        blocks = parts[0].data.shape[1]
        eights = np.full((1, (blocks + 1) // 2), 0x88, dtype=np.uint8)
        zeros = np.concatenate([p.zeros if p.zeros is not None else np.tile(eights, (p.n, 1)).reshape(-1)
                                for p in parts])
    return Packed(np.concatenate([p.data for p in parts]), np.concatenate([p.scales for p in parts]), zeros,
                  sum(p.n for p in parts), parts[0].k, parts[0].bits)


def _rotary(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    inv = layout.rope_theta ** (-np.arange(0, layout.head_dim, 2, dtype=np.float64) / layout.head_dim)
    angles = np.outer(np.arange(layout.positions, dtype=np.float64), inv)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def build(layout: Layout, source: Source, target: Path, tick: Callable[[int], None] = lambda layer: None) -> None:
    """Write ``target`` (the graph) and ``target``.data (the weights); ``tick(layer)`` after each layer,
    where the caller checks for Stop and reports progress."""
    import onnx
    from onnx import helper

    writer = _Writer(target.with_name(target.name + ".data"))
    try:
        g = _Graph(writer, layout)
        inputs, outputs = _body(g, layout, source, tick)
        graph = helper.make_graph(g.nodes, "modeldesk-quantized-lm", inputs, outputs, writer.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS, 1)],
                                  producer_name="modeldesk", ir_version=10)
    finally:
        writer.close()
    onnx.save_model(model, str(target))


def _body(g: _Graph, layout: Layout, source: Source, tick: Callable[[int], None]) -> tuple[list, list]:
    from onnx import TensorProto, helper

    f32 = TensorProto.FLOAT
    kv_shape = [1, layout.kv_heads, "past", layout.head_dim]
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "sequence"]),
              helper.make_tensor_value_info("seqlens_k", TensorProto.INT32, [1]),
              helper.make_tensor_value_info("total_sequence_length", TensorProto.INT32, [])]
    outputs = [helper.make_tensor_value_info("logits", f32, None)]
    table = source.matrix("token_embd.weight")   # the embedding stays in its blocks too (and is the tied head)
    if table.k % BLOCK:   # a width that is no whole number of blocks (only toy models): a float16 table
        half = g.const("token_embd.weight", dequantize(table).astype(np.float16))
        x = g.one("Cast", [g.one("Gather", [half, "input_ids"])], to=f32)
    else:
        gather = [g.const("token_embd.q", table.data.reshape(table.n, -1)), "input_ids",
                  g.const("token_embd.scales", table.scales.reshape(table.n, -1))]
        if table.zeros is not None:
            gather.append(g.const("token_embd.zeros", table.zeros.reshape(table.n, -1)))
        x = g.one("GatherBlockQuantized", gather, MS, gather_axis=0, quantize_axis=1, block_size=BLOCK,
                  bits=table.bits)
        # ONNX Runtime's shape inference takes uint8 data for two 4-bit values even at 8 bits: say the width
        x = g.one("Reshape", [x, g.const("embedding_shape", np.array([1, -1, layout.hidden], dtype=np.int64))])
    if layout.arch == "gemma":
        x = g.one("Mul", [x, g.const("embed_scale", np.array(layout.hidden ** 0.5, dtype=np.float32))])
    if layout.arch == "gpt2":
        inputs.append(helper.make_tensor_value_info("position_ids", TensorProto.INT64, [1, "sequence"]))
        positions = g.const("position_embd.weight", source.vector("position_embd.weight"))
        x = g.one("Add", [x, g.one("Gather", [positions, "position_ids"])])
    rotary = []
    if layout.arch != "gpt2":
        cos, sin = _rotary(layout)
        rotary = [g.const("cos_cache", cos), g.const("sin_cache", sin)]
    residual, h = x, _norm(g, source, layout, x, None, "blk.0.attn_norm")[0]
    for layer in range(layout.layers):
        blk = f"blk.{layer}"
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{layer}.{kind}", f32, kv_shape))
        attn = _attention(g, source, layout, h, blk, rotary)
        h, residual = _norm(g, source, layout, attn, residual, f"{blk}.ffn_norm")
        mlp = _mlp(g, source, layout, h, blk)
        following = f"blk.{layer + 1}.attn_norm" if layer + 1 < layout.layers else "output_norm"
        h, residual = _norm(g, source, layout, mlp, residual, following)
        for kind in ("key", "value"):
            outputs.append(helper.make_tensor_value_info(f"present.{layer}.{kind}", f32, kv_shape))
        tick(layer)
    last = g.one("Gather", [h, g.const("last_position", np.array(-1, dtype=np.int64))], axis=1)
    g.matmul(last, source.matrix("output.weight") if source.has("output.weight") else table, "lm_head", out="logits")
    return inputs, outputs


def _norm(g: _Graph, source: Source, layout: Layout, x: str, residual: Optional[str],
          name: str) -> tuple[str, str]:
    """(normalised, new residual): ``x + residual`` normalised, in one fused node (the first has no skip)."""
    gamma = g.const(name + ".weight", source.vector(name + ".weight"))
    beta = [] if layout.rms else [g.const(name + ".bias", source.vector(name + ".bias"))]
    if residual is None:
        kind = "SimplifiedLayerNormalization" if layout.rms else "LayerNormalization"
        return g.one(kind, [x, gamma, *beta], axis=-1, epsilon=layout.eps), x
    kind = "SkipSimplifiedLayerNormalization" if layout.rms else "SkipLayerNormalization"
    out = g.op(kind, [x, residual, gamma, *beta], 4, MS, None, epsilon=layout.eps)
    return out[0], out[3]


def _attention(g: _Graph, source: Source, layout: Layout, x: str, blk: str, rotary: list[str]) -> str:
    if layout.arch == "gpt2":
        qkv = g.matmul(x, source.matrix(f"{blk}.attn_qkv.weight"), f"{blk}.attn_qkv",
                       source.vector(f"{blk}.attn_qkv.bias"))
        parts = [qkv, "", ""]
    else:
        names = [f"{blk}.attn_{p}" for p in "qkv"]
        weights = [source.matrix(n + ".weight") for n in names]
        biases = [source.vector(n + ".bias") if source.has(n + ".bias") else None for n in names]
        fused = _concat(weights)
        bias = np.concatenate(biases) if all(b is not None for b in biases) else None
        if fused is not None and (bias is not None or all(b is None for b in biases)):
            parts = [g.matmul(x, fused, f"{blk}.attn_qkv", bias), "", ""]
        else:
            parts = [g.matmul(x, w, n, b) for w, n, b in zip(weights, names, biases)]
    past = [f"past_key_values.{blk[4:]}.key", f"past_key_values.{blk[4:]}.value"]
    present = [f"present.{blk[4:]}.key", f"present.{blk[4:]}.value"]
    attrs = {"num_heads": layout.heads, "kv_num_heads": layout.kv_heads, "scale": layout.head_dim ** -0.5}
    if rotary:
        attrs.update(do_rotary=1, rotary_interleaved=int(layout.rope_interleaved))
    g.count += 1
    attn = f"attn_{g.count}"
    g.nodes.append(g.helper.make_node("GroupQueryAttention", [*parts, *past, "seqlens_k", "total_sequence_length",
                                                              *rotary], [attn, *present], name=attn, domain=MS,
                                      **attrs))
    bias = source.vector(f"{blk}.attn_output.bias") if source.has(f"{blk}.attn_output.bias") else None
    return g.matmul(attn, source.matrix(f"{blk}.attn_output.weight"), f"{blk}.attn_output", bias)


def _mlp(g: _Graph, source: Source, layout: Layout, x: str, blk: str) -> str:
    if layout.arch == "gpt2":
        up = g.matmul(x, source.matrix(f"{blk}.ffn_up.weight"), f"{blk}.ffn_up", source.vector(f"{blk}.ffn_up.bias"))
        return g.matmul(g.one("Gelu", [up], approximate="tanh"), source.matrix(f"{blk}.ffn_down.weight"),
                        f"{blk}.ffn_down", source.vector(f"{blk}.ffn_down.bias"))
    gate = g.matmul(x, source.matrix(f"{blk}.ffn_gate.weight"), f"{blk}.ffn_gate")
    up = g.matmul(x, source.matrix(f"{blk}.ffn_up.weight"), f"{blk}.ffn_up")
    act = g.one("Gelu", [gate], approximate="tanh") if layout.arch == "gemma" else \
        g.one("Mul", [gate, g.one("Sigmoid", [gate])])
    return g.matmul(g.one("Mul", [act, up]), source.matrix(f"{blk}.ffn_down.weight"), f"{blk}.ffn_down")
