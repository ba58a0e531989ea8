#!/usr/bin/env bash
# Fuzz smoke test for CI: runs every Fuzz target in the module briefly, one
# at a time (go test -fuzz takes one target in one package per run), on top
# of the committed corpus in each package's testdata/fuzz/. A failure prints
# the input and leaves it under testdata/fuzz/<Target>/ so it can be
# committed as a regression seed.
#
# Usage: scripts/fuzz-smoke.sh [fuzztime per target, default $FUZZTIME or 20000x]
# The default is a count of executions, not a duration: with a duration,
# Go 1.26's fuzz coordinator can report a spurious "context deadline
# exceeded" failure when the time runs out mid-run (golang/go#75804, fixed
# in Go 1.27), which would fail CI with no failing input at all.
# Targets are found automatically; at 20000 executions each the whole run
# takes about two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${1:-${FUZZTIME:-20000x}}"

# Discover targets: `go test -list` prints matching names, then "ok <pkg>".
# A package that does not build fails the run here, before any fuzzing.
listing=$(go test -run '^$' -list '^Fuzz' ./...)
targets=()
pending=()
while read -r line; do
  case "$line" in
    Fuzz*) pending+=("$line") ;;
    ok*)
      pkg=$(awk '{print $2}' <<<"$line")
      for t in "${pending[@]:-}"; do [ -n "$t" ] && targets+=("$pkg $t"); done
      pending=()
      ;;
  esac
done <<<"$listing"

if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz-smoke: no Fuzz targets found" >&2
  exit 1
fi

start=$SECONDS
for entry in "${targets[@]}"; do
  read -r pkg target <<<"$entry"
  echo "== $target ($pkg) for $fuzztime"
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
done
echo "fuzz-smoke: ${#targets[@]} targets passed in $((SECONDS - start))s"
