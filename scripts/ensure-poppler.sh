#!/usr/bin/env bash
# Makes sure poppler's pdftoppm is at /usr/bin/pdftoppm: the print test renders the PDF that Chromium
# prints to an image and reads its QR code (test/e2e/cardsPrint.test.ts).
# Idempotent: does nothing when poppler-utils is already installed. Needs root (or sudo) to install.
set -euo pipefail

PDFTOPPM=/usr/bin/pdftoppm
if [ -x "$PDFTOPPM" ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
  else
    echo "ensure-poppler: $PDFTOPPM is missing and we are not root; install it with: apt-get install -y poppler-utils" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Two test runs may start at once: take apt's own lock wait rather than failing on a held lock.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends poppler-utils >/dev/null

if [ ! -x "$PDFTOPPM" ]; then
  echo "ensure-poppler: apt-get finished but $PDFTOPPM is still missing" >&2
  exit 1
fi
echo "ensure-poppler: installed $("$PDFTOPPM" -v 2>&1 | head -n 1)"
