#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iproute2's `ip link` with link_xcloud.so (userspace/iplink): devices made
# and changed by `ip link add|set ... type xcloud ...` with every
# IFLA_XCLOUD_* attribute, `ip -d -j link show` compared with `xcloudctl
# -j link show` key by key (and with the values given), the text of `ip -d
# link show`, a device made by xcloudctl as ip sees it; ip's usual errors
# for an unknown keyword (as for its own geneve kind), a bad value and a
# duplicate; without the plugin, ip cannot set the attributes at all.
set -euo pipefail
# shellcheck source=tests/selftests/lib.sh
source "$(dirname "$0")/lib.sh"

XC=${XCLOUDCTL:-$PWD/userspace/xcloudctl/xcloudctl}
PLUGIN_DIR=${XCLOUD_IPLIB:-$PWD/userspace/iplink}
[[ -x $XC ]] || skip_all "xcloudctl not built ($XC)"
[[ -f $PLUGIN_DIR/link_xcloud.so ]] || skip_all "link_xcloud.so not built ($PLUGIN_DIR)"
require_cmd ip python3

NS=xl-iplink
netns_add "$NS"
export IP_LIB_DIR=$PLUGIN_DIR
ipn() { ip -n "$NS" "$@"; }
xc() { "$XC" -n "$NS" "$@"; }
in_ns "$NS" ip link add up0 type dummy
in_ns "$NS" ip link add up1 type dummy

# compare DEV KEY=VALUE...: ip's info_data and xcloudctl's object agree on
# every attribute key, and each KEY given has VALUE (JSON) in both.
# xcloudctl's counters (route_count, ...) are not link attributes.
compare() {
	local dev=$1
	shift
	python3 - "$(ipn -d -j link show dev "$dev")" "$(xc -j link show "$dev")" "$@" <<'EOF'
import json, sys
ip = json.loads(sys.argv[1])[0]["linkinfo"]
assert ip["info_kind"] == "xcloud", ip
ip = ip["info_data"]
xc = json.loads(sys.argv[2])
xc = xc[0] if isinstance(xc, list) else xc
attrs = ["vni", "port", "local", "mode", "tunnels", "idle_timeout",
         "source_check", "gateways", "ingress", "max_routes", "max_tunnels",
         "max_allowed", "probe_interval", "probe_multiplier"]
print("ip:        ", json.dumps(ip, sort_keys=True))
print("xcloudctl: ", json.dumps({k: xc[k] for k in attrs if k in xc}, sort_keys=True))
bad = 0
for k in attrs:
    if k in ip and k in xc:
        if ip[k] != xc[k]:
            print(f"{k}: ip {ip[k]!r} != xcloudctl {xc[k]!r}"); bad = 1
    elif k in ip:
        # an attribute this xcloudctl does not know yet (limits)
        print(f"{k}: only ip shows it ({ip[k]!r})")
    elif k in xc:
        print(f"{k}: only xcloudctl shows it ({xc[k]!r})"); bad = 1
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    v = json.loads(v)
    for name, d in (("ip", ip), ("xcloudctl", xc)):
        if k in d and d[k] != v or name == "ip" and k not in d:
            print(f"{k}: {name} shows {d.get(k)!r}, given {v!r}"); bad = 1
sys.exit(bad)
EOF
}

# ip -d link show's text contains TEXT (one line of ip's output).
ip_text() { local dev=$1; shift; ipn -d link show dev "$dev" | grep -qF -- "$*"; }

# --- a device made by ip with every attribute -----------------------------
diag "plugin: $PLUGIN_DIR/link_xcloud.so"
check -d "ip link add xc100 type xcloud with every attribute" \
	ipn link add xc100 type xcloud vni 100 port 7000 local 192.0.2.1 \
	mode gateway tunnels eager idle-timeout 60 ingress up0 source-check off \
	gateways 192.0.2.10,2001:db8::10 max-routes 1000 max-tunnels 100 max-allowed 500 \
	probe-interval 50 probe-multiplier 4
check -d "ip -d -j link show equals xcloudctl link show, and the values given" \
	compare xc100 vni=100 port=7000 local='"192.0.2.1"' mode='"gateway"' \
	tunnels='"eager"' idle_timeout=60 ingress='"up0"' source_check=false \
	gateways='["192.0.2.10","2001:db8::10"]' max_routes=1000 max_tunnels=100 \
	max_allowed=500 probe_interval=50 probe_multiplier=4
check -d "ip -d link show text: every attribute, xcloudctl's words" \
	ip_text xc100 "xcloud vni 100 port 7000 local 192.0.2.1 mode gateway tunnels eager idle-timeout 60 source-check off gateways 192.0.2.10,2001:db8::10 max-routes 1000 max-tunnels 100 max-allowed 500 ingress up0 probe-interval 50 probe-multiplier 4"

