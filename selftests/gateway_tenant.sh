#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# rules: 2 3
#
# A tenant next to the host's published service: nobody, in memory
# cgroup $CG, with a user and a network namespace of its own ($T,
# unshare --user --map-root-user --net) in which it publishes a service
# of its own and is flooded there. The host's service is flooded too.
#
#   $CLI: veth0 10.0.1.1  <-->  $HOST: eth0 10.0.1.2        <-->  $SRV: veth0 10.0.2.2
#                                      srv0 10.0.2.1                  echo on 80
#                                      DNAT 8080 -> 10.0.2.2:80
#   $TCLI: veth0 10.0.4.1 <-->  $T: eth0 10.0.4.2           <-->  $TSRV: veth0 10.0.5.2
#          the tenant's flood      srv0 10.0.5.1                  echo on 80
#          (hping3, to 9090)       DNAT 9090 -> 10.0.5.2:80
#                                  gateway_table 65536, set
#                                  by the tenant's own root
#
# Each case runs without synguard (what the kernel does), in `always`,
# and in `auto` with the host's port flooded as well, each time with a
# tenant made after synguard was loaded: both services answer as
# without synguard. With synguard, under the tenant's flood:
# - the host's destination is still learned, with the same options, and
#   its connections are still opened by cookies (cookies_validated);
# - the tenant's table holds only its own destination, the host's only
#   the host's;
# - the tenant's table (65536 destinations, about 3.5 MB) is charged to
#   the tenant's memory cgroup (its memory.current), when its
#   gateway starts and not before; the host's gateway starting charges
#   the tenant nothing.

source "$(dirname "$0")/lib.sh"

CGROOT=/sys/fs/cgroup
CG=$CGROOT/sg-tenant-$$
HOST_IP=10.0.1.2
T_IP=10.0.4.2
T_SLOTS=65536
# The smallest a table of $T_SLOTS can take: 48 bytes an entry.
T_MIN=$((T_SLOTS * 48))

sg_require_root
sg_require_config CONFIG_USER_NS CONFIG_MEMCG
sg_require_cmd hping3 nft python3 setpriv unshare nsenter insmod

if sg_loaded; then
	echo "SKIP: synguard is already loaded"
	exit "$ksft_skip"
fi
if ! grep -qw memory "$CGROOT/cgroup.controllers" 2>/dev/null; then
	echo "FAIL: no cgroup v2 memory controller at $CGROOT"
	exit "$ksft_fail"
fi
echo +memory >"$CGROOT/cgroup.subtree_control" 2>/dev/null
if ! mkdir "$CG"; then
	echo "FAIL: memory cgroup $CG"
	exit "$ksft_fail"
fi

TPID=
cleanup()
{
	[[ -n "$TPID" ]] && kill "$TPID" 2>/dev/null
	sg_cleanup
	rmdir "$CG" 2>/dev/null
}

setup_ns CLI HOST SRV TCLI TSRV || { echo "FAIL: setup_ns"; exit "$ksft_fail"; }
sg_veth_as "$CLI" "$HOST" 1 "$HOST" eth0 &&
	sg_veth_as "$HOST" "$SRV" 2 "$HOST" srv0 ||
	{ echo "FAIL: links"; exit "$ksft_fail"; }
ip netns exec "$HOST" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$HOST" route add default via 10.0.1.1 &&
	ip -n "$SRV" route add default via 10.0.2.1 &&
	ip -n "$TSRV" link set lo up &&
	ip netns exec "$HOST" nft -f - <<NFT || { echo "FAIL: host"; exit "$ksft_fail"; }
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr $HOST_IP tcp dport 8080 dnat to 10.0.2.2:80
	}
}
NFT
sg_peer_serve "$SRV" 0.0.0.0 80 || { echo "FAIL: no listener in $SRV"; exit "$ksft_fail"; }

# tns CMD...: CMD in the tenant's namespaces as its root, which is nobody
# outside them.
tns() { nsenter -t "$TPID" -U -n "$@"; }

tenant_ready()
{
	[[ "$(readlink "/proc/$TPID/ns/user")" != "$(readlink /proc/self/ns/user)" &&
	   "$(cat "/proc/$TPID/comm" 2>/dev/null)" == sleep ]]
}

# tenant_up: nobody's namespaces, made in $CG now (after synguard was
# loaded, so that synguard's state for them is charged there), linked to
# $TCLI and $TSRV, publishing 9090. Sets T and TPID.
tenant_up()
{
	local dev

	# shellcheck disable=SC2016 # expanded by the inner shell
	bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all unshare --user --map-root-user --net \
		sleep 600 &
	TPID=$!
	busywait 5000 tenant_ready || return 1
	T="sg-tenant-$(mktemp -u XXXXXX)"
	ip netns attach "$T" "$TPID" || return 1
	NS_LIST+=("$T")
	for dev in eth0 srv0; do
		ip link add "t$dev" netns "$T" type veth peer name veth0 \
			netns "$([[ $dev == eth0 ]] && echo "$TCLI" || echo "$TSRV")" ||
			return 1
	done
	ip -n "$TCLI" -batch - <<-EOF || return 1
		addr add 10.0.4.1/24 dev veth0
		link set veth0 up
	EOF
	ip -n "$TSRV" -batch - <<-EOF || return 1
		addr add 10.0.5.2/24 dev veth0
		link set veth0 up
		route add default via 10.0.5.1
	EOF
	tns ip -batch - <<-EOF || return 1
		link set lo up
		link set teth0 name eth0
		addr add $T_IP/24 dev eth0
		link set eth0 up
		link set tsrv0 name srv0
		addr add 10.0.5.1/24 dev srv0
		link set srv0 up
		route add default via 10.0.4.1
	EOF
	tns sysctl -qw net.ipv4.ip_forward=1 || return 1
	tns nft -f - <<-NFT || return 1
		table ip nat {
			chain pre {
				type nat hook prerouting priority dstnat;
				ip daddr $T_IP tcp dport 9090 dnat to 10.0.5.2:80
			}
		}
	NFT
	busywait 5000 sg_link_up "$T" eth0 && busywait 5000 sg_link_up "$T" srv0 &&
		sg_peer_serve "$TSRV" 0.0.0.0 80
}

