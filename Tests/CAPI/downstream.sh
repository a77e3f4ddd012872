#!/bin/sh
# examples/downstream built the two usual ways: with find_package(gentrain) against an install in a
# scratch prefix and against the build folder itself, and with pkg-config, whose flags carry the
# run path — so each program loads the libgentrain it was built against, not another one the
# system may have.
set -e
root="$1" build="$2"
prefix="$build/downstream-prefix"
rm -rf "$prefix" "$build/downstream-build" "$build/downstream-build-tree"
cmake --install "$build" --prefix "$prefix" > /dev/null
cmake -S "$root/examples/downstream" -B "$build/downstream-build" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$build/downstream-build" > /dev/null
"$build/downstream-build/app"
cmake -S "$root/examples/downstream" -B "$build/downstream-build-tree" -Dgentrain_DIR="$build" > /dev/null
cmake --build "$build/downstream-build-tree" > /dev/null
"$build/downstream-build-tree/app"
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs gentrain)
echo "$flags" | grep -q -- "-lgentrain"
cc "$root/examples/downstream/main.c" $flags -o "$build/downstream-pkgconfig"
loaded=$(ldd "$build/downstream-pkgconfig" | sed -n 's/^\s*libgentrain.so.0 => \(\S*\).*/\1/p')
[ "$(readlink -f "$loaded")" = "$(readlink -f "$prefix/lib/libgentrain.so.0")" ]
"$build/downstream-pkgconfig"