# --- ip link set ... type xcloud changes each attribute -------------------
check -d "ip link set xc100 type xcloud: every attribute changed" \
	ipn link set dev xc100 type xcloud port 7001 local 2001:db8::1 mode edge \
	tunnels ondemand idle-timeout 120 ingress up1 source-check on \
	gateways 198.51.100.1 max-routes 2000 max-tunnels 200 max-allowed 600 \
	probe-interval 0 probe-multiplier 5
check -d "after set: ip equals xcloudctl, and the new values" \
	compare xc100 vni=100 port=7001 local='"2001:db8::1"' mode='"edge"' \
	tunnels='"ondemand"' idle_timeout=120 ingress='"up1"' source_check=true \
	gateways='["198.51.100.1"]' max_routes=2000 max_tunnels=200 max_allowed=600 \
	probe_interval=0 probe_multiplier=5
check -d "ip link set: gateways none, ingress none clear them" \
	eval 'ipn link set dev xc100 type xcloud gateways none ingress none &&
	compare xc100 gateways="[]" && ! ip_text xc100 "ingress" &&
	! ip_text xc100 "gateways"'
check -d "ip link set: vni changed" \
	eval 'ipn link set dev xc100 type xcloud vni 4242 && compare xc100 vni=4242'

# --- a device made by xcloudctl, read by ip -------------------------------
check -d "xcloudctl link add xc7 (defaults), IPv6 local" \
	xc link add xc7 vni 7 local 2001:db8::7 tunnels eager
check -d "ip sees xcloudctl's device as xcloudctl does (defaults included)" \
	compare xc7 vni=7 port=6081 local='"2001:db8::7"' mode='"edge"' \
	tunnels='"eager"' idle_timeout=300 source_check=true gateways='[]'

# --- errors ---------------------------------------------------------------
# The usual iproute2 error for an unknown keyword, as its own geneve says it.
check -d "control: ip's geneve kind refuses an unknown keyword: 'geneve: unknown command'" \
	eval '! out=$(ipn link add gv0 type geneve id 1 remote 192.0.2.9 bogus 1 2>&1) &&
	echo "$out" && grep -qF "geneve: unknown command \"bogus\"?" <<<"$out"'
expect_fail_msg -d "unknown keyword: 'xcloud: unknown command \"bogus\"?'" \
	'xcloud: unknown command "bogus"?' ipn link add xc9 type xcloud vni 9 bogus 1
expect_fail_msg -d "the usage follows the unknown keyword" \
	'Usage: ... xcloud vni VNI' ipn link add xc9 type xcloud vni 9 bogus 1
check_fail -d "nothing made by the refused command" ipn link show dev xc9
expect_fail_msg -d "bad value: ip's 'argument is wrong'" \
	'Error: argument "16777216" is wrong: invalid vni' \
	ipn link add xc9 type xcloud vni 16777216
expect_fail_msg -d "bad address: ip's 'argument is wrong'" \
	'Error: argument "192.0.2" is wrong: invalid local address' \
	ipn link add xc9 type xcloud vni 9 local 192.0.2
expect_fail_msg -d "duplicate keyword: ip's duplicate error" \
	'Error: either "mode" is duplicate' \
	ipn link add xc9 type xcloud vni 9 mode edge mode gateway
expect_fail_msg -d "missing value: ip's 'Command line is not complete'" \
	'Command line is not complete' ipn link add xc9 type xcloud vni
expect_fail_msg -d "no options: the kernel's 'VNI is required'" \
	'VNI is required' ipn link add xc9 type xcloud
expect_fail_msg -d "limit 0: ip's 'argument is wrong'" \
	'Error: argument "0" is wrong: invalid limit' \
	ipn link add xc9 type xcloud vni 9 max-routes 0
expect_fail_msg -d "what the kernel refuses, it says (extack)" \
	'local IPv4 address must be unicast' \
	ipn link add xc9 type xcloud vni 9 local 224.0.0.1
check -d "ip link help xcloud lists every keyword" \
	eval 'out=$(ipn link help xcloud 2>&1); for k in vni port local mode tunnels \
	idle-timeout ingress source-check gateways max-routes max-tunnels max-allowed \
	probe-interval probe-multiplier; do
	grep -qw -- "$k" <<<"$out" || { echo "missing $k"; exit 1; }; done'
check -d "without the plugin ip cannot set xcloud's attributes" \
	eval '! IP_LIB_DIR=/nonexistent ipn link add xc9 type xcloud vni 9 2>&1 &&
	! ipn link show dev xc9 2>/dev/null'
check -d "without the plugin ip -d shows no xcloud attribute" \
	eval '! IP_LIB_DIR=/nonexistent ipn -d link show dev xc7 | grep -q "vni 7"'

check -d "ip link del xc100 xc7" eval 'ipn link del xc100 && ipn link del xc7'
