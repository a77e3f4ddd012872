#!/usr/bin/env bash
# Builds libgentrain with AddressSanitizer (and the engine's code with coverage for the fuzzer),
# the fuzz targets and the C tests with ASan + UBSan, then:
#   1. runs the C tests (test_capi, test_contract, test_distributed) against the sanitized library;
#   2. replays every regression input in Tests/Fuzz/regressions/<target>/;
#   3. fuzzes each target for SECONDS seconds (default 120) from the seed corpus.
# Exits non-zero on any crash, sanitizer report or failed test; a crash input is left in
# build-fuzz/crashes/<target>/ — copy it to Tests/Fuzz/regressions/<target>/ once fixed.
#
# The random seed is fixed (GENTRAIN_FUZZ_RANDOM_SEED, default 1), so that a run retraces the
# inputs of an earlier run on the same build as far as its time allows.
#
#   Tests/Fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds="${1:-120}"
out="$root/build-fuzz"
mkdir -p "$out"

# The library: the same release build as CMake's (its flags), with ASan and edge coverage in the Swift code.
echo "== building libgentrain with ASan =="
mapfile -t tuning < "$root/cmake/swift-flags.txt"
swift build -c release --product gentrain -Xswiftc -static-stdlib "${tuning[@]}" \
  -Xswiftc -sanitize=fuzzer,address \
  --scratch-path "$root/.build-asan" > "$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
libdir="$root/.build-asan/release"
ln -sf libgentrain.so "$libdir/libgentrain.so.0"   # its SONAME

cc="clang -fuse-ld=lld"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
link=(-I "$root/include" -L "$libdir" -lgentrain -lm -pthread -Wl,-rpath,"$libdir")
$cc $san -fsanitize=fuzzer "$root/Tests/Fuzz/fuzz_capi.c" "${link[@]}" -o "$out/fuzz_capi"
$cc $san -fsanitize=fuzzer "$root/Tests/Fuzz/fuzz_load.c" "${link[@]}" -o "$out/fuzz_load"
$cc $san -std=c11 -D_POSIX_C_SOURCE=200809L "$root/Tests/CAPI/test_capi.c" "${link[@]}" -o "$out/test_capi"
$cc $san -std=c11 -D_POSIX_C_SOURCE=200809L "$root/Tests/CAPI/test_contract.c" "${link[@]}" -o "$out/test_contract"
$cc $san -std=c11 -D_POSIX_C_SOURCE=200809L "$root/Tests/CAPI/test_distributed.c" "${link[@]}" -o "$out/test_distributed"

# The Swift runtime keeps metadata caches for the life of the process: not leaks.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1"
export LSAN_OPTIONS="suppressions=$root/Tests/Fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# A tensor buffer over 256 MiB is an out-of-memory error in the C tests (their shapes reach 2^62).
export GENTRAIN_MAX_ALLOC_BYTES=$((256 << 20))

echo "== C tests under ASan + UBSan =="
"$out/test_capi" "$root/Tests/GentrainTests/Golden"
mkdir -p "$out/contract"
"$out/test_contract" "$out/contract"
"$out/test_distributed"

# The fuzz targets: over 8 MiB. The limit's paths are fuzzed all the same, and a program of 64
# steps on buffers near the limit stays far below the timeout (at 256 MiB, a chain of
# broadcasting products reached 10^8 elements and 20 s under ASan: a slow input, not a finding).
export GENTRAIN_MAX_ALLOC_BYTES=$((8 << 20))

echo "== fuzz seed corpus =="
rm -rf "$out/corpus"
mkdir -p "$out/corpus/fuzz_capi" "$out/corpus/fuzz_load"
GENTRAIN_FUZZ_WRITE_CORPUS="$out/corpus/fuzz_load" "$out/fuzz_load"
GENTRAIN_FUZZ_WRITE_CORPUS="$out/corpus/fuzz_capi" "$out/fuzz_capi"

status=0
for target in fuzz_capi fuzz_load; do
  regressions="$root/Tests/Fuzz/regressions/$target"
  if compgen -G "$regressions/*" > /dev/null; then
    echo "== $target: regression inputs =="
    "$out/$target" -runs=0 "$regressions"/* 2>&1 | tail -2
  fi
  echo "== $target: ${seconds}s =="
  rm -rf "$out/crashes/$target"
  mkdir -p "$out/crashes/$target"
  if ! "$out/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=4096 \
       -seed="${GENTRAIN_FUZZ_RANDOM_SEED:-1}" -print_final_stats=1 -artifact_prefix="$out/crashes/$target/" "$out/corpus/$target" \
       > "$out/$target.log" 2>&1; then
    failed=1
    # A timeout is a finding when the input hangs; one that finishes given 10 minutes is slow
    # (a sanitizer build's speed on a large but valid program): reported, not failed.
    slow=""
    for input in "$out/crashes/$target"/timeout-*; do
      [ -f "$input" ] || continue
      start=$(date +%s)
      if "$out/$target" -timeout=600 "$input" > /dev/null 2>&1; then
        slow="$slow $(basename "$input") ($(( $(date +%s) - start )) s)"
      else
        slow=""
        break
      fi
    done
    if [ -n "$slow" ] && ! compgen -G "$out/crashes/$target/[!t]*" > /dev/null; then
      failed=0
      echo "$target: slow inputs, each finishing when given the time (not hangs):$slow"
    fi
    [ "$failed" = 0 ] || { status=1; echo "$target found a crash:"; }
    grep -E "ERROR|SUMMARY|runtime error|Fatal error|deadly signal|Test unit written" "$out/$target.log" | head -20
    # The input itself, so that a finding on a machine whose files are gone (CI) can be replayed:
    # base64 -d > input, then "$out/$target" input.
    for input in "$out/crashes/$target"/*; do
      [ -f "$input" ] && { echo "input $(basename "$input") (base64):"; base64 -w 0 "$input"; echo; }
    done
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/$target.log" || true
done
exit $status
