#!/usr/bin/env bash
# The second command of the README: every test suite — C (CTest, with valgrind, the export
# list, a downstream find_package project, no-toolchain runs), Swift (XCTest) and Python (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)"
echo "== C =="
(cd build && ctest --output-on-failure)
echo "== Swift =="
swift test --disable-swift-testing
swift build -c release --product digits-swift
.build/release/digits-swift data/digits.csv
echo "== Python =="
GENTRAIN_LIBRARY="$PWD/build/libgentrain.so.0" python3 -m pytest -q bindings/python/tests
