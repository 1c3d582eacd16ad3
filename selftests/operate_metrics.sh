#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 240
#
# Watching it under a flood: synguardctl top live, stats -o prometheus
# for node_exporter.
#
#   $CLI: veth0 10.0.1.1  ---- hping3 --flood ---->  $SRV: veth0 10.0.1.2
#         legit_client.py                            echo server :8080
#
# - top, in a tmux pane during the flood, shows nonzero SYN and cookie
#   rates, cookie mode on and the flooded port as the busiest; shrunk,
#   it goes on drawing within the new size; q ends it with status 0;
# - after the flood, with the counters still, stats -o prometheus
#   --all-netns parses with the Prometheus client's parser, every
#   counter of /sys/kernel/synguard/stats/ is there, and summed over the
#   namespaces it equals the sysfs file; the flooded port has its own
#   series (port="8080"), within its namespace's counters.

source "$(dirname "$0")/lib.sh"

PORT=8080
SRV_IP=10.0.1.2

sg_setup_pair hping3 socat tmux python3
if ! python3 -c 'import prometheus_client' 2>/dev/null; then
	sg_missing "no python3-prometheus-client"
fi
ip netns exec "$SRV" sysctl -qw net.ipv4.tcp_syncookies=1
sg_load || { echo "FAIL: insmod synguard"; exit "$ksft_fail"; }
sg_echo_server "$SRV" "$SRV_IP" "$PORT" ||
	{ echo "FAIL: no listener"; exit "$ksft_fail"; }

export TMUX_TMPDIR=$SG_TMPDIR
cleanup()
{
	tmux kill-server 2>/dev/null
	sg_cleanup
}

screen() { tmux capture-pane -p -t top; }

# rates: SYN/s and cookies/s as top shows them now.
rates()
{
	screen | awk '/SYN\/s/ { getline; print $1, $2; exit }'
}

flooded()
{
	local syn cookies

	read -r syn cookies < <(rates)
	[[ "$syn" =~ ^[0-9]+$ && "$cookies" =~ ^[0-9]+$ ]] &&
		((syn > 0 && cookies > 0))
}

# fits W H: the screen is top's frame (title, cookie mode, rates where
# they belong: nothing scrolled or wrapped), within W columns and H rows.
fits()
{
	local -a rows

	mapfile -t rows < <(screen)
	((${#rows[@]} <= $2)) || return 1
	[[ "${rows[0]}" == "synguard "* && "${rows[1]}" == "cookie mode: "* &&
		"${rows[3]}" == *"SYN/s"* ]] || return 1
	printf '%s\n' "${rows[@]}" | awk -v w="$1" 'length > w { exit 1 }'
}

# redrawn BEFORE: the rates row is no longer BEFORE.
redrawn() { [[ "$(rates)" != "$1" ]]; }

sg_flood_start "$CLI" "$SRV_IP" "$PORT"
# A legitimate client through the flood, for validated/s.
sg_legit "$CLI" "$SRV_IP" "$PORT" 6 >/dev/null &
legit=$!
tmux new-session -d -s top -x 100 -y 30 \
	"$SYNGUARD_CTL -n $SRV top; echo \$? >$SG_TMPDIR/top.rc"
if busywait 20000 flooded; then
	sg_pass "top: SYN and cookie rates during the flood ($(rates))"
else
	sg_fail "top: SYN and cookie rates during the flood ($(rates))"
fi
sg_info "top during the flood, 100x30:"$'\n'"$(screen)"
sg_check "top: cookie mode on" grep -q '^cookie mode: ON' <(screen)

# busiest_port: the first row under top's PORT title, and its SYN/s.
busiest_port()
{
	screen | awk '$1 == "PORT" && $2 == "SYN/s" { getline; print $1, $2; exit }'
}
read -r port port_syn < <(busiest_port)
sg_check "top: the flooded port $PORT is the busiest ($port, $port_syn SYN/s)" \
	test "$port" == "$PORT" -a "${port_syn:-0}" -gt 0

tmux resize-window -t top -x 60 -y 12
before=$(rates)
sg_check "top: redraws after a resize" busywait 5000 redrawn "$before"
sg_check "top: within 60x12, nothing wrapped or scrolled" fits 60 12
sg_info "top at 60x12:"$'\n'"$(screen)"
tmux resize-window -t top -x 100 -y 30
sg_check "top: 100x30 again" busywait 5000 fits 100 30

tmux send-keys -t top q
if busywait 5000 test -s "$SG_TMPDIR/top.rc"; then
	sg_check "top: q quits with status 0 ($(cat "$SG_TMPDIR/top.rc"))" \
		test "$(cat "$SG_TMPDIR/top.rc")" -eq 0
else
	sg_fail "top: q quits"
fi
sg_flood_stop
wait "$legit"

# Still counters: every sysfs counter the same a second apart, the
# half-opens of the flood expired.
snap()
{
	local f v

	for f in "$SG_SYSFS"/stats/*; do
		read -r v <"$f"
		echo "${f##*/} $v"
	done
}

still()
{
	local a

	a=$(snap)
	sg_pause 1
	[[ "$a" == "$(snap)" && "$(sg_counter halfopen_current)" -eq 0 ]]
}

"$SYNGUARD_CTL" -n "$SRV" set halfopen_timeout 500
busywait 20000 still || sg_info "the counters did not hold still"
for i in 1 2 3; do
	snap >"$SG_TMPDIR/sysfs.txt"
	"$SYNGUARD_CTL" stats -o prometheus --all-netns >"$SG_TMPDIR/prom.txt"
	[[ "$(snap)" == "$(cat "$SG_TMPDIR/sysfs.txt")" ]] && break
done
sg_info "stats -o prometheus --all-netns, the $SRV part:"$'\n'"$(grep "netns=\"$SRV\"" "$SG_TMPDIR/prom.txt" | head -n 12)"
sg_info "...and its ports:"$'\n'"$(grep "^synguard_port_.*netns=\"$SRV\"" "$SG_TMPDIR/prom.txt")"

