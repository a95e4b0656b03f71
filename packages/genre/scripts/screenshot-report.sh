#!/bin/sh
# Renders a timbre HTML report in headless Chromium (Debian's `chromium`) and saves a PNG, to check
# that the self-contained report (inline SVG, no network) displays. Usage:
#   packages/genre/scripts/screenshot-report.sh runs/genre/report.html [out.png] [width,height]
set -eu
report="${1:?usage: screenshot-report.sh REPORT.html [OUT.png] [WIDTH,HEIGHT]}"
out="${2:-${report%.html}.png}"
size="${3:-1200,1600}"
[ -f "$report" ] || { echo "screenshot-report: $report: no such file" >&2; exit 1; }
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "screenshot-report: no chromium on PATH (Debian: apt-get install chromium)" >&2; exit 1; }
abs="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
outabs="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
# --disable-background-networking etc.: the report must render with no network at all.
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --no-first-run --user-data-dir="$profile" --hide-scrollbars --window-size="$size" \
  --screenshot="$outabs" "file://$abs" >/dev/null 2>&1
[ -s "$outabs" ] || { echo "screenshot-report: chromium wrote no screenshot" >&2; exit 1; }
echo "$outabs"
