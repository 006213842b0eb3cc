#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libxcetcd's calls, watches, compaction handling and mirror against a real
# etcd on loopback. TAP (from the test program).
. "$(dirname "$0")/lib.sh"
make -s -C "$CP_DIR" xcetcd_test >&2 || exit 1
etcd_start one || exit 1
"$CP_DIR/xcetcd_test" "${ETCD_URL[one]}"
