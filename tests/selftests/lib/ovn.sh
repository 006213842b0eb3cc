# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Real OVN on lib/bgp.sh's topology (docs/ovn.md): vr1 and vr2
# are OVN gateway chassis. Sourced after lib/bgp.sh and lib/eip.sh; used
# by tests/selftests/ovn_eip.sh.
#
#   ovn_central_up      NB and SB ovsdb-servers and ovn-northd (Debian's
#                       ovn-central) in the guest's root namespace, on
#                       Unix sockets under $OVN_RUN (or in two steps:
#                       ovn_central_launch, ovn_central_ready)
#   ovn_db_restart DB.. NB's and/or SB's ovsdb-server stopped and started
#                       again on the same file
#   ovn_chassis_up H    chassis H (vr1, vr2): in H's namespace an
#                       ovsdb-server, ovs-vswitchd (the kernel datapath,
#                       openvswitch.ko: one datapath per namespace) and
#                       ovn-controller, system-id H, Geneve tunnels from
#                       H's underlay address; its provider bridge br-ex
#                       (ovn-bridge-mappings physnet:br-ex) is the
#                       host-local provider network: OVN_PROV4/24 and
#                       OVN_PROV6/64 with the same MAC on every chassis,
#                       so the logical router's next hops are the same
#                       wherever its gateway port is bound (or in two
#                       steps: ovn_chassis_ovs, ovn_controller_start)
#   ovn_vm H VM MAC IP GW [IP6 GW6]
#                       a VM: namespace VM, veth into H's br-int as
#                       logical port VM, a TCP server answering with VM
#   ovn_logical_up H..  the logical switch with OVN_VM (VM4 and VM6), the
#                       logical router (IPv4 and IPv6 on both ports, a
#                       default route per family to the chassis' br-ex),
#                       its gateway port in an HA chassis group over H...
#   ovn_source_start    xcloud-ovn on agg (ovn_source_stop)
#
# Each chassis has its own run directory $OVN_RUN/H; the daemons' logs
# are there. The central daemons are stopped by ovn_down (registered with
# on_exit); the chassis' daemons live in the topology's namespaces and go
# with bgp_down.

OVN_RUN=$BGP_RUN/ovn
OVN_PROV4=100.64.0.1		# the chassis' br-ex: the router's next hop
OVN_PROV6=fd00:64::1		# ... IPv6 (on the same link)
OVN_PROV_MAC=02:64:00:00:00:01	# ... the same on every chassis
OVN_GW4=100.64.0.2		# the logical router's gateway port
OVN_GW6=fd00:64::2
OVN_GW_MAC=0a:00:00:00:ff:01
# The logical router's port on the VMs' switch (the VMs' default gateway)
OVN_LR4=10.200.0.1
OVN_LR6=fd00:200::1
declare -A OVN_PID=()

OVN_VM=${OVN_VM:-vm1}		# the logical switch's VM (ovn_vm's name)
OVN_VM_MAC=0a:00:00:00:00:05
XCOVN=$BGP_REPO/userspace/ovn/xcloud-ovn

nbctl() { ovn-nbctl --db="unix:$OVN_RUN/nb.sock" "$@"; }
sbctl() { ovn-sbctl --db="unix:$OVN_RUN/sb.sock" "$@"; }
# ovs-vsctl of chassis $1
ovsctl() { local h=$1; shift; ovs-vsctl --db="unix:$OVN_RUN/$h/db.sock" "$@"; }
# ovn-appctl to chassis $1's ovn-controller (no --unixctl in OVN 23.03:
# found through its pid file)
occtl() { local h=$1; shift; OVN_RUNDIR=$OVN_RUN/$h ovn-appctl -t ovn-controller "$@"; }

ovn_supported() {
	command -v ovsdb-server >/dev/null && command -v ovn-northd >/dev/null &&
		command -v ovn-controller >/dev/null && command -v ovs-vswitchd >/dev/null &&
		modprobe openvswitch 2>/dev/null
}

ovn_down() {
	local p
	for p in northd nb sb; do
		[[ -n ${OVN_PID[$p]:-} ]] || continue
		kill "${OVN_PID[$p]}" 2>/dev/null || true
		wait "${OVN_PID[$p]}" 2>/dev/null || true
	done
	OVN_PID=()
}

# ovn_db_start nb|sb: its ovsdb-server on its file (made before).
ovn_db_start() {
	OVS_RUNDIR=$OVN_RUN ovsdb-server "$OVN_RUN/$1.db" \
		--remote="punix:$OVN_RUN/$1.sock" --unixctl="$OVN_RUN/$1.ctl" \
		--log-file="$OVN_RUN/$1.log" </dev/null >/dev/null 2>&1 &
	OVN_PID[$1]=$!
}

