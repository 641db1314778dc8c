"""Qwen2 / Dream-style transformer for the d3LLM recipe (PyTorch >= 1.13).

Implements the network described in docs/model-contract.md and
/work/shared/design/architecture.md §4: token embedding, N blocks of
[RMSNorm -> grouped-query attention with rotary positions (q/k/v bias, no o bias)
-> RMSNorm -> SwiGLU MLP], final RMSNorm, LM head (optionally tied). Attention is
bidirectional unless ``config.causal``. The attention math is written out (no
``scaled_dot_product_attention``, which torch 1.13 lacks) so it exports to ONNX
opset 17 with dynamic window (n) and cache (p) lengths. For training on a GPU with a
newer PyTorch, ``enable_fast_attention(model)`` switches the blocks to PyTorch's fused
kernel once it has checked that both give the same logits (never during an ONNX export).

Parameter names mirror Hugging Face Qwen2 without the ``model.`` prefix
(``embed_tokens``, ``layers.{i}.self_attn.q_proj`` ..., ``norm``, ``lm_head``), so a
Dream/Qwen2 checkpoint maps onto it by stripping that prefix.

API
---
``ModelConfig`` (dataclass): vocab_size, hidden_size, num_layers, num_heads,
    num_kv_heads, intermediate_size, max_positions, rope_theta, tie_embeddings,
    causal, logit_shift, rms_eps. ``head_dim`` = hidden_size // num_heads.
    ``to_dict()`` / ``ModelConfig.from_dict(d)`` (unknown keys are ignored).

``DiffusionLM(config)`` (nn.Module), weights initialised (normal std 0.02) on creation.
    Training:  ``logits = model(input_ids)``                      # [B, n, V]
               ``logits = model(input_ids, attention_mask=mask)``  # mask [B, n], 1 = real token
        positions default to 0..n-1 per row; causal masking follows ``config.causal``.
    KV usage:  ``logits, present = model(input_ids, position_ids, past=past)``
        past: list (one per layer) of (K, V), each [B, p, num_kv_heads, head_dim],
              K already rotated (RoPE applied); p may be 0; an empty/None past works too.
        present: list of (K, V) of the n window rows only, [B, n, num_kv_heads, head_dim].
        Pass ``return_present=True`` to get ``(logits, present)`` without a past.
    ``config.logit_shift`` does not change the computation: it records the training
        convention (row i predicts position i+1, Dream style) for the trainer/exporter.

``save_checkpoint(path, model, extra=None)`` / ``load_checkpoint(path) -> (model, extra)``:
    a torch.save'd dict {"config": dict, "state_dict": ..., "extra": ...}.
``empty_past(config, batch=1)``: a p = 0 cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import List, Optional, Tuple

import torch
from torch import nn
from torch.nn import functional as F

KV = Tuple[torch.Tensor, torch.Tensor]


@dataclasses.dataclass
class ModelConfig:
    vocab_size: int = 512
    hidden_size: int = 64
    num_layers: int = 2
    num_heads: int = 4
    num_kv_heads: int = 2
    intermediate_size: int = 128
    max_positions: int = 1024
    rope_theta: float = 10000.0
    tie_embeddings: bool = False
    causal: bool = False
    logit_shift: bool = False
    rms_eps: float = 1e-6

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_heads:
            raise ValueError("hidden_size must be a multiple of num_heads")
        if self.num_heads % self.num_kv_heads:
            raise ValueError("num_heads must be a multiple of num_kv_heads")
        if self.head_dim % 2:
            raise ValueError("head_dim must be even (rotary embedding)")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * weight, computed in float32."""

    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) -> (-x2, x1) on the last dim, halves not interleaved (Qwen2/NeoX style)."""
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(position_ids: torch.Tensor, inv_freq: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """cos/sin tables [B, n, 1, head_dim] for positions [B, n]."""
    freqs = position_ids.float().unsqueeze(-1) * inv_freq  # [B, n, hd/2]
    emb = torch.cat((freqs, freqs), dim=-1).unsqueeze(2)
    return emb.cos(), emb.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate x [B, n, heads, hd] by its positions."""
    return x * cos + rotate_half(x) * sin


