#!/bin/sh
# The self-contained wheel: built from the library in build/, installed with pip into a fresh venv,
# and imported with the Swift toolchain, the system's OpenBLAS, oneDNN and Fortran runtime hidden
# (empty files and folders mounted over them in a private mount namespace), no GENTRAIN_LIBRARY and
# outside the source tree — so every library it loads must come from the wheel.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$root/scripts/wheel.py" "$root/build/libgentrain.so.0" "$work/dist"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/dist/gentrain-*.whl
cat > "$work/check.py" <<'PY'
import sys
import numpy as np
import gentrain
model = gentrain.nn.Sequential(gentrain.nn.Conv2d(1, 2, 3), gentrain.nn.Flatten(), gentrain.nn.Linear(8, 1))
opt = gentrain.optim.Adam(model.parameters())
x = gentrain.randn(4, 1, 4, 4)
for _ in range(3):
    opt.zero_grad()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
assert np.from_dlpack(gentrain.ones(2)).sum() == 2
from gentrain._lib import native
assert native is not None and native.__file__.startswith(sys.prefix), "no gentrain._native in the wheel"
maps = open("/proc/self/maps").read()
for name in ("libgentrain.so.0", "libopenblas.so.0"):
    paths = {line.split()[-1] for line in maps.splitlines() if line.endswith(name)}
    assert paths and all(p.startswith(sys.prefix) for p in paths), (name, paths)
print("wheel ok:", gentrain.__file__, "loss", round(loss.item(), 4))
PY
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
hide=""
for lib in libopenblas.so.0 libdnnl.so.2 libgfortran.so.5 libgomp.so.1; do
  path=$(ldconfig -p | sed -n "s/^\s*$lib (.*x86-64.*) => //p" | head -1)
  [ -n "$path" ] && hide="$hide mount --bind /dev/null '$(readlink -f "$path")';"
done
cd "$work"
if unshare -m true 2>/dev/null; then
  env -u GENTRAIN_LIBRARY unshare -m sh -c "set -e; mount -t tmpfs tmpfs '$toolchain'; $hide '$work/venv/bin/python' '$work/check.py'"
else
  echo "cannot create a mount namespace here (needs root): the wheel runs with the system's libraries visible"
  env -u GENTRAIN_LIBRARY "$work/venv/bin/python" "$work/check.py"
fi
