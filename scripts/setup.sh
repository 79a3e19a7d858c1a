#!/usr/bin/env bash
# Installs everything bnngen and its tests need on Debian 12: Arm and RISC-V cross toolchains, picolibc, QEMU
# (qemu-system-misc holds qemu-system-riscv32), the Fashion-MNIST package, cmake and chromium (report test), then the npm dependencies, then builds.
# Run as root (or with sudo) from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq \
  gcc-arm-none-eabi picolibc-arm-none-eabi qemu-system-arm \
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc \
  dataset-fashion-mnist python3-numpy gcc make cmake chromium >/dev/null
npm ci --no-audit --no-fund
npm run build