def allowed_mask(n: int, p: int, causal: bool, device: torch.device) -> Optional[torch.Tensor]:
    """Bool [n, p+n]: may window row j see key column c? None when everything is visible.

    Cached columns (c < p) are always visible; with causal, window column p+i only if i <= j.
    Written with arange comparisons so n and p stay dynamic in an ONNX trace.
    """
    if not causal:
        return None
    rows = torch.arange(n, device=device).unsqueeze(1)
    cols = torch.arange(p + n, device=device).unsqueeze(0) - p
    return cols <= rows


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        hd, h, kvh = cfg.head_dim, cfg.num_heads, cfg.num_kv_heads
        self.q_proj = nn.Linear(cfg.hidden_size, h * hd, bias=True)
        self.k_proj = nn.Linear(cfg.hidden_size, kvh * hd, bias=True)
        self.v_proj = nn.Linear(cfg.hidden_size, kvh * hd, bias=True)
        self.o_proj = nn.Linear(h * hd, cfg.hidden_size, bias=False)
        self.fused = False  # enable_fast_attention() sets it

    def forward(self, x, cos, sin, past: Optional[KV], mask: Optional[torch.Tensor]):
        """x [B, n, D]; mask bool broadcastable to [B, kvH, g, n, p+n] (True = attend)."""
        cfg = self.cfg
        b, n = x.shape[0], x.shape[1]
        hd, kvh = cfg.head_dim, cfg.num_kv_heads
        g = cfg.num_heads // kvh
        q = apply_rope(self.q_proj(x).view(b, n, cfg.num_heads, hd), cos, sin)
        k = apply_rope(self.k_proj(x).view(b, n, kvh, hd), cos, sin)
        v = self.v_proj(x).view(b, n, kvh, hd)
        present = (k, v)
        if past is not None:
            k = torch.cat((past[0].to(k.dtype), k), dim=1)
            v = torch.cat((past[1].to(v.dtype), v), dim=1)
        if self.fused and not torch.onnx.is_in_onnx_export():
            return self.o_proj(fused_attention(q, k, v, mask, g)), present
        # query heads h = kv * g + j share kv head `kv` (Qwen2 repeat_kv order)
        q5 = q.view(b, n, kvh, g, hd).permute(0, 2, 3, 1, 4)  # [B, kvH, g, n, hd]
        k5 = k.permute(0, 2, 3, 1).unsqueeze(2)  # [B, kvH, 1, hd, T]
        v5 = v.permute(0, 2, 1, 3).unsqueeze(2)  # [B, kvH, 1, T, hd]
        scores = torch.matmul(q5, k5) * (1.0 / math.sqrt(hd))  # [B, kvH, g, n, T]
        if mask is not None:
            scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        probs = torch.softmax(scores.float(), dim=-1).to(v.dtype)
        out = torch.matmul(probs, v5)  # [B, kvH, g, n, hd]
        out = out.permute(0, 3, 1, 2, 4).reshape(b, n, cfg.num_heads * hd)
        return self.o_proj(out), present


def fused_attention(q, k, v, mask: Optional[torch.Tensor], g: int) -> torch.Tensor:
    """The attention of ``Attention.forward`` through ``F.scaled_dot_product_attention``: q [B, n, H, hd],
    k/v [B, T, kvH, hd] (query head h uses kv head h // g), mask bool [B|1, 1, 1, n|1, T] or None; returns
    [B, n, H * hd]. Each window row also sees its own column: a row whose keys are all masked (a padding
    row) gets its own value instead of NaN; such rows never reach a loss."""
    b, n, h, hd = q.shape
    t = k.shape[1]
    keys = k.repeat_interleave(g, dim=2).transpose(1, 2)
    values = v.repeat_interleave(g, dim=2).transpose(1, 2)
    allowed = None
    if mask is not None:
        own = torch.arange(t, device=q.device).unsqueeze(0) - (t - n) == torch.arange(n, device=q.device).unsqueeze(1)
        allowed = mask[:, :, 0] | own  # [B|1, 1, n, T]
    out = F.scaled_dot_product_attention(q.transpose(1, 2), keys, values, attn_mask=allowed)
    return out.transpose(1, 2).reshape(b, n, h * hd)


