#!/bin/sh
# Fault injection: a training step and a checkpoint save run with the N-th tensor-buffer request
# failing, for N = 1, 2, ... until a run in which no request failed (every request of the step
# has then failed once). Each run must end with an out-of-memory error and recover, never crash.
program="$1" work="$2"
n=1
while :; do
  result=$(GENTRAIN_FAIL_ALLOC=$n "$program" "$work" --fault) || { echo "GENTRAIN_FAIL_ALLOC=$n: the process failed ($result)"; exit 1; }
  [ "$result" = "no fault" ] && break
  n=$((n + 1))
  [ $n -le 5000 ] || { echo "more than 5000 buffer requests in one step?"; exit 1; }
done
echo "$((n - 1)) buffer requests each failed once: all reported out of memory and recovered"
