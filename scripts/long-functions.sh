#!/usr/bin/env bash
# Lists every function of the project's C++ longer than a limit (default 80 lines), longest first,
# as "LINES  FILE:LINE  FUNCTION". Exits 1 when there is one, so CI or a reviewer can use it as a
# check. Measured by lizard (PyPI), installed on first use into a venv outside the project
# ($LIZARD_VENV, default /work/venvs/lizard, else ~/.cache/engram-bench/lizard).
#
# Counted: the C++ files git tracks (so build outputs never count), less tests/data/ and files that
# say in their first lines that they are generated (tables written by a script).
#   scripts/long-functions.sh            # limit 80
#   scripts/long-functions.sh 60         # another limit
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
limit="${1:-80}"

default_venv=/work/venvs/lizard
[[ -d /work/venvs ]] || default_venv="${XDG_CACHE_HOME:-$HOME/.cache}/engram-bench/lizard"
venv="${LIZARD_VENV:-$default_venv}"
if [[ ! -x "$venv/bin/lizard" ]]; then
  echo "installing lizard into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet lizard
fi

cd "$root"
files=()
while IFS= read -r -d '' file; do
  [[ "$file" == tests/data/* ]] && continue
  head -n 5 "$file" | grep -qiE 'generated (by|from)|do not edit' && continue
  files+=("$file")
done < <(git ls-files -z -- '*.cc' '*.h' '*.cpp' '*.hpp')

# lizard's CSV: nloc, ccn, tokens, params, length, location, file, name, long name, start, end.
"$venv/bin/lizard" --languages cpp --csv "${files[@]}" | "$venv/bin/python" -c '
import csv, sys
limit = int(sys.argv[1])
rows = [r for r in csv.reader(sys.stdin) if len(r) >= 11 and r[4].isdigit() and int(r[4]) > limit]
rows.sort(key=lambda r: -int(r[4]))
for r in rows:
    print(f"{int(r[4]):5d}  {r[6]}:{r[9]}  {r[7]}")
print(f"{len(rows)} function(s) over {limit} lines", file=sys.stderr)
sys.exit(1 if rows else 0)
' "$limit"
