#!/usr/bin/env bash
# Debian's chromium and chromedriver for the end-to-end tests (never a downloaded browser),
# and a small CJK font so that screenshots of the 中文 pages show Chinese, not boxes.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null
