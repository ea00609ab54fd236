#!/usr/bin/env bash
# Sets up, builds qc-compile and runs the demo: the example digits CNN is calibrated,
# quantized to int8 and compiled to a shared library; float and int8 are compared.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh" qc-compile
/usr/bin/python3 "$root/examples/digits/demo.py" --build-dir "${QC_BUILD_DIR:-$root/build}"