def set_fused_attention(model: nn.Module, on: bool) -> None:
    for m in model.modules():
        if isinstance(m, Attention):
            m.fused = on


def enable_fast_attention(model: "DiffusionLM", tolerance: float = 1e-2) -> Tuple[bool, str]:
    """Switch ``model`` to ``F.scaled_dot_product_attention`` when this PyTorch has it, it gives the same
    logits as the written-out math on a padded probe batch (fp32, the model's device), and a training step's
    backward pass runs through it (bf16 autocast on a GPU). Returns (enabled, why); gradients are cleared."""
    if not hasattr(F, "scaled_dot_product_attention"):
        return False, "PyTorch %s has no scaled_dot_product_attention" % torch.__version__
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(7)
    ids = torch.randint(model.config.vocab_size, (2, 48), generator=gen).to(device)
    keep = torch.ones(2, 48, dtype=torch.long)
    keep[1, 40:] = 0
    keep = keep.to(device)
    was_training = model.training
    try:
        diff, scale = _fused_difference(model, ids, keep)
        if not diff <= tolerance * scale:
            raise ValueError("differs by %.3g (logits up to %.3g)" % (diff, scale))
        model.train()
        with autocast_for(device):
            model(ids, attention_mask=keep).float().square().mean().backward()
    except (RuntimeError, ValueError) as e:
        set_fused_attention(model, False)
        return False, "scaled_dot_product_attention not used (%s): the written-out math" % e
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)
    return True, "scaled_dot_product_attention (max logit difference %.3g on a padded probe batch)" % diff


@torch.no_grad()
def _fused_difference(model: "DiffusionLM", ids: torch.Tensor, keep: torch.Tensor) -> Tuple[float, float]:
    """(max abs logit difference fused vs written-out on the kept rows, max abs logit); leaves fused on."""
    model.eval()
    set_fused_attention(model, False)
    written = model(ids, attention_mask=keep)
    set_fused_attention(model, True)
    fused = model(ids, attention_mask=keep)
    rows = keep.bool()
    return float((written[rows] - fused[rows]).abs().max()), max(1.0, float(written[rows].abs().max()))


def autocast_for(device: torch.device):
    """bf16 autocast for the forward pass and the loss on a GPU (train.py, the fused-attention check); nothing
    on the CPU."""
    if device.type == "cpu":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) * up(x))."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, past, mask):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, past, mask)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class DiffusionLM(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(Block(config) for _ in range(config.num_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_eps)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        hd = config.head_dim
        inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        self.register_buffer("inv_freq", inv_freq.float(), persistent=False)
        self.init_weights()

    def init_weights(self, std: float = 0.02) -> None:
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=std)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
            if isinstance(m, RMSNorm):
                nn.init.ones_(m.weight)
        if self.config.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight

    def num_params(self) -> int:
        return sum(p.numel() for p in {id(p): p for p in self.parameters()}.values())

    def _mask(self, b: int, n: int, p: int, attention_mask, device) -> Optional[torch.Tensor]:
        """Combine causal structure and key padding into bool [B|1, 1, 1, n, p+n]."""
        mask = allowed_mask(n, p, self.config.causal, device)
        if mask is not None:
            mask = mask.view(1, 1, 1, n, p + n)
        if attention_mask is not None:
            keys = attention_mask.bool()
            if p > 0:
                keys = torch.cat((torch.ones(b, p, dtype=torch.bool, device=device), keys), dim=1)
            keys = keys.view(b, 1, 1, 1, p + n)
            mask = keys if mask is None else (mask & keys)
        return mask

    def forward(
        self,
        input_ids: torch.Tensor,
        position_ids: Optional[torch.Tensor] = None,
        past: Optional[List[KV]] = None,
        attention_mask: Optional[torch.Tensor] = None,
        return_present: bool = False,
    ):
        b, n = input_ids.shape
        device = input_ids.device
        if position_ids is None:
            position_ids = torch.arange(n, device=device).unsqueeze(0).expand(b, n)
        p = past[0][0].shape[1] if past else 0
        mask = self._mask(b, n, p, attention_mask, device)
        cos, sin = rope_cos_sin(position_ids, self.inv_freq)
        x = self.embed_tokens(input_ids)
        present: List[KV] = []
        for i, layer in enumerate(self.layers):
            x, kv = layer(x, cos, sin, past[i] if past else None, mask)
            present.append(kv)
        logits = self.lm_head(self.norm(x))
        if past is not None or return_present:
            return logits, present
        return logits


