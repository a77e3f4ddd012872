#!/bin/sh
# The MPI backend under mpirun with 2 ranks: collectives and DDP must pass on both ranks, and a
# job whose rank 1 fails must end with an error (not hang: the timeout would fail the test).
# Usage: mpi.sh MPIRUN TEST_DISTRIBUTED
set -u
mpirun=$1 test=$2
run() { timeout 120 "$mpirun" --allow-run-as-root --oversubscribe -np 2 "$@"; }
run "$test" mpi || { echo "FAIL: MPI collectives and DDP"; exit 1; }
out=$(run "$test" mpi-abort 2>&1)
status=$?
if [ $status -eq 0 ] || [ $status -eq 124 ]; then
  echo "FAIL: a failing rank should end the job with an error (status $status)"; echo "$out"; exit 1
fi
echo "$out" | grep -q "rank 1 failed on purpose" || { echo "FAIL: no message from the failing rank"; echo "$out"; exit 1; }
echo "MPI: collectives, DDP and a failing rank pass"
