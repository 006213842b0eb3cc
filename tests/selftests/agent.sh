#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xcloudd's switch agent on its own against a real etcd (ports, bindings,
# leases, restarts, bad configuration, a table range in use, names taken,
# 2,000 ports at once): tests/cp/xcloudd.sh, run here because the agent
# puts ports into VRFs and the machine that runs tests/cp may have none.
# Under TCG every veth costs a good fraction of a second: 500 ports at
# once here (2,000 on a host with VRFs).
# xcloud-kernels: stock
export XCLOUD_AGENT_PORTS=${XCLOUD_AGENT_PORTS:-500}
exec "$(dirname "$0")/../cp/xcloudd.sh"
