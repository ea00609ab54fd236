#!/usr/bin/env bash
# Sets up, builds and runs every qc test: lit (IR, assembly, integration and GoogleTest),
# pytest and a 60 s importer fuzzing run (QC_FUZZ_SECONDS). Ends with one line "N passed, N failed" summing all suites.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${QC_BUILD_DIR:-$root/build}

bash "$root/scripts/setup.sh" || exit 1
bash "$root/scripts/build.sh" qc-opt all || exit 1

passed=0; failed=0
log=$(mktemp)

echo "== lit =="
/usr/lib/llvm-22/bin/lit -sv "$build/test" "$build/test/Unit" 2>&1 | tee "$log"
lit_rc=${PIPESTATUS[0]}
p=$(grep -E '^ *Passed *:' "$log" | grep -oE '[0-9]+' | head -1); p=${p:-0}
f=$(grep -E '^ *(Failed|Unresolved|Timed Out|Unexpectedly Passed) *:' "$log" | grep -oE ' [0-9]+' | awk '{s+=$1} END {print s+0}')
if [ "$lit_rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
passed=$((passed + p)); failed=$((failed + f))

echo "== pytest =="
cd "$root"
QC_COMPILE="$build/bin/qc-compile" /usr/bin/python3 -m pytest -q test/python 2>&1 | tee "$log"
py_rc=${PIPESTATUS[0]}
p=$(tail -1 "$log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
f=$(tail -1 "$log" | grep -oE '[0-9]+ (failed|error|errors)' | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
if [ "$py_rc" != 0 ] && [ "$py_rc" != 5 ] && [ "$f" = 0 ]; then f=1; fi
passed=$((passed + p)); failed=$((failed + f))
rm -f "$log"

# A short libFuzzer run of the ONNX importer (its own ASan build dir); one
# test that fails on any crash, leak or malformed diagnostic.
echo "== fuzz =="
if QC_FUZZ_BUILD_DIR="${QC_FUZZ_BUILD_DIR:-$root/build-fuzz}" \
    bash "$root/scripts/fuzz.sh" "${QC_FUZZ_SECONDS:-60}"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
