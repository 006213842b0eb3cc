# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's picture: demo_dot prints a graphviz graph of every host of
# the demo, the path the pings took drawn bold with the packets counted
# on each hop (the D and ED arrays guest.sh filled from the counters).
# Request edges are red, reply edges blue and dashed; act 4's (the EIP
# through OVN) green, its replies dashed; grey lines are the links no
# demo packet crossed.

dot_edge() {	# FROM TO LABEL STYLE
	printf '\t%s -> %s [label="%s", %s];\n' "$1" "$2" "$3" "$4"
}

demo_dot() {
	local req='color=red, fontcolor=red, penwidth=2.5'
	local rep='color=blue, fontcolor=blue, penwidth=2, style=dashed'
	local idle='color=gray60, dir=none, arrowhead=none'
	cat <<-EOF
	digraph xcloud_demo {
		graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.35, ranksep=0.9,
		       label="xcloud demo: $PINGS pings each; edge labels = packets counted on that hop\nred = requests, blue dashed = replies, green = act 4 (EIP through OVN), grey = idle links", labelloc=t];
		node [fontname="Helvetica", fontsize=11, style=filled, fillcolor=white];
		edge [fontname="Helvetica", fontsize=10];

		subgraph cluster_ul {
			label="underlay 10.255.0.0/24"; style=rounded; color=gray70;
			subgraph cluster_A {
				label="cloud A (etcd on ctlA, xcloudd per node)"; style=filled; fillcolor="#eef5ff"; color="#6699cc";
				ctlA [label="ctlA\\netcd A\\nxcloud-coord", shape=cylinder, fillcolor="#ffffee"];
				gwA [label="gwA\\ngateway\\n$(ul_addr gwA)", shape=box, fillcolor="#ddeeff"];
				cnA1 [label="cnA1\\ncompute\\n$(ul_addr cnA1)", shape=box];
				cnA2 [label="cnA2\\ncompute\\n$(ul_addr cnA2)", shape=box];
				vmA1 [label="vmA1\\n$(vm_addr vmA1 4)", shape=ellipse, fillcolor="#ffe0e0"];
				vmA2 [label="vmA2\\n$(vm_addr vmA2 4)", shape=ellipse];
			}
			subgraph cluster_B {
				label="cloud B (etcd on ctlB, xcloudd per node)"; style=filled; fillcolor="#effff0"; color="#66aa66";
				ctlB [label="ctlB\\netcd B", shape=cylinder, fillcolor="#ffffee"];
				gwB [label="gwB\\ngateway\\n$(ul_addr gwB)", shape=box, fillcolor="#ddffdd"];
				gwB2 [label="gwB2\\nsecond gateway (act 2c)\\n$(ul_addr gwB2)", shape=box, fillcolor="#ddffdd"];
				cnB1 [label="cnB1\\ncompute\\n$(ul_addr cnB1)", shape=box];
				vmB1 [label="vmB1\\n$(vm_addr vmB1 4)", shape=ellipse, fillcolor="#ffe0e0"];
			}
		}

		subgraph cluster_eip {
			label="EIP over BGP (pool $BGP_POOL4)"; style=filled; fillcolor="#fff6ea"; color="#cc9955";
			inet [label="inet\\ninternet host\\n$(bgp_inet_addr 4)", shape=house, fillcolor="#ffe0e0"];
			sw1 [label="sw1\\nswitch, BIRD\\nAS ${BGP_AS[sw1]}", shape=box3d];
			sw2 [label="sw2\\nswitch, BIRD\\nAS ${BGP_AS[sw2]}", shape=box3d];
			agg [label="agg\\naggregation node\\n$(bgp_addr agg 4)", shape=box, fillcolor="#ffeecc"];
			vr1 [label="vr1\\nvirtual router 1\\n$(bgp_addr vr1 4)\\nact 4: OVN chassis", shape=box];
			vr2 [label="vr2\\nvirtual router 2\\n$(bgp_addr vr2 4)\\nNAT $EIP -> $VM4\\nact 4: OVN gateway chassis,\\n$EIPO onto br-ex", shape=box, fillcolor="#ffeecc"];
			vm2 [label="vm2\\n$VM4\\n(EIP $EIP)", shape=ellipse, fillcolor="#ffe0e0"];
			$OVN_VM [label="$OVN_VM\\nOVN VM on vr1\\n$VM4\\n(EIP $EIPO, OVN's NAT)", shape=ellipse, fillcolor="#e0ffe0"];
		}

	EOF
	# idle links
	dot_edge gwA cnA2 "" "$idle"
	dot_edge cnA2 vmA2 "" "$idle"
	dot_edge ctlA gwA "" "$idle"
	dot_edge ctlB gwB "" "$idle"
	dot_edge ctlA ctlB "coord" "$idle, style=dotted"
	dot_edge gwA gwB "" "$idle"
	dot_edge sw1 vr1 "" "$idle"
	# cross-cloud request and reply
	dot_edge vmA1 cnA1 "${D[vmA1_cnA1]}" "$req"
	dot_edge cnA1 gwB "tunnel ${D[cnA1_gwB_tx]}" "$req"
	dot_edge gwB cnB1 "relayed ${D[gwB_relayed]}\\ntunnel ${D[gwB_cnB1_tx]}" "$req"
	dot_edge cnB1 vmB1 "${D[cnB1_vmB1]}" "$req"
	dot_edge cnB1 gwA "tunnel ${D[cnB1_gwA_tx]}" "$rep"
	dot_edge gwA cnA1 "relayed ${D[gwA_relayed]}\\ntunnel ${D[gwA_cnA1_tx]}" "$rep"
	# act 2c: 10 ms flows through the two gateways of cloud B, before,
	# while FC is cut and after it is back
	local fo='color=darkorange, fontcolor=darkorange, penwidth=2'
	local g lbl
	for g in gwB gwB2; do
		lbl="act 2c: before ${FO[before_$g]}, $FC cut ${FO[down_$g]}, back ${FO[back_$g]}"
		[[ $g == "$FC" ]] && lbl+="\\n(cut: ${FO[down_gap]} ms gap, back: ${FO[back_lost]} lost)"
		dot_edge cnA1 "$g" "$lbl" "$fo"
		dot_edge "$g" cnB1 "" "$fo, style=dotted"
	done
	# EIP request and reply
	dot_edge inet sw1 "${ED[inet_sw1]}" "$req"
	dot_edge sw1 agg "${ED[sw1_agg]}\\n(BGP next hop)" "$req"
	dot_edge agg vr2 "tunnel ${ED[agg_vr2]}" "$req"
	dot_edge vr2 vm2 "NAT ${ED[vr2_vm]}" "$req"
	dot_edge vr2 sw2 "${ED[vr2_sw2]}" "$rep"
	dot_edge sw2 sw1 "${ED[sw2_sw1]}" "$rep"
	dot_edge sw1 inet "${ED[sw1_inet]}" "$rep"
	# act 4: the EIP through OVN (green): requests solid, replies dashed
	local oreq='color=darkgreen, fontcolor=darkgreen, penwidth=2.5'
	local orep='color=darkgreen, fontcolor=darkgreen, penwidth=2, style=dashed'
	dot_edge inet sw1 "act 4: ${OD[o_inet_sw1]}" "$oreq"
	dot_edge sw1 agg "act 4: ${OD[o_sw1_agg]}" "$oreq"
	dot_edge agg vr2 "act 4: tunnel ${OD[o_agg_vr2]}" "$oreq"
	dot_edge vr2 vr1 "act 4: into OVN ${OD[o_vr2_brex]}\\nOVN Geneve ${OD[o_vr2_vr1]}" "$oreq"
	dot_edge vr1 "$OVN_VM" "act 4: ${OD[o_vr1_vm]}" "$oreq"
	dot_edge vr1 vr2 "act 4: OVN Geneve ${OD[o_vr1_vr2]}\\n(to the gateway: SNAT)" "$orep"
	dot_edge vr2 sw2 "act 4: ${OD[o_vr2_sw2]}" "$orep"
	dot_edge sw2 sw1 "act 4: ${OD[o_sw2_sw1]}" "$orep"
	dot_edge sw1 inet "act 4: ${OD[o_sw1_inet]}" "$orep"
	echo "}"
}