# ovn_db_restart nb|sb...: each stopped (its clients see the connection
# close), then started again on the same file: the same content.
ovn_db_restart() {
	local db
	for db; do
		kill "${OVN_PID[$db]}" 2>/dev/null
		wait "${OVN_PID[$db]}" 2>/dev/null
		rm -f "$OVN_RUN/$db.sock"
	done
	for db; do ovn_db_start "$db"; done
	for db; do bgp_wait 30 test -S "$OVN_RUN/$db.sock" || return 1; done
}

ovn_central_up() { ovn_central_launch && ovn_central_ready; }
# The same in two steps: NB's and SB's servers need no topology, so they
# can start before it (ovn_central_launch) and be finished when the
# chassis come up (ovn_central_ready: ovn-northd, NB initialised).
ovn_central_launch() {
	local db
	mkdir -p "$OVN_RUN" || return 1
	on_exit ovn_down
	ovsdb-tool create "$OVN_RUN/nb.db" /usr/share/ovn/ovn-nb.ovsschema &&
		ovsdb-tool create "$OVN_RUN/sb.db" /usr/share/ovn/ovn-sb.ovsschema || return 1
	for db in nb sb; do ovn_db_start $db; done
}
ovn_central_ready() {
	bgp_wait 30 test -S "$OVN_RUN/nb.sock" -a -S "$OVN_RUN/sb.sock" || return 1
	OVN_RUNDIR=$OVN_RUN ovn-northd --ovnnb-db="unix:$OVN_RUN/nb.sock" \
		--ovnsb-db="unix:$OVN_RUN/sb.sock" --unixctl="$OVN_RUN/northd.ctl" \
		--log-file="$OVN_RUN/northd.log" </dev/null >/dev/null 2>&1 &
	OVN_PID[northd]=$!
	nbctl init
}

# ovn_controller_start H: H's ovs-vswitchd-side is up; (re)start its
# ovn-controller.
ovn_controller_start() {
	local h=$1 c=$OVN_RUN/$1
	OVS_RUNDIR=$c OVN_RUNDIR=$c ip netns exec "$(bgp_ns "$h")" ovn-controller \
		"unix:$c/db.sock" --pidfile="$c/ovn-controller.pid" \
		--log-file="$c/ovn-controller.log" </dev/null >/dev/null 2>&1 &
	OVN_PID[oc-$h]=$!
}

ovn_chassis_up() { ovn_chassis_ovs "$1" && ovn_controller_start "$1"; }
# The same in two steps: ovn_chassis_ovs (the chassis' ovsdb-server,
# ovs-vswitchd, bridges), then ovn_controller_start once ovn-northd runs.
ovn_chassis_ovs() {
	local h=$1 c=$OVN_RUN/$1 ns
	ns=$(bgp_ns "$h")
	mkdir -p "$c" || return 1
	ovsdb-tool create "$c/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	OVS_RUNDIR=$c ip netns exec "$ns" ovsdb-server "$c/conf.db" \
		--remote="punix:$c/db.sock" --unixctl="$c/ovsdb.ctl" \
		--log-file="$c/ovsdb.log" </dev/null >/dev/null 2>&1 &
	bgp_wait 30 test -S "$c/db.sock" || return 1
	ovsctl "$h" --no-wait init -- set Open_vSwitch . \
		external_ids:system-id="$h" external_ids:hostname="$h" \
		external_ids:ovn-remote="unix:$OVN_RUN/sb.sock" \
		external_ids:ovn-encap-type=geneve \
		external_ids:ovn-encap-ip="$(bgp_addr "$h" 4)" \
		external_ids:ovn-bridge-mappings=physnet:br-ex || return 1
	OVS_RUNDIR=$c ip netns exec "$ns" ovs-vswitchd "unix:$c/db.sock" \
		--unixctl="$c/vswitchd.ctl" --log-file="$c/vswitchd.log" \
		</dev/null >/dev/null 2>&1 &
	ovsctl "$h" --timeout=60 -- --may-exist add-br br-int \
		-- set Bridge br-int fail-mode=secure other-config:disable-in-band=true \
		-- --may-exist add-br br-ex \
		-- set Bridge br-ex other-config:hwaddr="$OVN_PROV_MAC" || return 1
	# (nodad: the gateway port solicits OVN_PROV6 at once; the same
	# address on every chassis is no duplicate, each br-ex is a link of
	# its own)
	bgp_nsx "$h" ip link set br-ex up &&
		bgp_nsx "$h" ip addr add "$OVN_PROV4/24" dev br-ex &&
		bgp_nsx "$h" ip addr add "$OVN_PROV6/64" dev br-ex nodad
}