tenant_down()
{
	kill "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	TPID=
	cleanup_ns "$T" "$TSRV"
	# cleanup_ns deleted $TSRV: a new one for the next tenant.
	setup_ns TSRV
}

# cg_bytes: bytes charged to $CG (a table this size may come from kmalloc
# or vmalloc: memory.current counts both).
cg_bytes() { cat "$CG/memory.current"; }

# destinations NS: its gateway destinations, without their ages.
destinations() { "$SYNGUARD_CTL" -n "$1" backends | sed 's/ age [0-9]*ms$//'; }

cases()
{
	local v0 d0 d1 t_vm0 t_vm1 h_vm

	if [[ "$SG_REGIME" != kernel ]]; then
		t_vm0=$(cg_bytes)
		sg_check "$SG_REGIME: the host's gateway learns its service" \
			sg_gw_warm "$HOST" "$CLI" "$HOST_IP" 8080
		h_vm=$(cg_bytes)
		sg_check "$SG_REGIME: the host's gateway starting charged the tenant nothing ($t_vm0 bytes, then $h_vm)" \
			test "$h_vm" -lt $((t_vm0 + T_MIN / 4))
		sg_check "$SG_REGIME: the tenant's root sets its gateway_table" \
			tns "$SYNGUARD_CTL" set gateway_table "$T_SLOTS" syn_rate_low 1
		d0=$(destinations "$HOST")
		v0=$(sg_ns_counter "$HOST" cookies_validated)
	fi

	sg_flood_start "$TCLI" "$T_IP" 9090
	T_FLOOD=$SG_FLOOD_PID
	if [[ "$SG_REGIME" != kernel ]]; then
		sg_check "$SG_REGIME: the tenant's gateway answers its flood" \
			busywait 20000 sg_ns_counter_above "$T" gateway_cookies 100
	else
		sg_pause 3
	fi
	sg_case "the host's published service, next to the tenant's flood" \
		ok - "$HOST" sg_probe "$CLI" "$HOST_IP" 8080
	sg_case "the tenant's published service, under its flood" \
		ok - "$T" sg_probe "$TCLI" "$T_IP" 9090

	if [[ "$SG_REGIME" != kernel ]]; then
		d1=$(destinations "$HOST")
		sg_check "$SG_REGIME: the host's destinations, unchanged by the tenant's flood ($d1)" \
			test "$d1" == "$d0"
		sg_check "$SG_REGIME: ...and its connection opened by a cookie" \
			test "$(sg_ns_counter "$HOST" cookies_validated)" -gt "$v0"
		sg_check "$SG_REGIME: the tenant's table holds its own destination only ($(destinations "$T" | tr '\n' ';'))" \
			test "$(destinations "$T" | cut -d' ' -f1 | sort -u)" == "$T_IP:9090"
		t_vm1=$(cg_bytes)
		sg_info "$SG_REGIME: $CG: $(grep -E '^(kernel|vmalloc|slab_unreclaimable) ' "$CG/memory.stat" | tr '\n' ' ')"
		sg_check "$SG_REGIME: the tenant's table is charged to its memory cgroup ($h_vm bytes, then $t_vm1; at least $T_MIN more)" \
			test "$t_vm1" -ge $((h_vm + T_MIN))
	fi
	sg_flood_stop "$T_FLOOD"
}

sg_ns_counter_above() { (($(sg_ns_counter "$1" "$2") > $3)); }

regimes="kernel always auto"
# auto takes the tenant's table on the path always does, under a flood at
# the host's port as well: make check-all runs it.
if [[ -n "${SYNGUARD_QUICK:-}" ]]; then
	regimes="kernel always"
	sg_skip "auto: SYNGUARD_QUICK (make check-all runs it)"
fi
for SG_REGIME in $regimes; do
	if [[ "$SG_REGIME" != kernel ]]; then
		sg_load mode="$SG_REGIME" ||
			{ sg_fail "insmod synguard mode=$SG_REGIME"; continue; }
	fi
	if ! tenant_up; then
		sg_fail "$SG_REGIME: the tenant's namespaces"
		[[ "$SG_REGIME" != kernel ]] && sg_unload
		continue
	fi
	if [[ "$SG_REGIME" == auto ]]; then
		"$SYNGUARD_CTL" -n "$HOST" set syn_rate_low 1 ||
			sg_fail "auto: set syn_rate_low 1"
		sg_flood_start "$CLI" "$HOST_IP" 8080
		H_FLOOD=$SG_FLOOD_PID
		sg_check "auto: the host's flood starts its cookie mode" \
			busywait 20000 sg_under_attack "$HOST"
	fi
	cases
	[[ "$SG_REGIME" == auto ]] && sg_flood_stop "$H_FLOOD"
	tenant_down
	if [[ "$SG_REGIME" != kernel ]]; then
		sg_check "$SG_REGIME: rmmod synguard" sg_unload
	fi
done
SG_REGIME=

exit "$ret"
