#!/bin/bash
# The guest the harness built: module loaded, right kernel, writable
# results dir, network namespaces and veth pairs usable.
set -euo pipefail
# shellcheck source=tests/selftests/lib.sh
source "$(dirname "$0")/lib.sh"

if [[ ${XCLOUD_LOAD_MODULE:-1} == 1 ]]; then
	check -d "xcloud.ko is loaded" grep -qw '^xcloud' /proc/modules
else
	skip "xcloud.ko is loaded" "harness run with --no-module"
fi

case $XCLOUD_KERNEL in
debug) check -d "debug kernel booted" grep -q xcloud-debug /proc/sys/kernel/osrelease ;;
*) check_fail -d "stock kernel booted" grep -q xcloud-debug /proc/sys/kernel/osrelease ;;
esac

check -d "results dir is writable" touch "$XCLOUD_OUT/.harness-probe"
check -d "dummy link (module autoload on stock)" ip link add xc-dummy0 type dummy
ip link del xc-dummy0 2>/dev/null || true

netns_add xh-a xh-b
veth xh-a va xh-b vb
in_ns xh-a ip addr add 10.99.0.1/24 dev va
in_ns xh-b ip addr add 10.99.0.2/24 dev vb
in_ns xh-a ip link set va up
in_ns xh-b ip link set vb up
check -d "ping across a veth pair between two netns" in_ns xh-a ping -c1 -W5 10.99.0.2
expect_fail_msg -d "expect_fail_msg sees a refusal's message" "Cannot find device" \
	ip link del xc-no-such-dev
