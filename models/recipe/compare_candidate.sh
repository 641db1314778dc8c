#!/usr/bin/env bash
# Is a pair of models that came back from a GPU session (or was trained here) better than the shipped pair?
# (models/recipe/README.md, "Comparing a candidate pair"). Before gpu-finish, which replaces models/ and spends
# ~30 min tuning: import the bundle (or take the two run folders as they are), export both models into
#   $TRAIN/candidate/models with the shipped pair's decoding defaults, run docs/examples on both pairs, and
#   bench both diffusion models on the same validation tasks (paired by task: paired.py).
#   Ship with `run_all.sh gpu-finish BUNDLE_DIR` only if the candidate wins.
#
# Usage: models/recipe/compare_candidate.sh BUNDLE_DIR      (~15 min on 2 cores with the defaults)
#        models/recipe/compare_candidate.sh --runs DIFFUSION_RUN AR_RUN   (train.py run folders, e.g. a CPU
#        continuation of the shipped pair: models/recipe/README.md, "Continuing the shipped pair here")
#   env: DATA, TRAIN (as run_all.sh), LIMIT=300 tasks per set, SETS="val_single_line val_short_space",
#        BASELINE=models/d3llm-tiny-code, BASELINE_TWIN=models/d3llm-tiny-code-ar, MAX_TOKENS=32, EXAMPLES=1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. models/recipe/gpu/shipped_models.sh
usage() { echo "usage: compare_candidate.sh BUNDLE_DIR (the files_at folder of the device reply)" \
  "| --runs DIFFUSION_RUN AR_RUN (train.py run folders)" >&2; exit 2; }
if [ "${1:-}" = --runs ]; then
  BUNDLE=; DREAM_RUN=${2:-}; AR_RUN=${3:-}
  for r in "$DREAM_RUN" "$AR_RUN"; do
    [ -f "$r/model.pt" ] || { echo "compare_candidate.sh: no $r/model.pt" >&2; usage; }
  done
else
  BUNDLE=${1:-}
  [ -d "$BUNDLE" ] || usage
fi
DATA=${DATA:-/work/d3llm-data}
TRAIN=${TRAIN:-/work/d3llm-train}
LIMIT=${LIMIT:-300}
SETS=${SETS:-val_single_line val_short_space}
OUT=$TRAIN/candidate
for r in ${DREAM_RUN:-} ${AR_RUN:-}; do  # $OUT is emptied below
  case "$(realpath "$r")/" in "$(realpath -m "$OUT")"/*)
    echo "compare_candidate.sh: $r is inside $OUT, which this script empties; copy the run elsewhere" >&2; exit 2;;
  esac
done
BASELINE=${BASELINE:-models/d3llm-tiny-code}
BASELINE_TWIN=${BASELINE_TWIN:-models/d3llm-tiny-code-ar}
PY="env PYENV_VERSION=system OPENBLAS_NUM_THREADS=1 python3"
CAND=$OUT/models/$(basename "$BASELINE")
CAND_TWIN=$OUT/models/$(basename "$BASELINE_TWIN")
for s in $SETS; do
  [ -f "$DATA/$s.jsonl" ] || { echo "compare_candidate.sh: no $DATA/$s.jsonl (run_all.sh extracts it)" >&2; exit 2; }
done
rm -rf "$OUT" && mkdir -p "$OUT"
restore_shipped_models  # put back what gpu-prepare set aside (as gpu-finish does)

echo "== export the candidate pair ($OUT/models)"
if [ -n "$BUNDLE" ]; then
  $PY models/recipe/gpu/import_weights.py --bundle "$BUNDLE" --runs "$OUT/runs"
  DREAM_RUN=$OUT/runs/dream AR_RUN=$OUT/runs/ar
fi
for pair in "$DREAM_RUN:$BASELINE:$CAND" "$AR_RUN:$BASELINE_TWIN:$CAND_TWIN"; do
  IFS=: read -r run base dest <<<"$pair"
  $PY models/recipe/train.py export --run "$run" --out "$dest" --id "$(basename "$base")" \
    --tokenizer "$base/tokenizer.json" --fp16-weights >/dev/null
  $PY - "$base/model.json" "$dest/model.json" <<'PYEOF'
import json, sys
base, dest = (json.load(open(p)) for p in sys.argv[1:])
dest["decoding"] = base["decoding"]  # the same decoding, so the weights are all that differs
json.dump(dest, open(sys.argv[2], "w"), indent=2)
PYEOF
done

npm run build --silent
if [ "${EXAMPLES:-1}" = 1 ]; then
  for set in simple-completions file-completions; do
    echo "== docs/examples/$set.jsonl (exact first lines)"
    for named in "baseline:$BASELINE" "candidate:$CAND" "baseline-twin:$BASELINE_TWIN" "candidate-twin:$CAND_TWIN"; do
      label=${named%%:*}
      node docs/examples/run.mjs --file "docs/examples/$set.jsonl" --model "${named#*:}" > "$OUT/$set-$label.md"
      printf '%-15s %s\n' "$label" "$(tail -n 1 "$OUT/$set-$label.md")"
    done
  done
fi

TAU=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).decoding.threshold)' \
  "$BASELINE/model.json")
bench() {  # $1 set, $2 model dir, $3 samples file
  node bin/d3llm.js bench --data "$DATA/$1.jsonl" --limit "$LIMIT" --decoders d3llm --thresholds "$TAU" --threads 1 \
    --jobs 1 --json --max-tokens "${MAX_TOKENS:-32}" --cut line --model "$2" --samples "$3" > "$3.json" 2> "$3.err"
}
for s in $SETS; do
  echo "== $s: $LIMIT tasks, both diffusion models (d3llm decoder, the shipped defaults), paired by task"
  bench "$s" "$BASELINE" "$OUT/$s.baseline.jsonl" & a=$!
  bench "$s" "$CAND" "$OUT/$s.candidate.jsonl" & b=$!
  wait "$a" "$b"
  by_source=()  # the difference per kind of file the tasks were cut from, when the corpus is here
  [ -f "$DATA/corpus/val.jsonl" ] && by_source=(--by-source "$DATA/$s.jsonl" --corpus "$DATA/corpus/val.jsonl")
  $PY models/recipe/paired.py --baseline "$OUT/$s.baseline.jsonl" --candidate "$OUT/$s.candidate.jsonl" \
    "${by_source[@]}" | tee "$OUT/$s.paired.txt"
done
echo "done: $OUT ({simple,file}-completions-*.md, <set>.{baseline,candidate}.jsonl, <set>.paired.txt)"