# The client's parser reads it; counters summed over the namespaces
# equal sysfs, which counts every namespace; the flooded port's series
# are there, no more than its namespace's.
python3 - "$SG_TMPDIR/prom.txt" "$SG_TMPDIR/sysfs.txt" "$SRV" "$PORT" <<'EOF' ||
import sys
from prometheus_client.parser import text_string_to_metric_families

prom, sysfs, srv, port = sys.argv[1:]
text = open(prom).read()
fams = {f.name: f for f in text_string_to_metric_families(text)}
bad = 0
types = [l.split()[2] for l in text.splitlines() if l.startswith("# TYPE ")]
if len(types) != len(set(types)):
    print("FAIL: prometheus: a metric family's TYPE more than once")
    bad = 1


def value(fam, **labels):
    """The sample of family fam with exactly these labels, or None."""
    f = fams.get(fam)
    for s in f.samples if f else []:
        if s.labels == labels and not s.name.endswith("_created"):
            return s.value
    return None


for name, must_count in (("syn_received", True), ("cookies_sent", True),
                         ("cookies_validated", False)):
    fam = fams.get("synguard_port_" + name)
    v = value("synguard_port_" + name, netns=srv, port=port)
    ns = value("synguard_" + name, netns=srv)
    if fam is None or fam.type != "counter" or not fam.documentation or \
       v is None or ns is None or v > ns or (must_count and v == 0):
        print(f"FAIL: prometheus: synguard_port_{name}_total{{netns=\"{srv}\",port=\"{port}\"}} {v}, the namespace's {ns}")
        bad = 1
    else:
        print(f"PASS: prometheus: synguard_port_{name}_total{{netns=\"{srv}\",port=\"{port}\"}} {v:.0f} of the namespace's {ns:.0f}")
for line in open(sysfs):
    name, value = line.split()
    gauge = name == "halfopen_current"
    fam = fams.get("synguard_" + name)
    want = "gauge" if gauge else "counter"
    if fam is None or fam.type != want or not fam.documentation:
        print(f"FAIL: prometheus: no {want} synguard_{name} with HELP")
        bad = 1
        continue
    total = sum(s.value for s in fam.samples
                if gauge or s.name.endswith("_total"))
    netns = {s.labels.get("netns", "") for s in fam.samples}
    if total != int(value) or srv not in netns or "" not in netns:
        print(f"FAIL: prometheus: synguard_{name} {total} over {sorted(netns)}, sysfs {value}")
        bad = 1
mode = fams.get("synguard_cookie_mode")
if mode is None or mode.type != "gauge":
    print("FAIL: prometheus: no synguard_cookie_mode gauge")
    bad = 1
if not bad:
    print(f"PASS: stats -o prometheus --all-netns parses; every counter of sysfs is there and its sum equals sysfs ({len(fams)} metrics)")
sys.exit(bad)
EOF
	ret=$ksft_fail

exit "$ret"
