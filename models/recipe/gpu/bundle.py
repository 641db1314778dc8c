"""fp16 weight bundles: how trained weights come back from a GPU session (README "Training on a GPU session").

Files come back from the device machine only as at most 8 files of at most 16 MiB each, so the EMA weights
of one or more ``model.save_checkpoint`` files (train.py's ``<run>/model.pt``) travel as one float16 byte
stream cut into chunks of at most 15 MiB (``weights.000.bin``, ``weights.001.bin``, ...) and a JSON manifest
(``result.json``) that lists, per model, its name, ModelConfig, the checkpoint's ``extra`` (objective,
tokens, seconds, validation history, ...) and every tensor's name, shape and byte offset; a tensor that is
the same storage as an earlier one (tied embeddings) is stored once and recorded as an alias. Every chunk's
size and sha256 is recorded, and reading refuses a bundle whose chunks do not match.

Weights are rounded to float16 (what model.onnx stores with ``--fp16-weights`` anyway); a weight that does
not fit float16 is refused rather than silently made infinite.

API: ``write_bundle(out_dir, models, summary)`` with models = [{"name", "path", ...extra fields}];
``read_bundle(folder) -> (manifest, {name: (config dict, state_dict of float32 tensors, extra)})``;
``fp16_state(path)`` (what a model.pt becomes after the round trip, for checks).
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, List, Tuple

import numpy as np
import torch

FORMAT = "d3llm-weight-bundle/1"
MANIFEST = "result.json"
CHUNK_BYTES = 15 << 20
FP16_MAX = 65504.0


class BundleError(Exception):
    """An expected problem with a bundle (missing or damaged chunk, weights out of float16 range)."""


def load_model_file(path: str) -> dict:
    """A model.save_checkpoint file as a dict (CPU tensors); full pickle, as train.py writes it."""
    if not os.path.exists(path):
        raise BundleError("no model file %s" % path)
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # PyTorch without weights_only
        return torch.load(path, map_location="cpu")


def unique_tensors(state: Dict[str, torch.Tensor]) -> List[Tuple[str, torch.Tensor, str]]:
    """(name, tensor, alias_of) in state order; alias_of names an earlier tensor with the same storage."""
    seen: Dict[tuple, str] = {}
    out = []
    for name, t in state.items():
        key = (t.data_ptr(), tuple(t.shape), tuple(t.stride()), t.dtype)
        out.append((name, t, seen.get(key, "")))
        seen.setdefault(key, name)
    return out


def to_fp16_bytes(name: str, t: torch.Tensor) -> bytes:
    t = t.detach().float().contiguous()
    if not bool(torch.isfinite(t).all()):
        raise BundleError("%s has non-finite values" % name)
    if t.numel() and float(t.abs().max()) > FP16_MAX:
        raise BundleError("%s has values beyond float16 range (max |w| %.3g)" % (name, float(t.abs().max())))
    return t.half().numpy().astype("<f2").tobytes()


class ChunkWriter:
    """A byte stream written as numbered files of at most chunk_bytes each."""

    def __init__(self, out_dir: str, chunk_bytes: int) -> None:
        self.out_dir, self.chunk_bytes = out_dir, chunk_bytes
        self.offset = 0
        self.chunks: List[dict] = []
        self._f = None
        self._hash = None

    def write(self, data: bytes) -> int:
        start = self.offset
        view = memoryview(data)
        while len(view):
            if self._f is None or self.chunks[-1]["bytes"] >= self.chunk_bytes:
                self._open_next()
            room = self.chunk_bytes - self.chunks[-1]["bytes"]
            part = view[:room]
            self._f.write(part)
            self._hash.update(part)
            self.chunks[-1]["bytes"] += len(part)
            self.offset += len(part)
            view = view[room:]
        return start

    def _open_next(self) -> None:
        self.close()
        name = "weights.%03d.bin" % len(self.chunks)
        self._f = open(os.path.join(self.out_dir, name), "wb")
        self._hash = hashlib.sha256()
        self.chunks.append({"file": name, "bytes": 0})

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self.chunks[-1]["sha256"] = self._hash.hexdigest()
            self._f = None


def write_bundle(out_dir: str, models: List[dict], summary: dict, chunk_bytes: int = CHUNK_BYTES) -> dict:
    """Write the chunks and result.json for models [{"name", "path", ...}]; returns the manifest."""
    os.makedirs(out_dir, exist_ok=True)
    writer = ChunkWriter(out_dir, chunk_bytes)
    entries = []
    try:
        for m in models:
            ck = load_model_file(m["path"])
            tensors = []
            for name, t, alias in unique_tensors(ck["state_dict"]):
                rec = {"name": name, "shape": list(t.shape)}
                if alias:
                    rec["alias_of"] = alias
                else:
                    data = to_fp16_bytes(name, t)
                    rec.update(offset=writer.write(data), nbytes=len(data))
                tensors.append(rec)
            entry = {k: v for k, v in m.items() if k != "path"}
            entry.update(config=ck["config"], extra=ck.get("extra", {}), tensors=tensors)
            entries.append(entry)
    finally:
        writer.close()
    manifest = dict(summary)
    manifest.update(format=FORMAT, dtype="float16", chunks=writer.chunks, models=entries)
    write_json(os.path.join(out_dir, MANIFEST), manifest)
    return manifest


def write_json(path: str, obj: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, default=str)
        f.write("\n")
    os.replace(tmp, path)


def read_stream(folder: str, chunks: List[dict]) -> bytes:
    parts = []
    for c in chunks:
        path = os.path.join(folder, c["file"])
        if not os.path.exists(path):
            raise BundleError("%s is missing (did every file come back from $OUT?)" % path)
        with open(path, "rb") as f:
            data = f.read()
        if len(data) != c["bytes"] or hashlib.sha256(data).hexdigest() != c["sha256"]:
            raise BundleError("%s does not match result.json (size or sha256): damaged or from another run" % path)
        parts.append(data)
    return b"".join(parts)


def read_bundle(folder: str) -> Tuple[dict, Dict[str, Tuple[dict, Dict[str, torch.Tensor], dict]]]:
    """(manifest, {model name: (config, float32 state_dict, extra)}) of a bundle folder."""
    path = os.path.join(folder, MANIFEST)
    if not os.path.exists(path):
        raise BundleError("%s has no %s: not a folder returned by gpu/device_train.sh" % (folder, MANIFEST))
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != FORMAT:
        raise BundleError("%s: format %r, expected %r" % (path, manifest.get("format"), FORMAT))
    if not manifest.get("models"):
        raise BundleError("%s lists no trained model (status %s): see train.log beside it"
                          % (path, manifest.get("status")))
    stream = read_stream(folder, manifest["chunks"])
    models = {}
    for m in manifest["models"]:
        state: Dict[str, torch.Tensor] = {}
        for rec in m["tensors"]:
            if "alias_of" in rec:
                state[rec["name"]] = state[rec["alias_of"]]
                continue
            raw = stream[rec["offset"]:rec["offset"] + rec["nbytes"]]
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32).reshape(rec["shape"])
            state[rec["name"]] = torch.from_numpy(arr)
        models[m["name"]] = (m["config"], state, m.get("extra", {}))
    return manifest, models


def fp16_state(path: str) -> Dict[str, torch.Tensor]:
    """The state_dict of a model.pt rounded through float16, as a bundle round trip gives it."""
    return {k: v.detach().half().float() for k, v in load_model_file(path)["state_dict"].items()}
