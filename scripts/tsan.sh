#!/usr/bin/env bash
# The C tests against libgentrain built with ThreadSanitizer (its Swift and C code): the tests
# that use the library from several threads at once — independent models on four host threads
# (test_contract), the data-parallel process groups on threads (test_distributed) — and the rest
# of the C suite, whose kernels run on the engine's pool; then the Python tests that call it from
# several Python threads (test_threads, test_native, test_distributed: ctypes releases the GIL),
# with the sanitizer's runtime preloaded into the interpreter. Exits non-zero on any report.
#
# The standard library is linked in uninstrumented, so two of its orderings are invisible to the
# sanitizer: the engine's lock announces itself (Swift flag GENTRAIN_TSAN, ThreadLocal.swift), and
# the one-time initialization of globals is suppressed (Tests/TSan/suppressions.txt, with the
# deliberate misuse test of one model trained from two threads).
#
#   scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out="$root/build-tsan"
mkdir -p "$out/contract"

echo "== building libgentrain with ThreadSanitizer =="
mapfile -t tuning < "$root/cmake/swift-flags.txt"
swift build -c release --product gentrain -Xswiftc -static-stdlib "${tuning[@]}" \
  -Xswiftc -sanitize=thread -Xcc -fsanitize=thread -Xswiftc -DGENTRAIN_TSAN \
  --scratch-path "$root/.build-tsan" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
libdir="$root/.build-tsan/release"
ln -sf libgentrain.so "$libdir/libgentrain.so.0"   # its SONAME

# The toolchain's ThreadSanitizer runtime intercepts libdispatch too: link the toolchain's.
runtime="$(dirname "$(dirname "$(command -v swift)")")/lib/swift/linux"
for t in test_capi test_contract test_distributed; do
  clang -fuse-ld=lld -fsanitize=thread -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L "$root/Tests/CAPI/$t.c" -I "$root/include" \
    -L "$libdir" -lgentrain -lm -pthread -L "$runtime" -ldispatch -lBlocksRuntime \
    -Wl,-rpath,"$libdir" -Wl,-rpath,"$runtime" -o "$out/$t"
done

export TSAN_OPTIONS="halt_on_error=1 report_signal_unsafe=0 suppressions=$root/Tests/TSan/suppressions.txt"
export GENTRAIN_MAX_ALLOC_BYTES=$((256 << 20))
echo "== C tests under ThreadSanitizer =="
"$out/test_capi" "$root/Tests/GentrainTests/Golden"
"$out/test_contract" "$out/contract"
"$out/test_distributed"

echo "== Python tests on host threads under ThreadSanitizer =="
tsan_runtime=$(ls "$(dirname "$(dirname "$(command -v swift)")")"/lib/clang/*/lib/linux/libclang_rt.tsan-x86_64.so | head -1)
GENTRAIN_PYTHON_NATIVE=0 GENTRAIN_LIBRARY="$libdir/libgentrain.so.0" PYTHONPATH="$root/bindings/python" \
  LD_PRELOAD="$tsan_runtime $runtime/libdispatch.so $runtime/libBlocksRuntime.so" LD_LIBRARY_PATH="$runtime" \
  python3 -m pytest -q -p no:cacheprovider "$root/bindings/python/tests/test_threads.py" \
  "$root/bindings/python/tests/test_native.py" "$root/bindings/python/tests/test_distributed.py"
