#!/usr/bin/env bash
# Makes sure poppler's pdftoppm is at /usr/bin/pdftoppm: the print test renders the PDF that Chromium
# prints to an image and reads its QR code (test/e2e/cardsPrint.test.ts).
# Idempotent: does nothing when poppler-utils is already installed. Needs root (or sudo) to install.
exec bash "$(dirname "$0")/ensure-apt-package.sh" /usr/bin/pdftoppm poppler-utils
