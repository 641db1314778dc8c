"""Pack a subset of the pre-tokenised corpus for a GPU session (models/recipe/README.md, "Training on a GPU
session"), and unpack it there.

The device machine gets only the repository's working tree (tracked and untracked-not-ignored files, plus
at most 8 ``carry`` paths of ignored files), 64 MiB in all. ``pack`` writes into ``.device-data/tok`` (a
folder git ignores; carry it with ``carry: [".device-data"]``) the files train.py reads from a token folder
(data.py ``load_tables`` and ``TokenSplit``): tokenizer.json, boundary.json, val.{bin,idx,meta.json} whole,
and train.{bin,idx,meta.json} for as many whole source files as fit. Files are taken in blocks of
consecutive files (so every language and package mix is represented), blocks in a seeded random order,
until the budget is reached; the kept blocks keep their corpus order. The .bin files are stored
lzma-compressed (``<split>.bin.xz``, one xz stream per block; BPE code tokens compress about 4x), so the
budget counts the bytes that travel. ``pack.json`` records the source, the seed and a sha256 of every
unpacked file.

``unpack`` (run by gpu/device_train.sh on the device) decompresses into a scratch folder and checks the
sizes and sha256 against pack.json: the result is a token folder of the usual format (``--data`` for
train.py). ``--no-compress`` writes plain .bin files, which train.py can read in place.

The default budget is what the 64 MiB transfer leaves once the working tree is counted (``--check``
prints both), capped at 56 MB.

Usage (from the repository root):
  PYENV_VERSION=system python3 models/recipe/gpu/pack_data.py pack [--data /work/d3llm-data/tok]
      [--out .device-data/tok] [--max-mb auto|N] [--seed 1] [--block-mb 2] [--no-compress]
  python3 models/recipe/gpu/pack_data.py unpack --src .device-data/tok --dest /tmp/tok
  python3 models/recipe/gpu/pack_data.py check         # working tree + .device-data vs the 64 MiB limit
"""
from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import os
import shutil
import subprocess
import sys
from typing import Dict, List, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from filehash import sha256_file  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
TRANSFER_LIMIT = 64 << 20  # bytes that travel to the device machine (tree + carried paths)
DEFAULT_CAP = 56_000_000
MARGIN = 1 << 20  # room for files that appear in the tree between packing and the run
SIDE_FILES = ("tokenizer.json", "boundary.json")
SPLITS = ("train", "val")
XZ_PRESET = 6


class PackError(Exception):
    """An expected problem (missing input, no room): reported without a traceback."""


