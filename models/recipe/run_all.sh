#!/usr/bin/env bash
# The whole recipe of the embedded model, from a clean clone (models/recipe/README.md):
#   corpus -> tokenizer -> pre-tokenise -> train the AR twin -> train the diffusion model from it (Dream-style)
#   -> export both to models/ -> tune the decoding defaults and measure single-line infilling on the
#   validation split through the engine (d3llm bench), written into model.json.
# Every stage is cached/resumable: rerunning skips finished stages and resumes training from the last
# checkpoint. Needs: apt (Debian bookworm), npm registry, node_modules installed (npm ci), python3-torch,
# python3-onnx, python3-numpy, libopenblas0-pthread.
#
# Usage: models/recipe/run_all.sh        (CPU only, defaults below; about 2-3 h on an idle 2-core machine)
#        models/recipe/run_all.sh gpu-prepare; <one device call>; models/recipe/compare_candidate.sh FILES;
#        models/recipe/run_all.sh gpu-finish FILES (if the candidate wins)
#        (the shipped models: corpus here, 7 minutes of training on one H100, export + tuning here)
#   MAX_TOKENS=16000000 DREAM_TOKENS=5200000 BASELINE=0 DATA=/work/d3llm-data TRAIN=/work/d3llm-train models/recipe/run_all.sh
#   PACK_MB=28 models/recipe/run_all.sh gpu-prepare   (a smaller corpus pack, e.g. next to a carried weight bundle)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. models/recipe/gpu/shipped_models.sh
DATA=${DATA:-/work/d3llm-data}
TRAIN=${TRAIN:-/work/d3llm-train}
MAX_TOKENS=${MAX_TOKENS:-16000000}      # AR twin (and optional from-scratch diffusion baseline)
DREAM_TOKENS=${DREAM_TOKENS:-5200000}   # diffusion adaptation from the AR twin
PY="env PYENV_VERSION=system OPENBLAS_NUM_THREADS=1 python3"
case "$DATA$TRAIN" in *shared*) echo "refusing to use a path under shared/"; exit 1;; esac
MODE=${1:-cpu}   # cpu (everything here) | gpu-prepare | gpu-finish BUNDLE_DIR (see "Training on a GPU session")
case "$MODE" in
  cpu|gpu-prepare) ;;
  gpu-finish) [ -d "${2:-}" ] || { echo "usage: run_all.sh gpu-finish BUNDLE_DIR (the files_at folder of the device reply)"; exit 2; };;
  *) echo "usage: run_all.sh [cpu | gpu-prepare | gpu-finish BUNDLE_DIR]"; exit 2;;
esac

finish_models() {  # $1 $2: run folders of the diffusion model and the AR twin; $3: extra export flags
  echo "== export"
  $PY models/recipe/train.py export --run "$1" --out models/d3llm-tiny-code --id d3llm-tiny-code \
    --tokenizer "$DATA/tok/tokenizer.json" $3
  $PY models/recipe/train.py export --run "$2" --out models/d3llm-tiny-code-ar --id d3llm-tiny-code-ar \
    --tokenizer "$DATA/tok/tokenizer.json" $3
  echo "== tune the default decoding on the validation split and record validation numbers in model.json"
  npm run build --silent
  [ -f "$DATA/val_multi_line.jsonl" ] || $PY models/recipe/eval_infill.py extract --cursor lines \
    --corpus "$DATA/corpus/val.jsonl" --out "$DATA/val_multi_line.jsonl"
  node models/recipe/tune_decoding.mjs --data "$DATA/val_single_line.jsonl" --model models/d3llm-tiny-code \
    --multi-data "$DATA/val_multi_line.jsonl" --ar-model models/d3llm-tiny-code-ar --write > "$TRAIN/quality.json"
  echo "done: models/d3llm-tiny-code, models/d3llm-tiny-code-ar (validation numbers: $TRAIN/quality.json)"
}

if [ "$MODE" = gpu-finish ]; then
  restore_shipped_models  # put back what gpu-prepare set aside
  $PY models/recipe/gpu/import_weights.py --bundle "$2" --runs "$TRAIN/gpu"
  finish_models "$TRAIN/gpu/dream" "$TRAIN/gpu/ar" --fp16-weights
  exit 0
fi

echo "== 1/6 corpus ($DATA/corpus)"
[ -f "$DATA/corpus/sources.json" ] || $PY models/recipe/corpus/build_corpus.py --data "$DATA"

echo "== 2/6 tokenizer"
[ -f "$DATA/tokenizer/tokenizer.json" ] || node models/recipe/corpus/train_tokenizer.js \
  --corpus "$DATA/corpus/train.jsonl" --out "$DATA/tokenizer/tokenizer.json" --sample-mb 25 --vocab 8192

echo "== 3/6 pre-tokenise"
[ -f "$DATA/tok/train.bin" ] || node models/recipe/corpus/pretokenize.js --corpus "$DATA/corpus" \
  --tokenizer "$DATA/tokenizer/tokenizer.json" --out "$DATA/tok"
[ -f "$DATA/tok/boundary.json" ] || node models/recipe/corpus/boundary_table.js "$DATA/tok/tokenizer.json" \
  "$DATA/tok/boundary.json"  # the split of newline+indent tokens (data.py; packed for the device)
[ -f "$DATA/val_single_line.jsonl" ] || $PY models/recipe/eval_infill.py extract \
  --corpus "$DATA/corpus/val.jsonl" --out "$DATA/val_single_line.jsonl"
[ -f "$DATA/val_mid_line.jsonl" ] || $PY models/recipe/eval_infill.py extract --cursor mid \
  --corpus "$DATA/corpus/val.jsonl" --out "$DATA/val_mid_line.jsonl"
[ -f "$DATA/val_after_space.jsonl" ] || $PY models/recipe/eval_infill.py extract --cursor space \
  --corpus "$DATA/corpus/val.jsonl" --out "$DATA/val_after_space.jsonl"
# the same holes with 4 lines before and 2 after: short context, as in docs/examples and small files
[ -f "$DATA/val_short_space.jsonl" ] || $PY models/recipe/eval_infill.py extract --cursor space \
  --prompt-lines 4 --suffix-lines 2 --corpus "$DATA/corpus/val.jsonl" --out "$DATA/val_short_space.jsonl"

if [ "$MODE" = gpu-prepare ]; then
  # The shipped model.onnx files would take most of the 64 MiB that travels to the device: set them aside
  # (ignored folder; gpu-finish, or `git checkout models/`, puts them back), then pack the corpus.
  set_shipped_models_aside
  $PY models/recipe/gpu/pack_data.py pack --data "$DATA/tok" --out .device-data/tok --max-mb "${PACK_MB:-auto}"
  echo 'next: run(command="models/recipe/gpu/device_train.sh --objective ar+dream --minutes 8.5 --hard-minutes 9.4 --ar-share 0.5",'
  echo '          carry=[".device-data"], timeout_s=590); then: models/recipe/compare_candidate.sh <files_at folder>,'
  echo '          and models/recipe/run_all.sh gpu-finish <files_at folder> if the candidate wins'
  exit 0
fi

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

finish_models "$TRAIN/dream" "$TRAIN/ar" ""
