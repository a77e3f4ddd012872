#!/usr/bin/env bash
# The second command of the README: every test suite — C (CTest, with valgrind, the export
# list, a downstream find_package project, no-toolchain runs, fault injection), the C tests and
# the libFuzzer targets under ASan + UBSan, the C tests under ThreadSanitizer, Swift (XCTest) and Python (pytest), the self-contained
# wheel in a fresh venv, and the mixed precision tests again on the AVX2 kernels and on the
# baseline kernels (with the Python package on ctypes alone).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)"
echo "== C =="
(cd build && ctest --output-on-failure)
echo "== C under ASan + UBSan, and the fuzz targets (GENTRAIN_FUZZ_SECONDS each, default 120) =="
Tests/Fuzz/run.sh "${GENTRAIN_FUZZ_SECONDS:-120}"
echo "== C under ThreadSanitizer =="
scripts/tsan.sh
echo "== Swift =="
swift test --disable-swift-testing -Xcc -O2   # the C loops optimized, as in every release build
Tests/Swift/versioned_client.sh
swift build -c release --product digits-swift
.build/release/digits-swift data/digits.csv
mpirun --allow-run-as-root --oversubscribe -np 2 .build/release/digits-swift --mpi data/digits.csv
swift build -c release --product vae-swift
.build/release/vae-swift --steps 5 data/digits.csv
echo "== Python =="
GENTRAIN_LIBRARY="$PWD/build/libgentrain.so.0" python3 -m pytest -q bindings/python/tests
echo "== The reference documentation (make docs) =="
scripts/docs.sh
echo "== The wheel: pip install into a fresh venv, imported with the toolchain and the system's libraries hidden =="
sh Tests/Python/wheel_install.sh
echo "== Mixed precision with AVX2 kernels (where the CPU has AVX-512 BF16, its bfloat16 dot products ran above;"
echo "   here bfloat16 products take the packing GEMM's widening path, and oneDNN runs its AVX2 kernels) =="
GENTRAIN_KERNELS=avx2 GENTRAIN_LIBRARY="$PWD/build/libgentrain.so.0" \
  python3 -m pytest -q bindings/python/tests/test_autocast.py bindings/python/tests/test_amp.py bindings/python/tests/test_training_runs.py
echo "== The baseline kernels (no AVX2): bfloat16 products through float32 and the BLAS, the C loops' baseline builds;"
echo "   the Python package through ctypes only (without gentrain._native) =="
GENTRAIN_KERNELS=baseline GENTRAIN_PYTHON_NATIVE=0 GENTRAIN_LIBRARY="$PWD/build/libgentrain.so.0" \
  python3 -m pytest -q bindings/python/tests/test_autocast.py bindings/python/tests/test_amp.py bindings/python/tests/test_tensor.py \
  bindings/python/tests/test_contract.py bindings/python/tests/test_losses.py bindings/python/tests/test_optim.py bindings/python/tests/test_training_runs.py \
  bindings/python/tests/test_native.py
