#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The architecture of user/, checked on the objects the build made (what
# is really called, not what is included):
#   - a folder uses only its own files and the folders below it;
#   - no two files call into each other.
# Levels, top to bottom (README: Architecture). Folders on one level do
# not use each other.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
declare -A LEVEL=(
	[cli]=7
	[sensor]=6 [hub]=6
	[bus]=5
	[feed]=4
	[kernel]=3
	[rules]=2 [privacy]=2 [enrich]=2 [metrics]=2
	[lib]=1
)
fail=0
objs=
for src in user/*/*.c; do
	o=$BUILD/obj/${src#user/}
	o=${o%.c}.o
	[ "$o" -nt "$src" ] || { echo "$o: missing or older than $src: run make first" >&2; exit 1; }
	objs+=" $o"
done
for f in user/*/; do
	d=$(basename "$f")
	[ -n "${LEVEL[$d]:-}" ] || { echo "user/$d: a folder with no level in $0"; fail=1; }
done
# "file defined-symbol" and "file used-symbol" lines; file: folder/name.
# shellcheck disable=SC2086
uses=$(for o in $objs; do
	rel=${o#"$BUILD"/obj/}
	rel=${rel%.o}
	nm "$o" | awk -v f="$rel" '$1 == "U" { print "U", f, $2 } NF == 3 && $2 ~ /^[TDBR]$/ { print "D", f, $3 }'
done | awk '
	$1 == "D" { def[$3] = $2; next }
	{ use[++n] = $2 " " $3 }
	END {
		for (i = 1; i <= n; i++) {
			split(use[i], u, " ")
			if ((u[2] in def) && def[u[2]] != u[1])
				print u[1], def[u[2]], u[2]
		}
	}' | sort -u)
while read -r from to sym; do
	[ -n "$from" ] || continue
	fd=${from%%/*} td=${to%%/*}
	[ "$fd" = "$td" ] && continue
	if [ "${LEVEL[$fd]:-0}" -le "${LEVEL[$td]:-0}" ]; then
		echo "user/$from.c uses $sym of user/$to.c: $fd may not use $td (levels ${LEVEL[$fd]:-?} and ${LEVEL[$td]:-?})"
		fail=1
	fi
done <<<"$uses"
# Pairs of files that call each other.
pairs=$(awk '{ print $1, $2 }' <<<"$uses" | sort -u)
while read -r a b; do
	[ -n "$a" ] || continue
	if [[ "$a" < "$b" ]] && grep -qx "$b $a" <<<"$pairs"; then
		echo "user/$a.c and user/$b.c call each other:" \
			"$(awk -v a="$a" -v b="$b" '($1 == a && $2 == b) || ($1 == b && $2 == a) { printf " %s", $3 }' <<<"$uses")"
		fail=1
	fi
done <<<"$pairs"
[ $fail -eq 0 ] && echo "layers: $(wc -w <<<"$objs") objects, every use points down, no two files call each other"
exit $fail
