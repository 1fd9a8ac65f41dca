#!/bin/bash
# Hostile sizes are bounded: a --sinkhole of 10,000 prefixes (nested,
# repeated, with exclusions) and a rule of 10,000 addresses are built and
# checked in under 0.5 s each (address sets are sorted once, not unioned
# one prefix at a time); 32,767 rules on 8,192 destinations compile in
# under 2 s (each destination asks only the rules that can cover it);
# 100,000 rules are refused in under 1 s (sids are hashed, not searched).
# The bounds are for this optimised binary; the README has the figures.
. "$(dirname "$0")/lib.sh"

# elapsed_ms VAR CMD...: run CMD (output in $WORK/out), its best time of
# three in VAR: a bound on the work, not on what else the machine runs.
elapsed_ms() {
	local var=$1 start t best=
	shift
	for _ in 1 2 3; do
		start=$(date +%s%N)
		"$@" >"$WORK/out" 2>&1
		RC=$?
		t=$((($(date +%s%N) - start) / 1000000))
		[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
	done
	printf -v "$var" '%d' "$best"
}

# within NAME MS LIMIT: a time under its bound.
within() {
	if [ "$2" -lt "$3" ]; then pass "$1: $2 ms < $3 ms"; else fail "$1: $2 ms, the bound is $3 ms"; fi
}

# A list under the 128 KiB limit of one argument: 10,002 prefixes.
SINKHOLE=$("$PY" -c '
v4 = ["10.0.%d.%d" % (i // 256, i % 256) for i in range(6000)]
v6 = ["2001:db8::%x" % i for i in range(2000)]
ex = ["!10.0.%d.%d" % (i // 256, i % 256) for i in range(6000, 8000)]
print(",".join(["10.0.0.0/16", "2001:db8::/32"] + v4 + v6 + ex))')
echo 'alert tcp any any -> 10.0.0.1 80 (sid:1;)' >"$WORK/one.rules"
elapsed_ms MS "$BOTSINK" rules check --sinkhole "$SINKHOLE" "$WORK/one.rules"
expect_eq "10,002-prefix sinkhole: exit status" "$RC" 0
expect_eq "10,002-prefix sinkhole: summary" "$(cat "$WORK/out")" \
	"$WORK/one.rules: 1 rules, 2003 destination entries: OK"
within "10,002-prefix sinkhole" "$MS" 500

# 8,000 addresses compile; 10,000 are more destinations than the table holds.
for n in 8000 10000; do
	"$PY" -c "
a = ','.join('10.0.%d.%d' % (i // 256, i % 256) for i in range(1, $n + 1))
print('alert tcp any any -> [%s] 80 (sid:1;)' % a)" >"$WORK/addr$n.rules"
done
elapsed_ms MS "$BOTSINK" rules check --sinkhole 10.0.0.0/8 "$WORK/addr8000.rules"
expect_eq "8,000-address rule: summary" "$(cat "$WORK/out")" \
	"$WORK/addr8000.rules: 1 rules, 8001 destination entries: OK"
within "8,000-address rule" "$MS" 500
elapsed_ms MS "$BOTSINK" rules check --sinkhole 10.0.0.0/8 "$WORK/addr10000.rules"
expect_eq "10,000-address rule: exit status" "$RC" 2
expect_eq "10,000-address rule: error" "$(cat "$WORK/out")" \
	"$WORK/addr10000.rules: 10001 destination prefixes; the limit is 8192
$WORK/addr10000.rules: 1 rules, 1 errors: FAILED"
within "10,000-address rule" "$MS" 500

seq 0 32766 | awk '{ printf "alert tcp any any -> 10.0.%d.%d any (flags:S; sid:%d;)\n",
	int($1 / 4 / 256), int($1 / 4) % 256, $1 + 1 }' >"$WORK/limit.rules"
elapsed_ms MS "$BOTSINK" rules check "$WORK/limit.rules"
expect_eq "32,767 rules: summary" "$(cat "$WORK/out")" \
	"$WORK/limit.rules: 32767 rules, 8192 destination entries: OK"
within "32,767 rules" "$MS" 2000

seq 1 100000 | awk '{ printf "alert tcp any any -> 203.0.113.1 80 (sid:%d;)\n", $1 }' \
	>"$WORK/many.rules"
elapsed_ms MS "$BOTSINK" rules check --sinkhole 203.0.113.0/24 "$WORK/many.rules"
expect_eq "100,000 rules: exit status" "$RC" 2
expect_eq "100,000 rules: error" "$(cat "$WORK/out")" \
	"$WORK/many.rules:32768: more than 32767 rules: the rules from here on do not fit
$WORK/many.rules: 100000 rules, 1 errors: FAILED"
within "100,000 rules" "$MS" 1000

finish
