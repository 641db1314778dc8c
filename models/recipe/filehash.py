"""sha256 of a file, read in 1 MiB chunks: the checksums of model.json (export_onnx.py) and of a packed
corpus (gpu/pack_data.py). No third-party imports, so the packer stays light."""
import hashlib


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
