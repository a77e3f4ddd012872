#!/usr/bin/env bash
# make docs: browsable reference documentation in build/docs —
#   c/       the C header rendered by Doxygen (its comments are the source; CTest's
#            header_documented checks that every declaration has one), with the
#            PyTorch → gentrain pages (docs/pytorch.md, docs/pytorch-ops.md) as its main page;
#   python/  the Python package's docstrings and signatures (pydoc), one page per module.
# Installs Doxygen when it is missing; needs the library built (cmake --build build).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v doxygen > /dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -qq doxygen > /dev/null
fi
mkdir -p build/docs/python
doxygen docs/Doxyfile
modules=$(cd bindings/python && find gentrain -name '*.py' \( ! -name '_*' -o -name __init__.py \) | sed 's|/__init__.py||; s|\.py$||; s|/|.|g' | sort)
(cd build/docs/python && GENTRAIN_LIBRARY="$PWD/../../libgentrain.so.0" PYTHONPATH="$PWD/../../../bindings/python" \
  python3 -m pydoc -w $modules > /dev/null)
echo "build/docs/c/index.html (C), build/docs/python/gentrain.html (Python)"