# ovn_vm H VM MAC IP/LEN GW [IP6/LEN GW6]: logical port VM bound on
# chassis H (with an IPv6 address and default route if given).
ovn_vm() {
	local h=$1 vm=$2 mac=$3 ip=$4 gw=$5 ip6=${6:-} gw6=${7:-}
	bgp_ns_add "$vm" || return 1
	ip link add "p-$vm" netns "$(bgp_ns "$h")" mtu 1400 type veth peer name eth0 \
		netns "$(bgp_ns "$vm")" mtu 1400 || return 1
	bgp_nsx "$h" ip link set "p-$vm" up
	bgp_nsx "$vm" ip link set eth0 address "$mac" up
	bgp_nsx "$vm" ip addr add "$ip" dev eth0
	bgp_nsx "$vm" ip route add default via "$gw"
	if [[ -n $ip6 ]]; then
		bgp_nsx "$vm" ip addr add "$ip6" dev eth0 nodad &&
			bgp_nsx "$vm" ip -6 route add default via "$gw6" || return 1
	fi
	ovsctl "$h" add-port br-int "p-$vm" \
		-- set Interface "p-$vm" external_ids:iface-id="$vm" || return 1
	eip_vm_serve "$vm"
}

# The logical topology: switch sw0 with the VM OVN_VM (VM4, VM6), router
# lr0 (lr0-sw0 10.200.0.1/24 and fd00:200::1/64; gateway port lr0-pub on
# the provider network pub, 100.64.0.2/24 and fd00:64::2/64, in HA chassis
# group gw over $@ with falling priorities), default routes 0.0.0.0/0 and
# ::/0 via the chassis' br-ex (OVN resolves them by ARP and ND: no router
# advertisement needed).
ovn_logical_up() {
	local prio=20 h hcg
	nbctl ls-add sw0 -- lsp-add sw0 "$OVN_VM" -- lsp-set-addresses "$OVN_VM" "$OVN_VM_MAC $VM4 $VM6" \
		-- lr-add lr0 -- lrp-add lr0 lr0-sw0 0a:00:00:00:ff:02 "$OVN_LR4/24" "$OVN_LR6/64" \
		-- lsp-add sw0 sw0-lr0 -- lsp-set-type sw0-lr0 router \
		-- lsp-set-addresses sw0-lr0 router -- lsp-set-options sw0-lr0 router-port=lr0-sw0 \
		-- ls-add pub -- lsp-add pub ln-pub -- lsp-set-type ln-pub localnet \
		-- lsp-set-addresses ln-pub unknown -- lsp-set-options ln-pub network_name=physnet \
		-- lrp-add lr0 lr0-pub "$OVN_GW_MAC" "$OVN_GW4/24" "$OVN_GW6/64" \
		-- lsp-add pub pub-lr0 -- lsp-set-type pub-lr0 router \
		-- lsp-set-addresses pub-lr0 router -- lsp-set-options pub-lr0 router-port=lr0-pub \
		-- lr-route-add lr0 0.0.0.0/0 "$OVN_PROV4" \
		-- lr-route-add lr0 ::/0 "$OVN_PROV6" \
		-- ha-chassis-group-add gw || return 1
	for h; do
		nbctl ha-chassis-group-add-chassis gw "$h" "$prio" || return 1
		prio=$((prio - 10))
	done
	hcg=$(nbctl --bare --columns _uuid find HA_Chassis_Group name=gw)
	nbctl set Logical_Router_Port lr0-pub ha_chassis_group="$hcg"
}

# The chassis the gateway port is bound to now (its name), "" if none.
ovn_gw_chassis() {
	local u
	u=$(sbctl --bare --columns chassis find Port_Binding logical_port=cr-lr0-pub)
	[[ -n $u ]] || return 0
	sbctl --bare --columns name list Chassis "$u"
}

# xcloud-ovn on the aggregation node (beside etcd), reading NB and SB;
# log in $BGP_RUN/ovn.log. Stopped by ovn_source_stop (eip_stop ovn).
ovn_source_start() {
	cat >"$BGP_RUN/ovn.conf" <<-EOF
		[ovn]
		nb = unix:$OVN_RUN/nb.sock
		sb = unix:$OVN_RUN/sb.sock
		etcd = $EIP_ETCD
	EOF
	ip netns exec "$(bgp_ns agg)" "$XCOVN" -c "$BGP_RUN/ovn.conf" \
		>>"$BGP_RUN/ovn.log" 2>&1 &
	# shellcheck disable=SC2034,SC2154 # lib/eip.sh's associative array
	EIP_PID[ovn]=$!
}
ovn_source_stop() { eip_stop ovn; }
