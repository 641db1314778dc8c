#!/usr/bin/env bash
# The one command of a GPU session (models/recipe/README.md, "Training on a GPU session"): from the
# repository root on the device machine, with $OUT set and the packed corpus carried (carry: [".device-data"]):
#
#   models/recipe/gpu/device_train.sh [--objective diffusion|ar|ar+dream] [--minutes 7] [device_run.py options]
#
# Checks that python3 has PyTorch with a visible GPU, then runs gpu/device_run.py: unpack the packed corpus,
# probe the throughput, train the medium model (Dream-style diffusion by default) for --minutes of wall
# clock, and leave train.log, result.json and the fp16 EMA weights (weights.NNN.bin, <= 15 MiB each) in
# $OUT. Everything ends within --hard-minutes (default 9) of the start. On this machine, for tests:
#   OUT=/tmp/out PYENV_VERSION=system models/recipe/gpu/device_train.sh --device cpu --size tiny ...
set -u
cd "$(dirname "$0")/../../.." || exit 2
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
if [ -z "${OUT:-}" ]; then
  echo "device_train.sh: set OUT to the folder whose files come back" >&2
  exit 2
fi
mkdir -p "$OUT"
device=cuda
prev=
for a in "$@"; do
  [ "$prev" = --device ] && device=$a
  case $a in --device=*) device=${a#--device=};; esac
  prev=$a
done
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "device_train.sh: $PY has no PyTorch" | tee "$OUT/train.log" >&2
  exit 3
fi
if [ "$device" = cuda ] && ! "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  echo "device_train.sh: PyTorch sees no CUDA device (torch.cuda.is_available() is False)" | tee "$OUT/train.log" >&2
  nvidia-smi >>"$OUT/train.log" 2>&1
  exit 3
fi
exec "$PY" models/recipe/gpu/device_run.py "$@"
