#!/usr/bin/env bash
# Benchmarks gentrain (from C and Python) next to PyTorch, when installed, on this machine.
#   scripts/bench.sh [seconds per measurement] [alternating rounds for W2-W5 (median shown)]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)" > /dev/null
export GENTRAIN_LIBRARY="$PWD/build/libgentrain.so.0"
echo "== W8, W7, W1: training steps and per-op overhead =="
python3 bench/python/bench.py --seconds "${1:-3}" --bench-binary build/bench_c
echo "== W3, W4: VAE and WGAN-GP =="
python3 bench/python/generative.py --seconds "${1:-3}" --repeats "${2:-3}"
echo "== Adam step over 10M parameters =="
python3 bench/python/adam_step.py
echo "== W2: character LSTM language model =="
python3 bench/python/recurrent.py --seconds "${1:-3}" --repeats "${2:-3}"
echo "== Layers: forward + backward per layer =="
python3 bench/python/layers.py
echo "== Data parallel: DataParallel, DDP over MPI (next to PyTorch's gloo), all-reduce =="
python3 bench/python/data_parallel.py --seconds "${1:-3}"
