#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds libgentrain, installs it
# (header, library, pkg-config, CMake package) and the Python package as a self-contained wheel
# (scripts/wheel.py), then trains the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j"$(nproc)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo cmake --install build > /dev/null
$sudo ldconfig
python3 scripts/wheel.py build/libgentrain.so.0 dist > /dev/null
python3 -m pip install -q --force-reinstall --no-deps dist/gentrain-*.whl
echo "installed libgentrain $(cat build/gentrain.pc | sed -n 's/^Version: //p') to $(cmake -L -N build | sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p')"
echo "== demo: a digit classifier trained from C =="
build/digits_c data/digits.csv
