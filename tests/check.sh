#!/bin/bash
# shellcheck disable=SC2030,SC2031 # stages count in subshells on purpose
# `make check`: install what is missing, build, then every test: the
# harness self-test, host-side unit tests, DKMS, KUnit on the debug
# kernel, the selftests on the stock and the debug kernel (in qemu).
# Each stage is timed; the last line is "N passed, N failed, N skipped"
# over every test case. Results (TAP, KTAP, console logs) are kept in
# $XCLOUD_CHECK_OUT (default build/check). See docs/testing.md.
# Usage: tests/check.sh [STAGE...]   (default: every stage, the debug
# kernel's build beside the host tests and the stock guest: see lanes)
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
vm=$repo/tests/vm
out=${XCLOUD_CHECK_OUT:-$repo/build/check}
rm -rf "$out" && mkdir -p "$out"

passed=0 failed=0 skipped=0 problems=()

# count P F S WHAT: add to the totals; WHAT names what failed.
count() {
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
	(($2 == 0)) || problems+=("$4 ($2 failed)")
}

# count_tap WHAT [--loose] FILE STATUS
count_tap() {
	local what=$1 c
	shift
	c=$("$vm/tap-count" "$@" 2>/dev/null | tail -n1) || c="0 1 0"
	# shellcheck disable=SC2086 # three numbers
	count $c "$what"
}

# A guest run's verdict beyond its tests: log check, clean unload, exit.
count_vm_result() { # DIR WHAT
	local f=$1/.vm-result
	if [[ ! -f $f ]]; then
		count 0 1 0 "$2: guest did not run"
	elif grep -qx 'log_check=1' "$f"; then
		count 0 1 0 "$2: kernel log check or module unload, see $(sed -n 's/^log=//p' "$f")"
	fi
}

stage_deps() {
	if [[ -x tests/tools/deps ]]; then
		tests/tools/deps build test
	else
		echo "tests/tools/deps missing" >&2
		return 1
	fi
}

stage_build() {
	make -j"$(nproc)" >"$out/build.log" 2>&1 || { tail -n 60 "$out/build.log"; return 1; }
	echo "build: ok (log: $out/build.log)"
}

stage_harness() {
	local rc=0
	"$vm/check-log-test" >"$out/harness.tap" 2>&1 || rc=$?
	grep '^not ok' "$out/harness.tap" || true
	count_tap "harness self-test (log checker)" "$out/harness.tap" "$rc"
}

