#!/usr/bin/env bash
# Renders a `compare --format html` page in headless Chromium (Debian's `chromium`) and saves a PNG,
# to look at the page as a reader sees it (tables, charts with their whiskers, the caveats box).
#
#   scripts/screenshot-compare.sh [-o OUT.png] [REPORT.json ...] [-- COMPARE-OPTIONS]
#
# Without reports it compares the report fixtures (tests/report/report_fixtures: a baseline, a run
# with a real drop, and the noise-only run relabelled as a second model so the speed table shows two
# models side by side) with --reference paper:engram-27b. The page is written beside the PNG.
# Needs build/harness/engram-bench (or $ENGRAM_BENCH) and chromium (apt-get install -y chromium).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${ENGRAM_BENCH:-$root/build/harness/engram-bench}
out=$root/build/compare-screenshot.png
reports=()
extra=()
while (($#)); do
  case $1 in
    -o) out=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) reports+=("$1"); shift ;;
  esac
done
command -v chromium >/dev/null || { echo "screenshot-compare: chromium not found (apt-get install -y chromium)" >&2; exit 2; }
[[ -x $bench ]] || { echo "screenshot-compare: $bench not built (ninja -C build engram-bench)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ((${#reports[@]} == 0)); then
  fixtures=$root/tests/report/report_fixtures
  python3 - "$fixtures/current_noise.json" "$work/tiny-moe.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
report["model"]["name"] = report["model"]["spec"] = "tiny-moe"
report["model"]["family"] = "moe"
for row in (report.get("speed") or {}).get("rows", []):
    row["model"] = "tiny-moe"
json.dump(report, open(sys.argv[2], "w"), indent=1)
PY
  reports=("$fixtures/baseline.json" "$fixtures/current_drop.json" "$work/tiny-moe.json")
  ((${#extra[@]})) || extra=(--reference paper:engram-27b)
fi

mkdir -p "$(dirname "$out")"
page=${out%.png}.html
(cd "$root" && "$bench" compare "${reports[@]}" "${extra[@]}" --format html -o "$page")
# A tall window holds the whole page; --no-sandbox because CI containers run as root.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1280,${SCREENSHOT_HEIGHT:-5200} --screenshot="$out" "file://$page" 2>"$work/chromium.log" ||
  { cat "$work/chromium.log" >&2; exit 1; }
echo "page: $page"
echo "screenshot: $out"
