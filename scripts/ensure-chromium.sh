#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium, for the browser tests (playwright-core drives
# the system browser: these machines reach Debian mirrors but not Playwright's browser downloads).
# Idempotent: does nothing when chromium is already installed. Needs root (or sudo) to install.
exec bash "$(dirname "$0")/ensure-apt-package.sh" /usr/bin/chromium chromium
