#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vnis_1k_setup_s and vnis_1k_kernel_kib: 1,000 virtual networks declared
# in the store at once, made by one xcloudd (a VRF and an xcloud device
# each, with their routes and allow-lists): the time until the agent
# reports the last one ready, and the kernel memory (unreclaimable slab +
# vmalloc + per-cpu) they took. The selftest tests/selftests/vnis.sh does
# the work and checks the teardown; this part only reports its figures.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(XCLOUD_VNIS=1000 bash "$here/../selftests/vnis.sh" 2>&1)
rc=$?
setup=$(sed -n 's/^# vnis_setup_s \([0-9.]*\).*/\1/p' <<<"$out")
kib=$(sed -n 's/^# vnis_kernel_kib \([0-9]*\).*/\1/p' <<<"$out")
if [[ -z $setup || -z $kib ]]; then
	echo "# vnis: no figures (status $rc)"
	grep -v '^ok' <<<"$out" | tail -n 20 | sed 's/^/# /'
	exit 0
fi
printf 'BENCH vnis_1k_setup_s %.1f s\n' "$setup"
echo "BENCH vnis_1k_kernel_kib $kib KiB"
grep '^not ok' <<<"$out" | sed 's/^/# vnis: /'
exit 0
