#!/usr/bin/env bash
# `npm run demo`: make sure Debian's Fashion-MNIST is there (installing it when we may), build, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
data=/usr/share/datasets/fashion-mnist
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's dataset-fashion-mnist…" >&2
    (apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1; }) \
      || echo "note: could not install dataset-fashion-mnist; the demo will use generated stand-in images" >&2
  else
    echo "note: $data is missing (sudo apt-get install dataset-fashion-mnist); the demo will use generated stand-in images" >&2
  fi
fi
npm run --silent bundle
exec node dist/cli.js demo "$@"
