#!/usr/bin/env bash
# Makes sure Debian's chromium-headless-shell is at /usr/bin/chromium-headless-shell, for the browser
# tests (playwright-core drives the system browser: these machines reach Debian mirrors but not
# Playwright's browser downloads). It is Chromium's headless build without the browser's own interface,
# the one Playwright itself runs for headless tests: the full `chromium` in headless mode also starts
# renderers for its tab strip and menus (measured: the language test's Chromium CPU 56 s with it, 32 s
# with the headless shell). Idempotent: does nothing when it is installed. Needs root (or sudo) to install.
exec bash "$(dirname "$0")/ensure-apt-package.sh" /usr/bin/chromium-headless-shell chromium-headless-shell
