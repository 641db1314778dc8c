#!/usr/bin/env bash
# The whole recipe of the embedded model, from a clean clone (models/recipe/README.md):
#   corpus -> tokenizer -> pre-tokenise -> train the AR twin -> train the diffusion model from it (Dream-style)
#   -> export both to models/ -> tune the decoding defaults and measure single-line infilling on the
#   validation split through the engine (d3llm bench), written into model.json.
# Every stage is cached/resumable: rerunning skips finished stages and resumes training from the last
# checkpoint. Needs: apt (Debian bookworm), npm registry, node_modules installed (npm ci), python3-torch,
# python3-onnx, python3-numpy, libopenblas0-pthread.
#
# Usage: models/recipe/run_all.sh        (defaults below; about 2-3 h on an idle 2-core machine)
#   MAX_TOKENS=16000000 DREAM_TOKENS=5200000 BASELINE=0 DATA=/work/d3llm-data TRAIN=/work/d3llm-train models/recipe/run_all.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DATA=${DATA:-/work/d3llm-data}
TRAIN=${TRAIN:-/work/d3llm-train}
MAX_TOKENS=${MAX_TOKENS:-16000000}      # AR twin (and optional from-scratch diffusion baseline)
DREAM_TOKENS=${DREAM_TOKENS:-5200000}   # diffusion adaptation from the AR twin
PY="env PYENV_VERSION=system OPENBLAS_NUM_THREADS=1 python3"
case "$DATA$TRAIN" in *shared*) echo "refusing to use a path under shared/"; exit 1;; esac

echo "== 1/6 corpus ($DATA/corpus)"
[ -f "$DATA/corpus/sources.json" ] || $PY models/recipe/corpus/build_corpus.py --data "$DATA"

echo "== 2/6 tokenizer"
[ -f "$DATA/tokenizer/tokenizer.json" ] || node models/recipe/corpus/train_tokenizer.js \
  --corpus "$DATA/corpus/train.jsonl" --out "$DATA/tokenizer/tokenizer.json" --sample-mb 25 --vocab 8192

echo "== 3/6 pre-tokenise"
[ -f "$DATA/tok/train.bin" ] || node models/recipe/corpus/pretokenize.js --corpus "$DATA/corpus" \
  --tokenizer "$DATA/tokenizer/tokenizer.json" --out "$DATA/tok"
[ -f "$DATA/val_single_line.jsonl" ] || $PY models/recipe/eval_infill.py extract \
  --corpus "$DATA/corpus/val.jsonl" --out "$DATA/val_single_line.jsonl"

echo "== 4/6 train: AR twin (and, with BASELINE=1, a from-scratch diffusion baseline on the other core),"
echo "         then the diffusion model initialised from the AR twin (Dream-style); logs in $TRAIN/<run>/train.log"
pids=()
runs=(ar)
[ "${BASELINE:-0}" = 1 ] && runs+=(diffusion)
for obj in "${runs[@]}"; do
  mkdir -p "$TRAIN/$obj"
  nice -n 10 $PY models/recipe/train.py --objective "$obj" --data "$DATA/tok" --run "$TRAIN/$obj" \
    --max-tokens "$MAX_TOKENS" >>"$TRAIN/$obj/stdout.log" 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"
mkdir -p "$TRAIN/dream"
[ -f "$TRAIN/dream/init-ar.pt" ] || cp "$TRAIN/ar/model.pt" "$TRAIN/dream/init-ar.pt"
nice -n 10 $PY models/recipe/train.py --objective diffusion --logit-shift --init-from "$TRAIN/dream/init-ar.pt" \
  --seed 4321 --lr 1e-3 --data "$DATA/tok" --run "$TRAIN/dream" --max-tokens "$DREAM_TOKENS" \
  >>"$TRAIN/dream/stdout.log" 2>&1

echo "== 5/6 export"
$PY models/recipe/train.py export --run "$TRAIN/dream" --out models/d3llm-tiny-code --id d3llm-tiny-code \
  --tokenizer "$DATA/tok/tokenizer.json"
$PY models/recipe/train.py export --run "$TRAIN/ar" --out models/d3llm-tiny-code-ar --id d3llm-tiny-code-ar \
  --tokenizer "$DATA/tok/tokenizer.json"

echo "== 6/6 tune the default decoding on the validation split and record validation numbers in model.json"
npm run build --silent
node models/recipe/tune_decoding.mjs --data "$DATA/val_single_line.jsonl" --model models/d3llm-tiny-code \
  --ar-model models/d3llm-tiny-code-ar --write > "$TRAIN/quality.json"
echo "done: models/d3llm-tiny-code, models/d3llm-tiny-code-ar (validation numbers: $TRAIN/quality.json)"
