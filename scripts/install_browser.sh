#!/usr/bin/env bash
# Debian's chromium and chromedriver for the end-to-end tests (never a downloaded browser),
# and small CJK and emoji fonts so that screenshots show 中文 and icons, not boxes.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . && fc-list | grep -qi emoji; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei fonts-noto-color-emoji >/dev/null
