#!/bin/sh
# Every function declared in include/gentrain.h is called by a C test program.
root="$1"
declared=$(grep -ohE '\bgentrain_[a-z0-9_]+[[:space:]]*\(' "$root/include/gentrain.h" | tr -d ' (' | sort -u)
missing=""
for f in $declared; do
  cat "$root"/Tests/CAPI/test_*.c | grep -q "\b$f\b" || missing="$missing $f"
done
if [ -n "$missing" ]; then
  echo "not called by Tests/CAPI/test_*.c:$missing"
  exit 1
fi
echo "all $(echo "$declared" | wc -l) declared functions are called"
