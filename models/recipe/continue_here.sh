#!/usr/bin/env bash
# Continue the shipped pair here, on the CPU, on hand-written code only (models/recipe/README.md, "Continuing the
# shipped pair on hand-written code"): a copy of the corpus without machine-written JavaScript/TypeScript
# (corpus/filter_corpus.py), pre-tokenised with the shipped tokenizer; both models' weights recovered from their
# model.onnx (recover_from_onnx.py); the same number of further tokens for each (the diffusion model with shifted
# logits, the AR twin next-token), one core each, at the same time; then compare_candidate.sh --runs against the
# shipped pair. Every stage is skipped when its output exists, and training resumes from its last checkpoint.
#
# Usage: models/recipe/continue_here.sh   (~70 min on 2 idle cores: ~3 preparing, ~55 training, ~10 comparing)
#   env: DATA, TRAIN (as run_all.sh), TOKENS=2800000 per model, LR=2.1e-5, BATCH=32, EMA=0.99,
#        MINUTES=62 (a cap per model), SEED=777
#   (batch 32 holds ~6 GB per process; at 64 one process takes 11-13 GB, and two run out of 24 GB)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. models/recipe/gpu/shipped_models.sh
DATA=${DATA:-/work/d3llm-data}
TRAIN=${TRAIN:-/work/d3llm-train}
HAND=$DATA/hand-written
RUNS=$TRAIN/continue-hand-written
PY="env PYENV_VERSION=system OPENBLAS_NUM_THREADS=1 python3"
TOKENS=${TOKENS:-2800000} LR=${LR:-2.1e-5} BATCH=${BATCH:-32} EMA=${EMA:-0.99} MINUTES=${MINUTES:-62} SEED=${SEED:-777}
case "$DATA$TRAIN" in *shared*) echo "refusing to use a path under shared/"; exit 1;; esac
[ -f "$DATA/corpus/sources.json" ] || {
  echo "continue_here.sh: no corpus in $DATA (run models/recipe/run_all.sh gpu-prepare first)" >&2; exit 2; }
restore_shipped_models  # put back what gpu-prepare set aside
for m in $SHIPPED_MODELS; do
  [ -f "models/$m/model.onnx" ] || { echo "continue_here.sh: models/$m/model.onnx is missing" >&2; exit 2; }
done

echo "== corpus without machine-written JavaScript/TypeScript ($HAND)"
[ -f "$HAND/corpus/sources.json" ] || \
  $PY models/recipe/corpus/filter_corpus.py --corpus "$DATA/corpus" --out "$HAND/corpus"
if [ ! -f "$HAND/tok/train.bin" ]; then
  node models/recipe/corpus/pretokenize.js --corpus "$HAND/corpus" --tokenizer models/d3llm-tiny-code/tokenizer.json \
    --out "$HAND/tok"
  node models/recipe/corpus/boundary_table.js models/d3llm-tiny-code/tokenizer.json "$HAND/tok/boundary.json"
fi

echo "== train both models $TOKENS more tokens from the shipped weights; logs in $RUNS/<run>/train.log"
pids=()
for pair in "diffusion:d3llm-tiny-code:--logit-shift" "ar:d3llm-tiny-code-ar:"; do
  IFS=: read -r obj model flags <<<"$pair"
  mkdir -p "$RUNS/$obj"
  [ -f "$RUNS/$obj-init.pt" ] || \
    $PY models/recipe/recover_from_onnx.py --model-dir "models/$model" --out "$RUNS/$obj-init.pt"
  nice -n 10 $PY models/recipe/train.py --objective "$obj" $flags --size medium --init-from "$RUNS/$obj-init.pt" \
    --data "$HAND/tok" --run "$RUNS/$obj" --lr "$LR" --batch "$BATCH" --ema "$EMA" --warmup-tokens 200000 \
    --max-tokens "$TOKENS" --max-minutes "$MINUTES" --seed "$SEED" --eval-minutes 30 --val-batch 64 \
    >>"$RUNS/$obj/stdout.log" 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"

echo "== compare with the shipped pair"
DATA=$DATA TRAIN=$RUNS models/recipe/compare_candidate.sh --runs "$RUNS/diffusion" "$RUNS/ar"
