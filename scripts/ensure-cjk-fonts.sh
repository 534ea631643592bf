#!/usr/bin/env bash
# Chinese glyphs for the browser tests' screenshots of the pages (without a CJK font, Debian's
# chromium draws boxes). Idempotent; installs fonts-wqy-zenhei (~10 MB) when no CJK font is present.
# Never fails the tests: the pages work without the font, only the screenshots are unreadable.
set -uo pipefail

if fc-list :lang=zh 2>/dev/null | grep -q .; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "ensure-cjk-fonts: no CJK font and not root; screenshots will show boxes (apt-get install fonts-wqy-zenhei)" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends fonts-wqy-zenhei >/dev/null 2>&1 ||
  { $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq && $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends fonts-wqy-zenhei >/dev/null; } ||
  echo "ensure-cjk-fonts: could not install fonts-wqy-zenhei; screenshots will show boxes" >&2
exit 0
