#!/usr/bin/env bash
# Installs every Debian package that qc's build, tests and demo need. Idempotent: packages that
# are already installed are skipped, and apt-get runs only when something is missing.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build ccache pkg-config
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  libonnx-dev libprotobuf-dev protobuf-compiler libgtest-dev zlib1g-dev libzstd-dev
  libclang-rt-22-dev
  # python package, tests, example model
  python3 python3-numpy python3-onnx python3-pytest python3-sklearn python3-torch
  python3-torchvision python3-matplotlib
  # cross compilation (C library and headers of the sysroots) and execution
  # under qemu (bench/run.py installs its own peers)
  qemu-user g++-aarch64-linux-gnu g++-riscv64-linux-gnu
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
