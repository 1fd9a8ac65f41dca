#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What `botsink rules import` keeps of a directory of rule files (an ET
# Open download, say): one Markdown table row per *.rules file below DIR,
# with its active rules, those imported whole, partly (keywords dropped
# under --lenient), left out (parsed, but could not be placed) and skipped
# (refused by the parser), the count per reason for the rules not
# imported, and the most common families imported.
#   scripts/et-import-report.sh [--sinkhole PREFIXES] [--strict] [--top N] DIR
# Default: --lenient, --sinkhole 203.0.113.0/24,2001:db8::/32, top 5.
# BOTSINK: the binary (default: build/botsink beside this script).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BOTSINK=${BOTSINK:-$ROOT/build/botsink}
SINKHOLE=203.0.113.0/24,2001:db8::/32
LENIENT=--lenient
TOP=5
usage() {
	echo "usage: $0 [--sinkhole PREFIXES] [--strict] [--top N] DIR" >&2
	exit 2
}
while [ $# -gt 1 ]; do
	case $1 in
	--sinkhole) SINKHOLE=$2; shift 2 ;;
	--strict) LENIENT=; shift ;;
	--top) TOP=$2; shift 2 ;;
	*) usage ;;
	esac
done
if [ $# -ne 1 ] || [ ! -d "$1" ]; then usage; fi
DIR=${1%/}
ERR=$(mktemp /tmp/botsink-et-report-XXXXXX)
trap 'rm -f "$ERR"' EXIT

echo "Imported with \`botsink rules import ${LENIENT:+$LENIENT }--sinkhole $SINKHOLE\`."
echo
echo "| file | active | whole | partly | left out | skipped | not imported, by reason | top families imported |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
totals=(0 0 0 0 0)
while IFS= read -r -d '' f; do
	# shellcheck disable=SC2086
	"$BOTSINK" rules import $LENIENT --families --sinkhole "$SINKHOLE" "$f" >/dev/null 2>"$ERR"
	# "FILE: W imported whole, P partly, L left out, S skipped", then
	# "FILE: not imported: N REASON" and "FILE: family: N NAME" lines.
	read -r whole partly left skipped < <(sed -n 's/.*: \([0-9]*\) imported whole, \([0-9]*\) partly, \([0-9]*\) left out, \([0-9]*\) skipped$/\1 \2 \3 \4/p' "$ERR")
	active=$((whole + partly + left + skipped))
	reasons=$(sed -n 's/.*: not imported: \([0-9]*\) \(.*\)/\2 \1/p' "$ERR" | paste -sd ';' | sed 's/;/, /g')
	families=$(sed -n 's/.*: family: \([0-9]*\) \(.*\)/\2 \1/p' "$ERR" | awk -v n="$TOP" 'NR <= n' | paste -sd ';' | sed 's/;/, /g')
	echo "| ${f#"$DIR"/} | $active | $whole | $partly | $left | $skipped | $reasons | $families |"
	n=("$active" "$whole" "$partly" "$left" "$skipped")
	for i in 0 1 2 3 4; do totals[i]=$((totals[i] + n[i])); done
done < <(find "$DIR" -name '*.rules' -type f -print0 | sort -z)
echo "| all | ${totals[0]} | ${totals[1]} | ${totals[2]} | ${totals[3]} | ${totals[4]} | | |"
