#!/bin/bash
# botsink top on a veth lab: in a terminal (tmux, a private server), while
# two families check in at a steady rate, the screen shows both families'
# rates, the matched frames per second, the table fill and the busiest
# sources as pseudonyms, never as their addresses; s ranks them by another
# column, f shows one family, q quits with status 0. Piped, it prints plain
# blocks. With --anon none the addresses do show: the check above can fail.
. "$(dirname "$0")/lib.sh"

SINKHOLE=203.0.113.0/24,2001:db8:5::/48
TMUX_SOCKET="botsink-top-$$"
ZEUS_BOT=198.18.1.1 # 20 SYNs a second, 54 bytes each: the most check-ins
SALITY_BOT=198.18.2.2 # 10 datagrams a second of 342 bytes: the most bytes
SENDERS=
EXTRA_CLEANUP='tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null; [ -n "$SENDERS" ] && kill $SENDERS 2>/dev/null; wait'
tm() { tmux -L "$TMUX_SOCKET" "$@"; }
screen() { tm capture-pane -p -t "${1:-top}"; }

# screen_wait WHAT REGEX [SESSION]: the screen once a line matches (up to 10 s).
screen_wait() {
	for _ in $(seq 50); do
		screen "${3:-top}" | grep -Eq "$2" && return 0
		sleep 0.2
	done
	fail "$1: the screen never showed /$2/:"
	screen "${3:-top}" >&2
	return 1
}

# send_steady PPS PLAN-ITEM: the item sent in the background, PPS frames a
# second; nsenter execs the sender, so that its pid is in SENDERS.
send_steady() {
	local plan
	plan=$(mktemp "$WORK/plan-XXXXXX")
	echo "[$2]" >"$plan"
	nsenter --net="/run/netns/$LAB_BOTS" "$PY" "$ROOT/scripts/lab_send.py" --iface bots0 \
		--dst-mac "$LAB_SINK_MAC" --pps "$1" <"$plan" >/dev/null &
	SENDERS+=" $!"
}

# top_args: the options every botsink top here is run with.
top_args="--pin-dir $PIN_DIR --state-dir $WORK/state"

lab_up "btp$$"
# A key before the daemon's first drain (which would make one): the current
# interval's sources have their pseudonyms at once.
mkdir -m 0700 "$WORK/state"
"$BOTSINK" keys rotate --state-dir "$WORK/state" >/dev/null || fail "keys rotate"
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --interval 30 \
	--feed "$WORK/feed.jsonl" || finish
grep -qx "anon ipcrypt-pfx" "$WORK/state/view" && pass "the daemon wrote its view file" ||
	fail "view file: $(cat "$WORK/state/view")"
expect_eq "view file mode" "$(stat -c %a "$WORK/state/view")" 600

# top_in_tmux SESSION: botsink top in a terminal; when it ends, its exit
# status and the terminal's settings go to $WORK/SESSION.exit.
top_in_tmux() {
	tm new-session -d -s "$1" -x 160 -y 50 \
		"nsenter --net=/run/netns/$LAB_SINK $BOTSINK top $top_args; echo exit=\$? >$WORK/$1.new; stty -a >>$WORK/$1.new; mv $WORK/$1.new $WORK/$1.exit"
}

# ended SESSION WHY: top's exit status, and the terminal as it was before.
ended() {
	for _ in $(seq 50); do [ -s "$WORK/$1.exit" ] && break; sleep 0.1; done
	expect_eq "$2: top's exit status" "$(head -1 "$WORK/$1.exit" 2>/dev/null)" "exit=0"
	grep -Eq '(^| )icanon( |$)' "$WORK/$1.exit" && grep -Eq '(^| )echo( |$)' "$WORK/$1.exit" &&
		pass "$2: the terminal is restored (icanon, echo)" ||
		fail "$2: the terminal after top: $(cat "$WORK/$1.exit" 2>/dev/null)"
}

top_in_tmux top
send_steady 20 "{\"src\":\"$ZEUS_BOT\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":200}"
send_steady 10 "{\"src\":\"$SALITY_BOT\",\"dst\":\"203.0.113.77\",\"proto\":\"udp\",\"dport\":16001,\"payload\":\"$(printf 'x%.0s' $(seq 300))\",\"count\":100}"

# Both families checking in, as rates, a few refreshes in.
screen_wait "zeus rate" '^zeus +[1-9]' && screen_wait "sality rate" '^sality +[1-9]'
sleep 1.5
screen >"$WORK/screen1"
awk '$1 == "zeus" && $2 + 0 > 0 { z = 1 } $1 == "sality" && $2 + 0 > 0 { s = 1 } END { exit !(z && s) }' \
	"$WORK/screen1" && pass "both families check in at a nonzero rate" ||
	fail "family rates: $(grep -E '^(zeus|sality) ' "$WORK/screen1")"
matched=$(awk '$1 == "matched" { print $2; exit }' "$WORK/screen1")
awk -v m="$matched" 'BEGIN { exit !(m + 0 > 0) }' && pass "matched frames/s = $matched" ||
	fail "matched frames/s: '$matched'"
grep -q "TABLES     generation [01]: sources 2 of 65536 (0.0%)" "$WORK/screen1" &&
	pass "table fill: the two sources in the generation being counted" ||
	fail "table fill: $(grep -A1 '^TABLES' "$WORK/screen1")"
grep -Eq "^sources: +as the feed shows them, ipcrypt-pfx, key [0-9a-f]{16}$" "$WORK/screen1" &&
	pass "sources anonymized with the run's key" || fail "anon line: $(grep '^sources:' "$WORK/screen1")"
