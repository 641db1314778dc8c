"""PyTorch side of the ONNX parity check (models/recipe/parity/run.sh).

Builds test cases for a model folder that follows docs/model-contract.md and computes, with the
PyTorch model from models/recipe/model.py, what the ONNX graph must return:

  every case = a sequence (ids, positions), the rows kept as cache and the rows of the window.
  Both sides run a full forward over the sequence with p = 0, keep the K/V of the cache rows
  (present_*[:, cache_rows]) and then run the window against that cache. Cases: the full forward,
  a p = 0 window at shifted positions, a k=1 canvas (prefix | MASK*g | suffix, window = masks)
  and a k=2 canvas (two mask regions, window = both, positions not contiguous).

Weights: --checkpoint (model.save_checkpoint format) or --fixture VARIANT (rebuilt by
make_fixture.build_model, deterministic). Writes a JSON file read by parity/check.js.
"""

import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from export_onnx import TOP_K, reduce_logits  # noqa: E402
from model import load_checkpoint  # noqa: E402


def load_model(args):
    if args.checkpoint:
        model, _ = load_checkpoint(args.checkpoint)
    else:
        from make_fixture import build_model
        model = build_model(args.fixture)
    return model.float().eval()


def check_manifest(model, manifest):
    cfg = model.config
    expect = {"numLayers": cfg.num_layers, "numKvHeads": cfg.num_kv_heads, "headDim": cfg.head_dim,
              "vocabSize": cfg.vocab_size, "causal": cfg.causal, "logitShift": cfg.logit_shift}
    bad = {k: (manifest.get(k), v) for k, v in expect.items() if manifest.get(k) != v}
    if bad:
        raise SystemExit(f"model.json does not match the PyTorch weights: {bad}")


def make_cases(vocab, mask_id, seed):
    g = torch.Generator().manual_seed(seed)
    rand = lambda n: torch.randint(6, vocab, (n,), generator=g).tolist()  # noqa: E731
    cases = []
    seq = rand(40)
    cases.append(dict(name="full forward, p=0", ids=seq, pos=list(range(40)), cache=[], window=list(range(40))))
    cases.append(dict(name="p=0 window at positions 300..311", ids=rand(12), pos=list(range(300, 312)),
                      cache=[], window=list(range(12))))
    pre, gap, suf = rand(20), 8, rand(12)
    ids = pre + [mask_id] * gap + suf
    cases.append(dict(name="k=1 canvas: window=8 masks, cache=prefix+suffix", ids=ids, pos=list(range(len(ids))),
                      cache=list(range(20)) + list(range(28, 40)), window=list(range(20, 28))))
    ids = rand(10) + [mask_id] * 6 + rand(5) + [mask_id] * 4 + rand(7)
    pos = list(range(5, 5 + len(ids)))
    window = list(range(10, 16)) + list(range(21, 25))
    cache = [i for i in range(len(ids)) if i not in window][::-1]
    cases.append(dict(name="k=2 canvas: window=two mask blocks, cache unordered", ids=ids, pos=pos,
                      cache=cache, window=window))
    return cases


@torch.no_grad()
def run_case(model, case):
    ids = torch.tensor([case["ids"]])
    pos = torch.tensor([case["pos"]])
    _, full_kv = model(ids, pos, return_present=True)
    cache = torch.tensor(case["cache"], dtype=torch.long)
    window = torch.tensor(case["window"], dtype=torch.long)
    past = [(k[:, cache], v[:, cache]) for k, v in full_kv]
    logits, _ = model(ids[:, window], pos[:, window], past=past)
    entropy, token, confidence, _, top_probs = reduce_logits(logits.float(), TOP_K)
    logp = torch.log_softmax(logits.float(), -1).topk(2, -1).values
    return dict(entropy=entropy[0].tolist(), token=token[0].tolist(), confidence=confidence[0].tolist(),
                top_probs=top_probs[0].tolist(), top2_gap=(logp[0, :, 0] - logp[0, :, 1]).tolist())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--checkpoint")
    ap.add_argument("--fixture")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.model_dir, "model.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if not args.checkpoint and not args.fixture:
        args.fixture = manifest["id"]
    model = load_model(args)
    check_manifest(model, manifest)
    cases = make_cases(model.config.vocab_size, manifest["specialTokens"]["mask"], args.seed)
    for case in cases:
        case["expected"] = run_case(model, case)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"cases": cases, "numLayers": model.config.num_layers}, f)


if __name__ == "__main__":
    main()
