#!/bin/bash
# An import that keeps its word (issue 18): for every ET Open file under
# $BOTSINK_SHARED/rules/et-open/ (2019/ and 2024/), and for all 2024 files
# as one (a set over the limits of the whole set), `rules import --lenient
# --sinkhole S` prints rules that `rules check --sinkhole S` accepts; its
# counts add up to the file's active rules, and agree with what it printed;
# `rules check --lenient --sinkhole S` on the import's output leaves
# nothing out. No lab: nothing is loaded. Skipped (77) without the files.
. "$(dirname "$0")/lib.sh"

ET=${BOTSINK_SHARED:-$ROOT/../shared}/rules/et-open
SINKHOLE=203.0.113.0/24,2001:db8::/32

# import_checks NAME FILE: import FILE, check the output, compare the counts.
import_checks() {
	local name=$1 file=$2 out="$WORK/out.rules" err="$WORK/import.err" active sum
	local whole partly left skipped imported total
	"$BOTSINK" rules import --lenient --sinkhole $SINKHOLE "$file" >"$out" 2>"$err"
	expect_eq "$name: import exit status" "$?" 0
	"$BOTSINK" rules check --sinkhole $SINKHOLE "$out" >/dev/null 2>"$WORK/check.err"
	expect_eq "$name: the import passes rules check" "$?$(head -3 "$WORK/check.err")" 0
	# "FILE: W imported whole, P partly, L left out, S skipped"
	read -r whole partly left skipped < <(sed -n 's/.*: \([0-9]*\) imported whole, \([0-9]*\) partly, \([0-9]*\) left out, \([0-9]*\) skipped$/\1 \2 \3 \4/p' "$err")
	read -r imported total < <(tail -1 "$err" | sed -n 's/.*: imported \([0-9]*\) of \([0-9]*\) rules (.*/\1 \2/p')
	# Active rules: uncommented lines that start with an action.
	active=$(grep -cE '^[[:space:]]*(alert|drop|pass|reject[a-z]*)[[:space:]]' "$file")
	sum=$((whole + partly + left + skipped))
	expect_eq "$name: whole + partly + left out + skipped = active rules" "$sum" "$active"
	expect_eq "$name: the summary line" "$imported $total" "$((whole + partly)) $active"
	expect_eq "$name: rules printed, noted as partly, left out lines" \
		"$(grep -cE '^(alert|drop|pass|reject)' "$out") $(grep -c '^# botsink: sid [0-9]*: dropped' "$out") $(grep -c ': left out: ' "$err")" \
		"$((whole + partly)) $partly $left"
	expect_eq "$name: not imported, by reason, adds up" \
		"$(sed -n 's/.*: not imported: \([0-9]*\) .*/\1/p' "$err" | awk '{ s += $1 } END { print s + 0 }')" \
		"$((left + skipped))"
}

START=$(date +%s%N)
# A set over a limit of the whole set: rules of 16 content chunks on a
# destination each, 2 more than the 32,768 chunks of a rule set hold. The
# last rules of the file go, and the rest passes rules check.
"$PY" -c '
for i in range(32768 // 16 + 2):
    c = "".join("content:\"r%dk%d\"; " % (i, k) for k in range(16))
    print("alert tcp any any -> 10.%d.%d.%d any (%ssid:%d;)" % (i >> 16, (i >> 8) & 255, i & 255, c, i + 1))
' >"$WORK/chunks.rules"
"$BOTSINK" rules import --sinkhole 10.0.0.0/8 "$WORK/chunks.rules" >"$WORK/out.rules" 2>"$WORK/import.err"
expect_eq "content chunks in all: left out" "$(grep ': left out: ' "$WORK/import.err" | cut -d: -f2,3,5 | tr '\n' ';')" \
	"2049: sid 2049: 32784 content chunks; the limit is 32768 (the rules from line 2049 on do not fit);2050: sid 2050: 32784 content chunks; the limit is 32768 (the rules from line 2049 on do not fit);"
"$BOTSINK" rules check --sinkhole 10.0.0.0/8 "$WORK/out.rules" >/dev/null
expect_eq "content chunks in all: the import passes rules check" "$?" 0

shopt -s nullglob
FILES=("$ET"/*/*.rules)
if [ ${#FILES[@]} -eq 0 ]; then
	echo "test_rules_et: no ET Open rules in $ET: skipped"
	exit 77
fi
for f in "${FILES[@]}"; do
	import_checks "${f#"$ET"/}" "$f"
done
# The 2024 files as one: a global limit (45,577 content chunks once).
cat "$ET"/2024/*.rules >"$WORK/all-2024.rules"
import_checks "2024/*.rules as one" "$WORK/all-2024.rules"
cp "$WORK/out.rules" "$WORK/all-2024.imported"
# check --lenient on the source: the same rules left out as by import; on
# the import's output: none.
"$BOTSINK" rules check --lenient --sinkhole $SINKHOLE "$WORK/all-2024.imported" >/dev/null 2>"$WORK/check.err"
expect_eq "check --lenient of the import: status, left out" \
	"$? $(grep -c ': left out: ' "$WORK/check.err")" "0 0"
# check --lenient on a file the parser takes whole (the rules it refuses
# commented out, the line numbers kept): the rules import leaves out.
F="$ET/2019/emerging-malware.rules"
if [ -f "$F" ]; then
	"$BOTSINK" rules import --lenient --sinkhole $SINKHOLE "$F" >/dev/null 2>"$WORK/import.err"
	SKIP=$(grep -v ': left out: ' "$WORK/import.err" | sed -n 's/^[^:]*:\([0-9]*\): .*/\1s\/^\/#\/;/p' | tr -d '\n')
	sed "$SKIP" "$F" >"$WORK/clean.rules"
	"$BOTSINK" rules check --lenient --sinkhole $SINKHOLE "$WORK/clean.rules" >"$WORK/check.out" 2>"$WORK/check.err"
	expect_eq "check --lenient: exit status" "$?" 0
	expect_eq "check --lenient: the rules import left out, none more" \
		"$(grep ': left out: ' "$WORK/check.err" | sed 's/^[^:]*://' | md5sum)" \
		"$(grep ': left out: ' "$WORK/import.err" | sed 's/^[^:]*://' | md5sum)"
	expect_eq "check --lenient: rules kept" "$(sed -n 's/.*: \([0-9]*\) rules, .*OK$/\1/p' "$WORK/check.out")" \
		"$(tail -1 "$WORK/import.err" | sed -n 's/.*: imported \([0-9]*\) of.*/\1/p')"
	"$BOTSINK" rules check --sinkhole $SINKHOLE "$WORK/clean.rules" >/dev/null 2>&1
	expect_eq "check without --lenient: the same file fails" "$?" 2
fi
MS=$((($(date +%s%N) - START) / 1000000))
if [ "$MS" -lt 60000 ]; then pass "all in $MS ms (< 60 s)"; else fail "$MS ms, the bound is 60 s"; fi
finish
