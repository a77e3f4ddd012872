#!/usr/bin/env bash
# Benchmarks gentrain (from C and Python) next to PyTorch, when installed, on this machine.
#   scripts/bench.sh [seconds per measurement]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)" > /dev/null
GENTRAIN_LIBRARY="$PWD/build/libgentrain.so.0" python3 bench/python/bench.py --seconds "${1:-3}" --bench-binary build/bench_c
