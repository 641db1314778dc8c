"""Minimal safetensors reader/writer (format facts: an 8-byte little-endian header length, a JSON
header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}} and then the raw
little-endian tensor bytes, offsets relative to the end of the header).

Reads F32 / F16 / BF16 (and the integer types torch has) into torch tensors via numpy memory
maps, so a shard is never read whole; BF16 is widened to float32 by shifting its 16 bits up.

read_header(path) -> dict;  read_tensor(path, header, name, dtype=torch.float32) -> Tensor
iter_tensors(path, dtype=torch.float32) -> (name, Tensor) pairs;  write_file(path, tensors, metadata)
"""

import json
import struct
from typing import Dict, Iterator, Optional, Tuple

import numpy as np
import torch

NUMPY_TYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64,
               "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
TORCH_TO_CODE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
                 torch.int32: "I32"}


def read_header(path: str) -> Tuple[dict, int]:
    """(header dict, byte offset of the data section)."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length).decode("utf-8"))
    return header, 8 + length


def read_tensor(path: str, header: Tuple[dict, int], name: str, dtype: Optional[torch.dtype] = torch.float32):
    meta, base = header[0][name], header[1]
    begin, end = meta["data_offsets"]
    shape = tuple(meta["shape"])
    code = meta["dtype"]
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=base + begin, shape=(end - begin,)) if end > begin \
        else np.zeros(0, dtype=np.uint8)
    if code == "BF16":
        bits = raw.view("<u2").astype(np.uint32) << 16
        array = bits.view(np.float32)
    elif code in NUMPY_TYPES:
        array = np.array(raw.view(np.dtype(NUMPY_TYPES[code]).newbyteorder("<")))
    else:
        raise ValueError(f"{path}: tensor {name} has unsupported dtype {code}")
    tensor = torch.from_numpy(array.astype(array.dtype.newbyteorder("="), copy=False).reshape(shape))
    return tensor.to(dtype) if dtype is not None and tensor.is_floating_point() else tensor


def iter_tensors(path: str, dtype: Optional[torch.dtype] = torch.float32) -> Iterator[Tuple[str, torch.Tensor]]:
    header = read_header(path)
    for name in header[0]:
        if name != "__metadata__":
            yield name, read_tensor(path, header, name, dtype)


def _to_bytes(t: torch.Tensor) -> Tuple[str, bytes]:
    t = t.detach().contiguous().cpu()
    code = TORCH_TO_CODE[t.dtype]
    if t.dtype == torch.bfloat16:
        return code, t.view(torch.int16).numpy().astype("<i2").tobytes()
    return code, t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_file(path: str, tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None) -> None:
    """Write tensors (F32/F16/BF16/I64/I32) as one safetensors file."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        code, data = _to_bytes(t)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
