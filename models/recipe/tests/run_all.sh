#!/bin/sh
# All checks owned by the model recipe: the Python unit tests (model, corpus builder, layouts, training,
# export, GPU path on the CPU, distillation, evaluation), the fixture tokenizer against the runtime loader,
# and ONNX parity on both committed fixtures.
# Usage: models/recipe/tests/run_all.sh   (from anywhere; about 2.5 min on 2 cores)
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
PY="env PYENV_VERSION=system OPENBLAS_NUM_THREADS=2 python3"
$PY -m unittest models/recipe/tests/test_model.py models/recipe/tests/test_dream_export.py models/recipe/tests/test_train_tiny.py \
  models/recipe/tests/test_recover.py models/recipe/tests/test_gpu_path.py models/recipe/tests/test_pack_coverage.py \
  models/recipe/tests/test_fast_attention.py models/recipe/tests/test_eval_extract.py models/recipe/tests/test_data_layout.py \
  models/recipe/tests/test_length_probe.py models/recipe/tests/test_distill.py models/recipe/tests/test_corpus.py \
  models/recipe/tests/test_eval_run.py models/recipe/tests/test_optimisation.py models/recipe/tests/test_paired.py
node models/recipe/corpus/check_tokenizer.js test/fixtures/models/tiny-random/tokenizer.json /usr/lib/python3.11/shlex.py
for m in tiny-random tiny-random-causal; do
  models/recipe/parity/run.sh "test/fixtures/models/$m"
done