def tree_bytes(root: str = ROOT) -> int:
    """Bytes of what travels besides carried paths: tracked + untracked-not-ignored files (+ shared/)."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise PackError("cannot list the working tree of %s with git: %s" % (root, e))
    total = 0
    for rel in out.decode("utf-8", "surrogateescape").split("\0"):
        path = os.path.join(root, rel)
        if rel and os.path.isfile(path) and not os.path.islink(path):
            total += os.path.getsize(path)
    shared = os.path.join(root, "shared")
    if os.path.isdir(shared):
        total += folder_bytes(shared)
    return total


def folder_bytes(path: str) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files
                     if not os.path.islink(os.path.join(dirpath, f)))
    return total


def auto_budget(out_dir: str) -> int:
    """Bytes the packed folder may take: the transfer limit minus the tree and a margin, capped."""
    return min(DEFAULT_CAP, TRANSFER_LIMIT - tree_bytes() - MARGIN)


# ------------------------------------------------------------------------------------------ pack
def read_split(tok_dir: str, split: str) -> Tuple[np.ndarray, dict]:
    """(file offsets, meta) of <split>.idx / <split>.meta.json, with clear errors for a wrong folder."""
    for ext in (".bin", ".idx", ".meta.json"):
        if not os.path.exists(os.path.join(tok_dir, split + ext)):
            raise PackError("%s has no %s%s: not a token folder written by corpus/pretokenize.js" % (tok_dir, split, ext))
    offsets = np.fromfile(os.path.join(tok_dir, split + ".idx"), dtype=np.int64)
    with open(os.path.join(tok_dir, split + ".meta.json")) as f:
        meta = json.load(f)
    if meta.get("dtype", "uint16") != "uint16" or len(offsets) != meta["files"] + 1:
        raise PackError("%s: %s.idx and %s.meta.json disagree" % (tok_dir, split, split))
    return offsets, meta


def file_blocks(offsets: np.ndarray, block_bytes: int) -> List[Tuple[int, int]]:
    """Consecutive file ranges [a, b) of about block_bytes of tokens each (whole files)."""
    blocks, a = [], 0
    nfiles = len(offsets) - 1
    for b in range(1, nfiles + 1):
        if 2 * (int(offsets[b]) - int(offsets[a])) >= block_bytes or b == nfiles:
            blocks.append((a, b))
            a = b
    return blocks


def token_bytes(tok_dir: str, split: str, offsets: np.ndarray, a: int, b: int) -> bytes:
    with open(os.path.join(tok_dir, split + ".bin"), "rb") as f:
        f.seek(2 * int(offsets[a]))
        return f.read(2 * (int(offsets[b]) - int(offsets[a])))


def per_file_bytes(tok_dir: str, split: str, meta: dict) -> float:
    """Average bytes per file of <split>.idx and <split>.meta.json (what a kept file adds to them)."""
    size = os.path.getsize(os.path.join(tok_dir, split + ".idx")) + os.path.getsize(os.path.join(tok_dir, split + ".meta.json"))
    return size / max(1, meta["files"])


def subset_meta(meta: dict, keep: List[Tuple[int, int]], tokens: int) -> dict:
    """meta.json of the kept files: per-file lists sliced, counts updated, other keys as they were."""
    out = {}
    n = meta["files"]
    for k, v in meta.items():
        if isinstance(v, list) and len(v) == n:
            out[k] = [x for a, b in keep for x in v[a:b]]
        else:
            out[k] = v
    out["files"] = sum(b - a for a, b in keep)
    out["tokens"] = tokens
    out["packed_from"] = {"files": n, "tokens": meta["tokens"]}
    return out


def write_split(src: str, out_dir: str, split: str, budget: int, seed: int, block_bytes: int,
                compress: bool) -> dict:
    """Write <split>.{bin[.xz], idx, meta.json} of whole files within budget bytes; returns a summary."""
    offsets, meta = read_split(src, split)
    blocks = file_blocks(offsets, block_bytes)
    order = np.random.default_rng([seed, 17]).permutation(len(blocks)) if split == "train" else range(len(blocks))
    per_file = per_file_bytes(src, split, meta)  # its share of <split>.idx and <split>.meta.json
    taken: Dict[int, bytes] = {}
    used = charged = 0
    for i in order:
        a, b = blocks[int(i)]
        raw = token_bytes(src, split, offsets, a, b)
        data = lzma.compress(raw, preset=XZ_PRESET) if compress else raw
        cost = len(data) + int(per_file * (b - a)) + 1
        if charged + cost > budget:
            if split != "train":
                raise PackError("no room for the whole %s split (%d bytes left)" % (split, budget))
            break
        taken[int(i)] = data
        used += len(data)
        charged += cost
    if not taken:
        raise PackError("no room for even one block of %s (%d bytes left; try --block-mb 0.5)" % (split, budget))
    keep = [blocks[i] for i in sorted(taken)]
    bin_name = split + (".bin.xz" if compress else ".bin")
    h = hashlib.sha256()
    new_offsets = [0]
    with open(os.path.join(out_dir, bin_name), "wb") as f:
        for i in sorted(taken):
            f.write(taken[i])
    for a, b in keep:
        h.update(token_bytes(src, split, offsets, a, b))
        for fi in range(a, b):
            new_offsets.append(new_offsets[-1] + int(offsets[fi + 1]) - int(offsets[fi]))
    np.asarray(new_offsets, dtype=np.int64).tofile(os.path.join(out_dir, split + ".idx"))
    with open(os.path.join(out_dir, split + ".meta.json"), "w") as f:
        json.dump(subset_meta(meta, keep, new_offsets[-1]), f)
    return {"file": bin_name, "packed_bytes": used, "tokens": new_offsets[-1], "files": len(new_offsets) - 1,
            "of_tokens": meta["tokens"], "of_files": meta["files"], "sha256": h.hexdigest(),
            "bytes": 2 * new_offsets[-1]}


def pack(src: str, out_dir: str, max_bytes: int, seed: int, block_bytes: int, compress: bool) -> dict:
    if not os.path.isdir(src):
        raise PackError("token folder %s does not exist (run models/recipe/run_all.sh stages 1-3 first)" % src)
    for name in SIDE_FILES:
        if not os.path.exists(os.path.join(src, name)):
            raise PackError("%s has no %s (boundary.json: node models/recipe/corpus/boundary_table.js)" % (src, name))
    if max_bytes <= 0:
        raise PackError("no room left: the working tree already takes %.1f MiB of the 64 MiB transfer"
                        % (tree_bytes() / 2**20))
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    for name in SIDE_FILES:
        shutil.copyfile(os.path.join(src, name), os.path.join(out_dir, name))
    fixed = sum(os.path.getsize(os.path.join(out_dir, n)) for n in SIDE_FILES) + 8192  # + idx/meta/pack.json
    val = write_split(src, out_dir, "val", max_bytes - fixed, seed, block_bytes, compress)
    room = max_bytes - fixed - val["packed_bytes"] - os.path.getsize(os.path.join(out_dir, "val.meta.json"))
    room -= os.path.getsize(os.path.join(out_dir, "val.idx")) + 4096  # + train.meta.json's fixed keys
    train = write_split(src, out_dir, "train", max(room, 0), seed, block_bytes, compress)
    manifest = {"format": "d3llm-device-data/1", "source": os.path.abspath(src), "seed": seed,
                "compressed": compress, "splits": {"train": train, "val": val},
                "files": {n: {"sha256": sha256_file(os.path.join(out_dir, n)), "bytes": os.path.getsize(os.path.join(out_dir, n))}
                          for n in SIDE_FILES}}
    with open(os.path.join(out_dir, "pack.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    manifest["total_bytes"] = folder_bytes(out_dir)
    if manifest["total_bytes"] > max_bytes:
        raise PackError("packed folder is %d bytes, over the %d budget" % (manifest["total_bytes"], max_bytes))
    return manifest


# ------------------------------------------------------------------------------------------ unpack
def unpack(src: str, dest: str) -> dict:
    """Copy a packed folder to dest as a plain token folder, checking sizes and sha256 from pack.json."""
    man_path = os.path.join(src, "pack.json")
    if not os.path.exists(man_path):
        raise PackError("%s has no pack.json: not a folder written by pack_data.py pack" % src)
    with open(man_path) as f:
        manifest = json.load(f)
    os.makedirs(dest, exist_ok=True)
    for name in os.listdir(src):
        if name != "pack.json" and not name.endswith(".xz"):
            shutil.copyfile(os.path.join(src, name), os.path.join(dest, name))
    for split, info in manifest["splits"].items():
        target = os.path.join(dest, split + ".bin")
        if info["file"].endswith(".xz"):
            with lzma.open(os.path.join(src, info["file"]), "rb") as fin, open(target, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 22)
        if os.path.getsize(target) != info["bytes"] or sha256_file(target) != info["sha256"]:
            raise PackError("%s: unpacked %s.bin does not match pack.json (incomplete transfer?)" % (src, split))
    return manifest


# ------------------------------------------------------------------------------------------ CLI
def describe(manifest: dict) -> str:
    tr, va = manifest["splits"]["train"], manifest["splits"]["val"]
    return ("packed %.2f MB: train %d of %d files, %.2f M of %.2f M tokens (%.2f MB as %s); val %d files, %.2f M tokens"
            % (manifest["total_bytes"] / 1e6, tr["files"], tr["of_files"], tr["tokens"] / 1e6, tr["of_tokens"] / 1e6,
               tr["packed_bytes"] / 1e6, tr["file"], va["files"], va["tokens"] / 1e6))


def check(out_dir: str) -> str:
    tree = tree_bytes()
    data = folder_bytes(out_dir) if os.path.isdir(out_dir) else 0
    total = tree + data
    verdict = "fits" if total <= TRANSFER_LIMIT else "TOO LARGE"
    return ("working tree %.2f MiB + %s %.2f MiB = %.2f MiB of the 64 MiB transfer: %s"
            % (tree / 2**20, os.path.relpath(out_dir, ROOT), data / 2**20, total / 2**20, verdict))


def build_parser() -> argparse.ArgumentParser:
    """``pack``, ``unpack`` and ``check`` with their options."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="write the packed folder")
    p.add_argument("--data", default=os.path.join(os.environ.get("DATA", "/work/d3llm-data"), "tok"))
    p.add_argument("--out", default=os.path.join(ROOT, ".device-data", "tok"))
    p.add_argument("--max-mb", default="auto", help="budget in MB (1e6 bytes) for the whole folder, or auto")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--block-mb", type=float, default=2.0, help="raw token MB per block of consecutive files")
    p.add_argument("--no-compress", action="store_true", help="plain .bin files (train.py reads the folder as is)")
    u = sub.add_parser("unpack", help="make a plain token folder from a packed one")
    u.add_argument("--src", required=True)
    u.add_argument("--dest", required=True)
    c = sub.add_parser("check", help="working tree + packed folder against the 64 MiB transfer limit")
    c.add_argument("--out", default=os.path.join(ROOT, ".device-data"))
    return ap


def pack_command(args) -> None:
    """``pack``: the budget (auto: what the transfer limit leaves), the packed folder, and the limit check."""
    out = os.path.abspath(args.out)
    if args.max_mb == "auto":
        budget = auto_budget(out)
    else:
        try:
            budget = int(float(args.max_mb) * 1e6)
        except ValueError:
            raise PackError("--max-mb must be a number or auto, not %r" % args.max_mb)
    if args.block_mb <= 0:
        raise PackError("--block-mb must be positive")
    manifest = pack(args.data, out, budget, args.seed, int(args.block_mb * 1e6), not args.no_compress)
    print(describe(manifest))
    if out.startswith(ROOT + os.sep):
        print(check(os.path.join(ROOT, os.path.relpath(out, ROOT).split(os.sep)[0])))


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.cmd == "pack":
            pack_command(args)
        elif args.cmd == "unpack":
            manifest = unpack(args.src, args.dest)
            print("unpacked %s -> %s (train %.1f M tokens)" % (args.src, args.dest,
                                                              manifest["splits"]["train"]["tokens"] / 1e6))
        else:
            print(check(os.path.abspath(args.out)))
    except PackError as e:
        print("pack_data: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
