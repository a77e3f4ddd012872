#!/bin/sh
# The library exports exactly the header's functions, has its SONAME, and carries the Swift
# runtime inside (no libswift* dependency).
root="$1" lib="$2"
declared=$(grep -ohE '\bgentrain_[a-z0-9_]+[[:space:]]*\(' "$root/include/gentrain.h" | tr -d ' (' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -vE '^(_init|_fini|_end|_edata|__bss_start)$' | sort -u)
if [ "$declared" != "$exported" ]; then
  echo "exports differ from the header:"
  diff -u /dev/fd/3 /dev/fd/4 3<<E1 4<<E2
$declared
E1
$exported
E2
  exit 1
fi
readelf -d "$lib" | grep -q 'SONAME.*\[libgentrain.so.0\]' || { echo "SONAME is not libgentrain.so.0"; exit 1; }
if ldd "$lib" | grep -q libswift; then
  echo "depends on the Swift runtime:"; ldd "$lib"; exit 1
fi
echo "exports: $(echo "$exported" | wc -l) functions, SONAME libgentrain.so.0, no libswift dependency"
