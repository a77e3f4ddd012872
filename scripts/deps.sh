#!/usr/bin/env bash
# Installs what building and testing gentrain needs and the machine lacks: Debian packages
# (OpenBLAS; oneDNN, which float32 matrix products and convolutions use when present, and its
# header, which building the convolution shim needs; CMake, pkg-config, valgrind; Open MPI, which the
# data-parallel tests run under mpirun and libgentrain.so loads at run time when asked for; DLPack's
# header, which the C tests of the DLPack exchange include; patchelf, which scripts/wheel.py uses;
# Doxygen, which renders the header for make docs)
# and Python packages (numpy, pytest, safetensors; matplotlib and tqdm for the recipe examples). Idempotent.
set -euo pipefail
packages=(libopenblas-dev libdnnl2 libdnnl-dev cmake pkg-config valgrind openmpi-bin libopenmpi-dev libdlpack-dev patchelf doxygen)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi
python3 -c "import numpy, pytest, safetensors, matplotlib, tqdm" 2> /dev/null || python3 -m pip install -q numpy pytest safetensors matplotlib tqdm
command -v swift > /dev/null || { echo "gentrain needs Swift 6.3 on the PATH"; exit 1; }
