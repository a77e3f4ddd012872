#!/bin/sh
# Installs gentrain into a scratch prefix and builds examples/downstream against it with
# find_package(gentrain), then checks pkg-config too.
set -e
root="$1" build="$2"
prefix="$build/downstream-prefix"
rm -rf "$prefix" "$build/downstream-build"
cmake --install "$build" --prefix "$prefix" > /dev/null
cmake -S "$root/examples/downstream" -B "$build/downstream-build" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$build/downstream-build" > /dev/null
"$build/downstream-build/app"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs gentrain | grep -q -- "-lgentrain"
cc "$root/examples/downstream/main.c" $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs gentrain) \
   -Wl,-rpath,"$prefix/lib" -o "$build/downstream-pkgconfig"
"$build/downstream-pkgconfig"
