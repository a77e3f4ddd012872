#!/usr/bin/env bash
# One command for a self-contained Python wheel: builds libgentrain (release, Swift runtime inside)
# and writes dist/gentrain-<version>-py3-none-linux_<arch>.whl with the package, the library and the
# libraries it needs (scripts/wheel.py says which). `pip install dist/gentrain-*.whl` then works on
# a machine without Swift. An argument names another output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v patchelf > /dev/null || scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build --target gentrain_swift -j"$(nproc)"
python3 scripts/wheel.py build/libgentrain.so.0 "${1:-dist}"
