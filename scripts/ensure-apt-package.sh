#!/usr/bin/env bash
# Usage: ensure-apt-package.sh <path of the binary> <Debian package>. Makes sure a tool the tests drive
# is installed (these machines reach Debian mirrors but not other downloads): does nothing when the
# binary is already there, else installs the package with apt-get. Needs root (or sudo) to install.
set -euo pipefail

BINARY=$1
PACKAGE=$2
NAME=$(basename "$0" .sh)
if [ -x "$BINARY" ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
  else
    echo "$NAME: $BINARY is missing and we are not root; install it with: apt-get install -y $PACKAGE" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Two test runs may start at once: take apt's own lock wait rather than failing on a held lock.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$PACKAGE" >/dev/null

if [ ! -x "$BINARY" ]; then
  echo "$NAME: apt-get finished but $BINARY is still missing" >&2
  exit 1
fi
echo "$NAME: installed $PACKAGE"
