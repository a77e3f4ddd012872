#!/bin/sh
# The C example and the Python bindings run with the Swift toolchain hidden (an empty
# tmpfs over its folder in a private mount namespace), as on a user's machine without it.
root="$1" digits="$2" lib="$3"
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
if ! unshare -m true 2>/dev/null; then
  echo "skipped: cannot create a mount namespace here (needs root)"; exit 0
fi
GENTRAIN_LIBRARY="$lib" PYTHONPATH="$root/bindings/python" unshare -m sh -c "
  set -e
  mount -t tmpfs tmpfs '$toolchain'
  test -z \"\$(ls -A '$toolchain')\"
  '$digits' '$root/data/digits.csv' | tail -1
  python3 -c 'import gentrain; x = gentrain.ones(3, requires_grad=True); (x * x).sum().backward(); assert x.grad.tolist() == [2, 2, 2]; print(\"python ok without\", \"$toolchain\")'
"
