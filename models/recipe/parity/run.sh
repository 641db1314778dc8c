#!/bin/sh
# PyTorch vs onnxruntime-node parity for a model folder (docs/model-contract.md).
# Usage: models/recipe/parity/run.sh MODEL_DIR [CHECKPOINT]
#   CHECKPOINT: a model.save_checkpoint file; without it, MODEL_DIR must be a fixture made by
#   make_fixture.py (its weights are rebuilt from the fixed seed, chosen by model.json's id).
# Prints entropy / argmax differences per case; exits non-zero on failure.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
MODEL_DIR=$(cd "$1" && pwd)
CASES=$(mktemp /tmp/parity-cases.XXXXXX.json)
trap 'rm -f "$CASES"' EXIT
if [ $# -ge 2 ]; then SRC="--checkpoint $2"; else SRC=""; fi
PYENV_VERSION=system OPENBLAS_NUM_THREADS=2 python3 "$HERE/reference.py" --model-dir "$MODEL_DIR" $SRC --out "$CASES"
cd "$ROOT" && node "$HERE/check.js" "$MODEL_DIR" "$CASES"
