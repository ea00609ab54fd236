#!/usr/bin/env bash
# Builds the ONNX importer's libFuzzer target (tools/qc-import-fuzzer) in its
# own build dir and runs it for SECONDS (default 60), starting from a seed
# corpus of the importer's lit-test models (test/Import/make_onnx.py).
#
#   bash scripts/fuzz.sh [SECONDS]
#
# Environment: QC_FUZZ_BUILD_DIR (default build-fuzz/), QC_FUZZ_JOBS (ninja
# -j, default: ninja's), QC_FUZZ_ARGS (extra libFuzzer flags). Prints the
# number of executions; exits non-zero if the fuzzer found a crash, leak or
# bad diagnostic (the input is kept in $QC_FUZZ_BUILD_DIR/fuzz-artifacts/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=${QC_FUZZ_BUILD_DIR:-$root/build-fuzz}
python=/usr/bin/python3

# libFuzzer and ASan runtimes come with Debian's compiler-rt package.
if ! dpkg -s libclang-rt-22-dev >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends libclang-rt-22-dev >/dev/null
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DQC_ENABLE_FUZZER=ON >/dev/null
fi
start=$(date +%s)
ninja -C "$build" ${QC_FUZZ_JOBS:+-j"$QC_FUZZ_JOBS"} qc-import-fuzzer
echo "fuzz: build took $(( $(date +%s) - start )) s"

# Seeds: every make_onnx.py case, valid or deliberately broken.
seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
mkdir -p "$seeds" "$corpus" "$artifacts"
for c in $("$python" "$root/test/Import/make_onnx.py" --list); do
  [ -f "$seeds/$c.onnx" ] || "$python" "$root/test/Import/make_onnx.py" "$c" "$seeds/$c.onnx"
done

log=$build/fuzz.log
# The inputs that once failed (test/Import/Inputs/fuzz-*.onnx) first, once
# each: the harness must accept what the importer now says about them.
if ! "$build/bin/qc-import-fuzzer" "$root"/test/Import/Inputs/fuzz-*.onnx >"$log" 2>&1; then
  tail -n 25 "$log"
  echo "fuzz: FAILED on a regression input; see $log" >&2
  exit 1
fi
set +e
"$build/bin/qc-import-fuzzer" "$corpus" "$seeds" \
  -max_total_time="$seconds" -print_final_stats=1 -timeout=20 \
  -rss_limit_mb=4096 -max_len=65536 \
  -dict="$root/tools/qc-import-fuzzer/onnx.dict" \
  -artifact_prefix="$artifacts/" ${QC_FUZZ_ARGS:-} >"$log" 2>&1
status=$?
set -e
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
tail -n 25 "$log" | grep -v '^stat::' || true
echo "fuzz: ${execs:-0} executions in ${seconds} s (corpus $(ls "$corpus" | wc -l) inputs)"
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (libFuzzer exit $status); see $log and $artifacts/" >&2
  exit "$status"
fi