# Unit tests that need no kernel: each runner prints TAP. They run with
# the Debian PATH the guests use (tests/vm/guest-init): the packages
# tests/tools/deps installs, not a caller's shims (a pyenv python3 shim
# costs half a second a call, and the control-plane tests poll python).
stage_host_tests() {
	local name rc runner
	local PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	for runner in "make -C userspace test" "tests/cp/run"; do
		name=$(tr ' /' '__' <<<"$runner")
		if [[ $runner == tests/* && ! -x ${runner%% *} ]]; then
			echo "host-tests: $runner not present"
			continue
		fi
		rc=0
		$runner >"$out/$name.tap" 2>&1 </dev/null || rc=$?
		grep -E '^not ok|^Bail out' "$out/$name.tap" || true
		echo "host-tests: $runner: exit $rc (output: $out/$name.tap)"
		count_tap "host tests: $runner" --loose "$out/$name.tap" "$rc"
	done
}

# DKMS as a hypervisor uses it, on the xcloud-dkms package's own source
# (the deb stage's; the repository's kmod/ when that stage did not run):
# add, build for the stock kernel, then DKMS's binaries-only tarball of
# that build for the stock guest's packages.sh, and remove. A DKMS build
# in a TCG guest takes 5-8 minutes; the guest's postinst loads the
# tarball instead, as a distribution's prebuilt module (make
# check-packages lets the guest build).
stage_dkms() {
	local ver kver src rc=0 ko deb tmp on_dkms_done=(true)
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
	kver=$("$vm/kernel-stock")
	kver=${kver%% *}
	src=/usr/src/xcloud-$ver
	deb=$out/deb/xcloud-dkms_${ver}_all.deb
	# dkms makes a signing key on first use; drop it again if it is ours.
	[[ -e /var/lib/dkms/mok.key ]] || on_dkms_done=(rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub)
	dkms remove "xcloud/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src" && mkdir -p "$src"
	if [[ -f $deb ]]; then
		tmp=$(mktemp -d)
		dpkg-deb -x "$deb" "$tmp" && cp -a "$tmp/usr/src/xcloud-$ver/." "$src/"
		rm -rf "$tmp"
		echo "dkms: source from $(basename "$deb")"
	else
		tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' --exclude=kmod/tests \
			dkms.conf Kbuild kmod uapi | tar -xf - -C "$src"
		echo "dkms: source from the repository (no $deb)"
	fi
	{
		dkms add "xcloud/$ver" &&
			dkms build "xcloud/$ver" -k "$kver" --kernelsourcedir "/usr/src/linux-headers-$kver"
	} >"$out/dkms.log" 2>&1 || rc=$?
	ko=$(find "/var/lib/dkms/xcloud/$ver/$kver" -name 'xcloud.ko*' 2>/dev/null | head -n1)
	if ((rc == 0)) && [[ -n $ko ]] &&
		dkms mktarball "xcloud/$ver" -k "$kver" --binaries-only \
			--archive "$out/xcloud-$ver.dkms.tar.gz" >>"$out/dkms.log" 2>&1; then
		echo "dkms: built $ko, tarball $out/xcloud-$ver.dkms.tar.gz"
		count 1 0 0 dkms
	else
		tail -n 40 "$out/dkms.log"
		find "/var/lib/dkms/xcloud/$ver" -name make.log -exec tail -n 40 {} + 2>/dev/null || true
		count 0 1 0 "dkms build for $kver (exit $rc)"
	fi
	dkms remove "xcloud/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
	"${on_dkms_done[@]}"
}

# The Debian packages (make deb: dpkg-buildpackage, then lintian without
# errors), for the dkms stage and the stock guest's packages.sh.
stage_deb() {
	if packaging/build-deb "$out/deb" >"$out/deb.log" 2>&1; then
		echo "deb: $(grep -c '\.deb$' "$out/deb.log") packages, lintian without errors (log: $out/deb.log)"
		count 1 0 0 deb
	else
		tail -n 30 "$out/deb.log"
		count 0 1 0 "make deb (log: $out/deb.log)"
	fi
}

stage_kernels() {
	"$vm/kernel-stock"
	"$vm/kernel-debug"
}

# count_kunit DIR: parse DIR/kunit.ktap with kunit.py and count its cases.
count_kunit() {
	"$vm/kunit-parse" "$1/kunit.ktap" | tee "$1/parse.txt" || true
	# shellcheck disable=SC2046 # three numbers
	count $(sed -n 's/^kunit: pass \([0-9]*\) fail \([0-9]*\) skip \([0-9]*\)$/\1 \2 \3/p' "$1/parse.txt" | tail -n1) kunit
}

stage_kunit() {
	local d=$out/kunit rc=0
	mkdir -p "$d"
	"$vm/run" --kernel debug --out "$d" --keep-log "$d/console.log" -- tests/kunit/run || rc=$?
	count_kunit "$d"
	count_vm_result "$d" kunit
	return "$rc"
}

# The debug kernel runs the suites that drive the module's own code
# hardest (KASAN, lockdep and kmemleak watch it there): its netlink and
# rtnetlink ops with every attribute fuzzed and route tables dumped and
# resized (the netlink fuzzer, route), the packet paths (ingress, the
# packet fuzzer) and every teardown (netns, teardown). The suites that
# add daemons, BGP, the CLI's own work, crafted packets or permissions
# checked case by case, idle timeouts waited out or TCP transfers (twohop,
# hardening, xcloudctl, tunnels, link, unpriv, pmtu) reach those kernel
# paths too and run on the stock kernel, at full size: the debug guest
# ends make check, and they took half of it (pmtu.sh: 381 s there with
# 100 kB transfers, 65 s on stock with 2 MB ones). The teardown cycles
# are 3 here (one of each kind), 50 with make fuzz.
DEBUG_SELFTESTS=${XCLOUD_DEBUG_SELFTESTS-harness.sh netns.sh route.sh ingress.sh teardown.sh fuzz_netlink.sh fuzz_packet.sh}

# count_selftests DIR KERNEL [SCRIPT...]: the counts of DIR's summary. A
# script asked for (all tests/selftests/*.sh but lib.sh when none is
# named, as tests/selftests/run does) without a line there, e.g. because
# the guest timed out, is a failure.
count_selftests() {
	local d=$1 kernel=$2 name p f s want line named
	shift 2
	if [[ ! -f $d/selftests/summary ]]; then
		count 0 1 0 "selftests on $kernel: no results"
		return 1
	fi
	while read -r name p f s _; do
		count "$p" "$f" "$s" "selftests on $kernel: $name"
		# the failed cases by name, for the FAILED lines at the end
		((f == 0)) || while IFS= read -r line; do
			problems+=("  $name: $line")
		done < <(grep '^not ok' "$d/selftests/${name%.sh}.tap" 2>/dev/null | head -n 10)
	done <"$d/selftests/summary"
	named=$#
	((named)) || set -- "$repo"/tests/selftests/*.sh
	((named)) || named=
	for want; do
		want=$(basename "$want")
		[[ $want != lib.sh ]] || continue
		# "# xcloud-run: named": not in the default list
		[[ -n $named ]] || ! grep -q '^# xcloud-run: named' \
			"$repo/tests/selftests/$want" 2>/dev/null || continue
		awk -v w="$want" '$1 == w { found = 1 } END { exit !found }' \
			"$d/selftests/summary" ||
			count 0 1 0 "selftests on $kernel: $want did not finish"
	done
}

selftests_on() { # KERNEL [SCRIPT...]
	local d=$out/selftests-$1 rc=0 name p f s src kernel=$1
	shift
	mkdir -p "$d"
	"$vm/run" --kernel "$kernel" --out "$d" --keep-log "$d/console.log" -- tests/selftests/run "$@" || rc=$?
	count_selftests "$d" "$kernel" "$@" || return 1
	count_vm_result "$d" "selftests on $kernel"
	return "$rc"
}
# Scripts at once in a guest (tests/selftests/run's XCLOUD_SELFTEST_JOBS):
# one. On the debug kernel two at once took twohop.sh and hardening.sh
# past 900 s each (379 and 359 s one at a time): the two busy vCPUs of
# TCG leave qemu's I/O thread (the 9p share every command is read from)
# no core of a 2-core host, and namespaces made and torn down side by
# side wait on each other. Not measured yet on the stock guest.
SELFTEST_JOBS=1
# Seconds a script may take in make check's guests (tests/selftests/run's
# own default is 900): a machine whose TCG ran 1.7-2.4x slower than usual
# took twohop.sh to 892 s on the debug kernel (379 s usually) and
# packages.sh to 709 s on the stock one. A slow machine is not a failing
# test; the guests' own limits (XCLOUD_VM_TIMEOUT) still stop a hang.
SELFTEST_TIMEOUT=1500

# Routes of route.sh's bulk table on the debug kernel (100,000 by
# default): the same code paths (multi-message dumps, the table's
# resizes); KASAN on every allocation makes each route dear there.
DEBUG_ROUTE_BULK=10000
# Netlink messages fuzz_netlink.sh sends in the debug guest (make fuzz:
# 1,000,000): 200,000 over the script's four workers (two per vCPU),
# 295-469 s of a cold make check's debug guest, beside the stock guest.
DEBUG_FUZZ_NL=200000

# Networks vnis.sh declares at once in the stock guest: 250, through the
# same agent paths (one store transaction, a VRF and a device each, all
# removed again); make bench declares 1,000 (vnis_1k_setup_s), which
# took 364 s of a slow host's make check.
STOCK_VNIS=250

# The stock guest runs every script but the named-only ones and those
# only the debug guest runs (XCLOUD_STOCK_SELFTESTS sets the list): first
# those marked "alone" (they measure loss windows and outages, or
# replace the module), then the rest. The niced lane (see lanes) is
# mostly still building the debug kernel while the first ones run, and
# takes only the CPU they leave.
stock_selftests() {
	local f n pass
	for pass in alone rest; do
		for f in tests/selftests/*.sh; do
			n=$(basename "$f")
			[[ $n != lib.sh ]] || continue
			! grep -q '^# xcloud-run: named' "$f" || continue
			[[ " $DEBUG_SELFTESTS " != *" $n "* ]] || continue
			if grep -q '^# xcloud-run:.*\balone\b' "$f"; then
				[[ $pass == alone ]] || continue
			else
				[[ $pass == rest ]] || continue
			fi
			echo "$n"
		done
	done
}
stage_selftests_stock() {
	local ver
	ver=$(cat VERSION)
	# packages.sh installs what the deb and dkms stages made.
	[[ -n ${XCLOUD_DEBS:-} || ! -d $out/deb ]] || export XCLOUD_DEBS=$out/deb
	[[ -v XCLOUD_DKMS_TARBALL || ! -f $out/xcloud-$ver.dkms.tar.gz ]] ||
		export XCLOUD_DKMS_TARBALL=$out/xcloud-$ver.dkms.tar.gz
	# shellcheck disable=SC2086 # a list of script names
	XCLOUD_VM_TIMEOUT=${XCLOUD_VM_TIMEOUT:-5000} \
		XCLOUD_VNIS=${XCLOUD_VNIS:-$STOCK_VNIS} \
		XCLOUD_SELFTEST_TIMEOUT=${XCLOUD_SELFTEST_TIMEOUT:-$SELFTEST_TIMEOUT} \
		XCLOUD_SELFTEST_JOBS=${XCLOUD_SELFTEST_JOBS:-$SELFTEST_JOBS} selftests_on stock \
		${XCLOUD_STOCK_SELFTESTS:-$(stock_selftests)}
}
# The debug guest's sizes and limits, a caller's own settings first;
# exported in the calling stage's subshell.
debug_guest_env() {
	export XCLOUD_ROUTE_BULK=${XCLOUD_ROUTE_BULK:-$DEBUG_ROUTE_BULK} \
		XCLOUD_FUZZ_NL=${XCLOUD_FUZZ_NL:-$DEBUG_FUZZ_NL} \
		XCLOUD_SELFTEST_JOBS=${XCLOUD_SELFTEST_JOBS:-$SELFTEST_JOBS} \
		XCLOUD_SELFTEST_TIMEOUT=${XCLOUD_SELFTEST_TIMEOUT:-$SELFTEST_TIMEOUT} \
		XCLOUD_TEARDOWN_CYCLES=${XCLOUD_TEARDOWN_CYCLES:-3}
}
stage_selftests_debug() {
	debug_guest_env
	# shellcheck disable=SC2086 # a list of script names
	selftests_on debug $DEBUG_SELFTESTS
}

# kunit and selftests-debug in one debug guest: the debug kernel's boot
# and its kmemleak scans at the end cost about a minute each time. KUnit
# runs first; its counts and files are the kunit stage's as if it had run
# alone (kunit/console.log is a link to the shared log). The guest's log
# check counts once, for both.
stage_debug_guest() {
	local d=$out/selftests-debug k=$out/kunit rc=0
	mkdir -p "$d" "$k"
	debug_guest_env
	# two guests' work in one
	# shellcheck disable=SC2016 # expanded in the guest
	XCLOUD_VM_TIMEOUT=${XCLOUD_VM_TIMEOUT:-5000} \
		"$vm/run" --kernel debug --out "$d" --keep-log "$d/console.log" -- \
		'k=0; tests/kunit/run || k=$?; echo "debug-guest: kunit exit $k after ${SECONDS}s"; s=0; tests/selftests/run '"$DEBUG_SELFTESTS"' || s=$?; ((k == 0 && s == 0))' ||
		rc=$?
	[[ ! -f $d/kunit.ktap ]] || mv "$d/kunit.ktap" "$k/kunit.ktap"
	ln -sfn ../selftests-debug/console.log "$k/console.log"
	count_kunit "$k"
	# shellcheck disable=SC2086 # a list of script names
	count_selftests "$d" debug $DEBUG_SELFTESTS
	count_vm_result "$d" "kunit and selftests on debug"
	return "$rc"
}

# stage NAME: run and time stage_NAME in a subshell that leaves its counts
# in $out/.stage-NAME. A stage that fails without having counted a
# failure counts as one.
stage() {
	local name=$1
	(
		passed=0 failed=0 skipped=0 problems=() start=$SECONDS rc=0
		echo
		echo "=== stage $name"
		[[ $name != debug-guest ]] || echo "(kunit and selftests-debug in one debug guest)"
		"stage_${name//-/_}" || rc=$?
		if ((rc != 0 && failed == 0)); then
			count 0 1 0 "stage $name (exit $rc)"
		fi
		echo "stage $name: $((SECONDS - start))s"
		{
			echo "$passed $failed $skipped"
			((${#problems[@]} == 0)) || printf '%s\n' "${problems[@]}"
		} >"$out/.stage-$name"
	)
}

# Add a finished stage's counts to the totals.
merge() {
	local p f s line
	if [[ ! -f $out/.stage-$1 ]]; then
		count 0 1 0 "stage $1 did not finish"
		return
	fi
	{
		read -r p f s
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		while IFS= read -r line; do problems+=("$line"); done
	} <"$out/.stage-$1"
}

# After deps and build, a lane of its own runs niced beside harness,
# host-tests, deb, dkms and the stock guest: the debug kernel's build,
# then the debug guest as soon as that kernel is built. The guests use
# all the CPU they get (measured), so one after the other would leave the
# second core idle at the end, and a cold run on a slow TCG host took
# more than 90 minutes that way. Niced, the lane takes only the CPU the
# stock lane leaves: the stock guest's loss windows and outages keep
# their timing (a CI run whose debug guest ran at full priority beside
# them lost 46 packets in gateway_ha.sh and took faults.sh's removal
# 2.4 s past its bound).
# XCLOUD_CHECK_PARALLEL=1 starts the debug guest only after both lanes.
# The kernel lane's output is shown when it is done.
lanes() {
	local klog=$out/.lane-kernels.log pid s
	local debug=(debug-guest) stock=(harness host-tests deb dkms selftests-stock)
	[[ ${XCLOUD_CHECK_DEBUG_GUESTS:-1} != 2 ]] || debug=(kunit selftests-debug)
	{
		renice -n 19 "$BASHPID" >/dev/null
		stage kernels
		[[ $XCLOUD_CHECK_PARALLEL != 2 ]] ||
			for s in "${debug[@]}"; do stage "$s"; done
	} >"$klog" 2>&1 &
	pid=$!
	for s in "${stock[@]}"; do stage "$s"; done
	wait "$pid" || true
	cat "$klog"
	[[ $XCLOUD_CHECK_PARALLEL == 2 ]] ||
		for s in "${debug[@]}"; do stage "$s"; done
	for s in "${stock[@]}" kernels "${debug[@]}"; do merge "$s"; done
}

all=(deps build harness host-tests deb dkms kernels kunit selftests-stock selftests-debug)
t0=$SECONDS
XCLOUD_CHECK_PARALLEL=${XCLOUD_CHECK_PARALLEL:-2}
if (($# == 0)) && [[ $XCLOUD_CHECK_PARALLEL != 0 ]]; then
	for s in deps build; do
		stage "$s"
		merge "$s"
	done
	lanes
else
	todo=("${@:-${all[@]}}")
	for s in "${todo[@]}"; do
		[[ " ${all[*]} " == *" $s "* ]] || { echo "check: no stage '$s' (${all[*]})" >&2; exit 2; }
	done
	# kunit and selftests-debug both wanted: one debug guest for the two,
	# where kunit stands (XCLOUD_CHECK_DEBUG_GUESTS=2: one guest each).
	if [[ " ${todo[*]} " == *" kunit "* && " ${todo[*]} " == *" selftests-debug "* &&
		${XCLOUD_CHECK_DEBUG_GUESTS:-1} != 2 ]]; then
		for i in "${!todo[@]}"; do
			case ${todo[i]} in
			kunit) todo[i]="debug-guest" ;;
			selftests-debug) unset "todo[i]" ;;
			esac
		done
	fi
	for s in "${todo[@]}"; do
		stage "$s"
		merge "$s"
	done
fi

echo
echo "check: total $((SECONDS - t0))s; results in $out"
if ((${#problems[@]})); then
	printf 'check: FAILED: %s\n' "${problems[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