# The sources pane: two rows, each an IPv4 pseudonym (ipcrypt-pfx keeps the family).
rows=$(awk '/^SOURCE +SID/ { on = 1; next } on && $1 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ { n++ } END { print n + 0 }' "$WORK/screen1")
expect_eq "source rows shown as IPv4 pseudonyms" "$rows" 2
leaked=$(grep -Fwn -e "$ZEUS_BOT" -e "$SALITY_BOT" -e "$LAB_LINK_BOTS" "$WORK/screen1")
[ -z "$leaked" ] && pass "no raw source address anywhere on the screen" ||
	fail "raw addresses on the screen: $leaked"

# SIGWINCH: a smaller terminal gets a screen that fits (it would scroll the
# header away otherwise); then back.
tm resize-window -t top -x 80 -y 24
sleep 1.5
expect_eq "80x24: the first line" "$(screen | head -1 | cut -c1-12)" "botsink top "
# Filled to the bottom: the last row may be a pane's blank separator.
screen | tail -2 | grep -q . && pass "80x24: the screen is filled to its last rows" ||
	fail "80x24: the last rows are empty"
tm resize-window -t top -x 160 -y 50

# first_source: the family of the first source row.
first_source() { screen | awk '/^SOURCE +SID/ { getline; print $3; exit }'; }
expect_eq "ranked by check-ins: the first source is" "$(first_source)" zeus
grep -q "by check-ins; family: all" "$WORK/screen1" && pass "sorted by check-ins" ||
	fail "sort heading: $(grep '^SOURCES' "$WORK/screen1")"
expect_eq "the marked column" "$(grep -Eo '[A-Z-]+\*' "$WORK/screen1")" "CHECK-INS*"
tm send-keys -t top s
screen_wait "s: by packets" 'by packets; family: all' &&
	expect_eq "s: the marked column" "$(screen | grep -Eo '[A-Z-]+\*')" "PACKETS*"
tm send-keys -t top s
screen_wait "s: by bytes" 'by bytes; family: all' &&
	expect_eq "s: the marked column" "$(screen | grep -Eo '[A-Z-]+\*')" "BYTES*"
expect_eq "ranked by bytes: the first source is" "$(first_source)" sality

# f: mirai (no traffic: no rows), then sality: one family in both panes.
tm send-keys -t top f
screen_wait "f: the first family" 'family: mirai' && pass "f: the filter shows mirai"
tm send-keys -t top f
screen_wait "f: the next family" 'family: sality' && sleep 0.3
screen >"$WORK/screen2"
families=$(awk '/^FAMILY / { on = 1; next } on && NF == 0 { exit } on { print $1 }' "$WORK/screen2" | tr '\n' ' ')
expect_eq "f: the family pane" "$families" "sality "
sources=$(awk '/^SOURCE +SID/ { on = 1; next } on && NF { print $3 }' "$WORK/screen2" | sort -u | tr '\n' ' ')
expect_eq "f: the sources pane" "$sources" "sality "
grep -q "^SOURCES    1 this interval" "$WORK/screen2" && pass "f: one source of the family" ||
	fail "f: $(grep '^SOURCES' "$WORK/screen2")"

tm send-keys -t top q
ended top "q"

# SIGTERM ends it as well, the terminal restored.
top_in_tmux term
screen_wait "a second top" '^zeus ' term
kill -TERM "$(pgrep -P "$(tm display-message -p -t term '#{pane_pid}')" botsink)"
ended term "SIGTERM"

# Piped: plain blocks, one per refresh, no escape sequences.
# shellcheck disable=SC2086
lab_sink "$BOTSINK" top $top_args --count 2 --interval 0.5 | cat >"$WORK/piped"
expect_eq "piped top's exit status" "${PIPESTATUS[0]}" 0
expect_eq "piped blocks" "$(grep -cE '^botsink top +20[0-9-]+ [0-9:]+ UTC' "$WORK/piped")" 2
expect_eq "piped blocks naming zeus and sality" \
	"$(grep -cE '^(zeus|sality) ' "$WORK/piped")" 4
grep -q $'\e' "$WORK/piped" && fail "escape sequences in piped output" ||
	pass "no escape sequences in piped output"
grep -Fwq -e "$ZEUS_BOT" -e "$SALITY_BOT" "$WORK/piped" && fail "raw addresses piped" ||
	pass "no raw source address piped"

# --anon none: the run's feed shows addresses, and so does top.
stop_daemon TERM
# shellcheck disable=SC2086
kill $SENDERS 2>/dev/null
# shellcheck disable=SC2086
wait $SENDERS 2>/dev/null
SENDERS=
start_daemon -r "$ROOT/tests/e2e/lab.rules" --sinkhole "$SINKHOLE" --interval 30 \
	--feed "$WORK/feed.jsonl" --anon none || finish
echo "[{\"src\":\"$ZEUS_BOT\",\"dst\":\"203.0.113.10\",\"proto\":\"tcp\",\"dport\":80,\"flags\":\"S\",\"count\":3}]" |
	send_plan >/dev/null
# shellcheck disable=SC2086
lab_sink "$BOTSINK" top $top_args --count 1 --interval 0.2 >"$WORK/none"
grep -Eq "^$ZEUS_BOT +1000001 zeus +3 " "$WORK/none" &&
	pass "--anon none: top shows the raw address" || fail "--anon none: $(grep -A3 '^SOURCE ' "$WORK/none")"
grep -q "^sources: .*none: raw addresses" "$WORK/none" && pass "--anon none: said so" ||
	fail "--anon none: $(grep '^sources:' "$WORK/none")"
stop_daemon TERM
expect_eq "daemon exit status" "$?" 0

# No maps: exit 1.
"$BOTSINK" top --pin-dir "$WORK/nothing" --count 1 >/dev/null 2>&1
expect_eq "top without maps: exit status" "$?" 1
finish