def model_device(model: torch.nn.Module) -> torch.device:
    """Where a network's weights are (all on one device)."""
    return next(model.parameters()).device


def hidden_states(model: DiffusionLM, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    """model.forward without the LM head (positions 0..n-1, key padding from ``attention``); the compiled
    body when ``enable_compile`` set one."""
    body = model.__dict__.get(COMPILED_BODY)
    return body(ids, attention) if body is not None else eager_hidden_states(model, ids, attention)


COMPILED_BODY = "_compiled_body"


def enable_compile(model: DiffusionLM) -> Tuple[bool, str]:
    """Route ``hidden_states`` through ``torch.compile`` (dynamic shapes: batches differ in length), when this
    PyTorch has it. Compilation happens at the first call; ``disable_compile`` undoes this (the trainer's
    fallback when that first call fails). Kept out of the module's registry, so weights and state dicts
    are unchanged."""
    if not hasattr(torch, "compile"):
        return False, "PyTorch %s has no torch.compile: eager" % torch.__version__
    model.__dict__[COMPILED_BODY] = torch.compile(
        lambda ids, attention: eager_hidden_states(model, ids, attention), dynamic=True)
    return True, "torch.compile (dynamic shapes) of the network body"


def disable_compile(model: DiffusionLM) -> None:
    model.__dict__.pop(COMPILED_BODY, None)


def eager_hidden_states(model: DiffusionLM, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    b, n = ids.shape
    pos = torch.arange(n, device=ids.device).unsqueeze(0).expand(b, n)
    mask = model._mask(b, n, 0, attention, ids.device)
    cos, sin = rope_cos_sin(pos, model.inv_freq)
    x = model.embed_tokens(ids)
    for layer in model.layers:
        x, _ = layer(x, cos, sin, None, mask)
    return model.norm(x)


def empty_past(config: ModelConfig, batch: int = 1, dtype=torch.float32) -> List[KV]:
    shape = (batch, 0, config.num_kv_heads, config.head_dim)
    return [(torch.zeros(shape, dtype=dtype), torch.zeros(shape, dtype=dtype)) for _ in range(config.num_layers)]


def save_checkpoint(path: str, model: DiffusionLM, extra: Optional[dict] = None) -> None:
    torch.save({"config": model.config.to_dict(), "state_dict": model.state_dict(), "extra": extra or {}}, path)


def torch_load(path: str, map_location: str = "cpu"):
    """torch.load of our own files: full unpickling (PyTorch >= 2.6 defaults to weights_only)."""
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except TypeError:  # a PyTorch without the weights_only argument
        return torch.load(path, map_location=map_location)


def load_checkpoint(path: str, map_location: str = "cpu") -> Tuple[DiffusionLM, dict]:
    ckpt = torch_load(path, map_location=map_location)
    model = DiffusionLM(ModelConfig.from_dict(ckpt["config"]))
    model.load_state_dict(ckpt["state_dict"])
    return model, ckpt.get("extra", {})
