#!/usr/bin/env bash
# System packages the tests need on a fresh Debian machine: PyTorch/onnx for the model recipe checks
# (OpenBLAS so torch is not 25x slower), and python3 for the benchmark's pass@1 runner.
set -euo pipefail
need=()
for pkg in python3-torch python3-onnx python3-numpy libopenblas0-pthread; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
