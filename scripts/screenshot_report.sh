#!/usr/bin/env bash
# Render a demo report in headless Chromium and save a full-page PNG, to check that a person
# can read it. Needs Debian's chromium (apt-get install chromium).
#   scripts/screenshot_report.sh seqrdp-demo/report.html report.png [WIDTHxHEIGHT]
set -euo pipefail
report=$(realpath "$1")
out=$(realpath -m "${2:-report.png}")
size=${3:-1200,6000}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size="${size/x/,}" --screenshot="$out" "file://$report" \
  2>/dev/null
echo "$out"
