#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xcloud-kernels: stock
# xcloud-run: alone (it replaces the module with the package's)
#
# The Debian packages where they run: `make deb`'s xcloud and xcloud-dkms
# installed with dpkg -i in the guest (its tmpfs overlay over the host's
# files); DKMS builds the module for the guest's kernel and modprobe
# loads it from /lib/modules/$(uname -r)/updates/dkms with VERSION as its
# version; the programs, man pages, units and ip's plugin are where
# Debian looks for them; xcloud-coord and an xcloudd per node run from
# /usr/sbin with their configuration in /etc/xcloud, and a two-hop ping
# crosses the clouds (cnA1 -> gwB -> cnB1); purging both packages leaves
# no file behind.
#
# The .debs are the host's build/deb/ (XCLOUD_DEBS), made by `make deb`
# before the guest boots; if they are missing the script builds them
# here, in the guest, which takes several times longer.
#
# DKMS builds the module in the guest for `make check-packages`. make
# check hands xcloud-dkms's postinst DKMS's binaries-only tarball of the
# build its dkms stage made of this same package's source for this same
# kernel (XCLOUD_DKMS_TARBALL): DKMS loads a tarball it finds in
# /usr/share/xcloud-dkms instead of building, as it would a
# distribution's prebuilt module, and the guest saves the 5-8 minutes a
# compile takes under TCG.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib/topo.sh"

require_cmd dpkg dkms modprobe etcd curl ping systemd-analyze jq
version=$(cat "$TOPO_REPO/VERSION")
kver=$(uname -r)
arch=$(dpkg --print-architecture)
debs=${XCLOUD_DEBS:-$TOPO_REPO/build/deb}
DEB=$debs/xcloud_${version}_$arch.deb
DKMS_DEB=$debs/xcloud-dkms_${version}_all.deb
[[ -e /sys/module/xcloud || -n ${XCLOUD_MODDIR:-} ]] ||
	skip_all "no xcloud module to compare with (run in tests/vm/run)"
if [[ ! -f $DEB || ! -f $DKMS_DEB ]]; then
	diag "no .debs in $debs: building them in the guest (make deb on the host is faster)"
	debs=/tmp/xcloud-deb
	t=$SECONDS
	"$TOPO_REPO/packaging/build-deb" "$debs" >/tmp/xcloud-build-deb.log 2>&1 ||
		bail_out "make deb failed: $(tail -n 20 /tmp/xcloud-build-deb.log)"
	diag "built in $((SECONDS - t))s"
	DEB=$debs/xcloud_${version}_$arch.deb
	DKMS_DEB=$debs/xcloud-dkms_${version}_all.deb
fi
diag "$(ls -l "$DEB" "$DKMS_DEB")"

# The stock guest's module tree is the harness's unpacked kernel package;
# a real machine's linux-headers package links build/ to its headers.
made_build_link=0
if [[ ! -e /lib/modules/$kver/build && -d /usr/src/linux-headers-$kver ]]; then
	ln -s "/usr/src/linux-headers-$kver" "/lib/modules/$kver/build"
	made_build_link=1
fi

# The harness's module goes back for the scripts after this one.
restore_module() {
	modprobe -r xcloud 2>/dev/null || rmmod xcloud 2>/dev/null || true
	if dpkg -s xcloud-dkms >/dev/null 2>&1 || dpkg -s xcloud >/dev/null 2>&1; then
		dpkg --purge xcloud xcloud-dkms >/dev/null 2>&1 || true
	fi
	if [[ ${XCLOUD_LOAD_MODULE:-0} == 1 && -f ${XCLOUD_MODDIR:-}/xcloud.ko ]]; then
		insmod "$XCLOUD_MODDIR/xcloud.ko"
	fi
	if ((made_build_link)); then rm -f "/lib/modules/$kver/build"; fi
}
on_exit restore_module

# The places a package, DKMS or dpkg write to: every file under the deep
# ones, the entries of the shallow ones (whole trees there, /usr/src's
# kernel headers or all man pages, take minutes to list over 9p).
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
DEEP=(/etc /usr/sbin /usr/share/xcloud /usr/share/man/man5 /usr/share/man/man8
	"/usr/lib/$multiarch/ip" /lib/systemd/system /usr/lib/systemd/system /var/lib/dkms
	/var/lib/dpkg/info /var/lib/systemd "/lib/modules/$kver/updates")
SHALLOW=(/usr/src /usr/share/doc "/lib/modules/$kver")
snapshot() {
	{
		find "${DEEP[@]}" ! -type d 2>/dev/null || true
		find "${SHALLOW[@]}" -mindepth 1 -maxdepth 1 2>/dev/null || true
	} | LC_ALL=C sort -u
}
t=$SECONDS
before=$(snapshot)
diag "snapshot: $(wc -l <<<"$before") files and entries ($((SECONDS - t))s)"

# ---- install ---------------------------------------------------------------
check -d "the harness's module unloads (the package's replaces it)" \
	eval 'rmmod xcloud; [[ ! -e /sys/module/xcloud ]]'
# man-db's trigger would index every man page over 9p (minutes in TCG);
# the pages are checked with man below. The guest's debconf is a copy.
echo "man-db man-db/auto-update boolean false" | debconf-set-selections
t=$SECONDS
check -d "dpkg -i xcloud" \
	eval 'dpkg -i "$DEB" >/tmp/xcloud-dpkg.log 2>&1 || { tail -n 30 /tmp/xcloud-dpkg.log; exit 1; }'
diag "dpkg -i xcloud: $((SECONDS - t))s"
prebuilt=/usr/share/xcloud-dkms/xcloud-$version.dkms.tar.gz
how="DKMS builds the module for $kver"
if [[ -f ${XCLOUD_DKMS_TARBALL:-} ]]; then
	mkdir -p "${prebuilt%/*}"
	cp "$XCLOUD_DKMS_TARBALL" "$prebuilt"
	how="DKMS loads the host's DKMS build of the package for $kver (its tarball)"
fi
t=$SECONDS
check -d "dpkg -i xcloud-dkms: $how" \
	eval 'dpkg -i "$DKMS_DEB" >/tmp/xcloud-dpkg.log 2>&1 ||
	{ tail -n 30 /tmp/xcloud-dpkg.log; find /var/lib/dkms -name make.log -exec tail -n 20 {} +; exit 1; }'
diag "dpkg -i xcloud-dkms: $((SECONDS - t))s"
if [[ -f $prebuilt ]]; then
	check -d "the postinst loaded the tarball and built nothing" \
		eval 'grep "Loading tarball for xcloud-$version" /tmp/xcloud-dpkg.log &&
		! grep "Building initial module" /tmp/xcloud-dpkg.log'
	# not the packages': gone before the purge's comparison
	rm -f "$prebuilt"
	rmdir "${prebuilt%/*}"
fi
check -d "dkms status: xcloud/$version installed for $kver" \
	eval 'dkms status xcloud | tee /dev/stderr | grep -q "^xcloud/$version, $kver, .*: installed"'
check -d "modinfo: /lib/modules/$kver/updates/dkms/xcloud.ko, version $version" \
	eval '[[ $(modinfo -n xcloud) == /lib/modules/$kver/updates/dkms/xcloud.ko* ]] &&
	[[ $(modinfo -F version xcloud) == "$version" ]]'
check -d "modprobe xcloud loads DKMS's module (/sys/module/xcloud/version $version)" \
	eval 'modprobe xcloud && [[ $(cat /sys/module/xcloud/version) == "$version" ]]'
# The control of the purge check below: the snapshot sees every file the
# packages and DKMS put there (a file under a shallow place by its entry
# there, /usr/src/xcloud-VERSION for the module's source).
installed=$(snapshot)
seen() {
	local f=$1 r rest
	grep -qxF "$f" <<<"$new" && return 0
	for r in "${SHALLOW[@]}"; do
		[[ $f == "$r"/* ]] || continue
		rest=${f#"$r"/}
		grep -qxF "$r/${rest%%/*}" <<<"$new" && return 0
	done
	return 1
}
check -d "the snapshot holds every installed file (dpkg -L, DKMS's xcloud.ko)" \
	eval 'new=$(comm -13 <(echo "$before") <(echo "$installed"))
	echo "$(wc -l <<<"$new") new files and entries"
	grep -q "/updates/dkms/xcloud.ko" <<<"$new" &&
	for f in $(dpkg -L xcloud xcloud-dkms); do
		[[ -d $f ]] || seen "$f" || { echo "not seen: $f"; exit 1; }
	done'

# ---- what the xcloud package put where Debian looks -----------------------
check -d "every program in /usr/sbin says \"NAME $version\" to --version" \
	eval 'for p in xcloudctl xcloudd xcloud-coord xcloud-eip xcloud-ovn; do
		[[ $(/usr/sbin/$p --version) == "$p $version" ]] || { echo "$p"; exit 1; }; done'
check -d "man finds and renders every page without a warning" \
	eval 'for p in xcloudctl.8 xcloudd.8 xcloud-coord.8 xcloud-eip.8 xcloud-ovn.8 xcloudd.conf.5 xcloud-coord.conf.5; do
		f=$(man -w "${p##*.}" "${p%.*}") || { echo "no $p"; exit 1; }
		w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
		[[ -z $w ]] || { echo "$p: $w"; exit 1; }; done'
check -d "systemd-analyze verify passes for every installed unit" \
	eval 'units=$(dpkg -L xcloud | grep "/systemd/system/.*\.service$") && [[ -n $units ]] &&
	echo "$units" && systemd-analyze verify $units'
check -d "the shipped /etc/xcloud configurations pass -t" \
	eval '/usr/sbin/xcloudd -t -c /etc/xcloud/xcloudd.conf &&
	/usr/sbin/xcloud-coord -t -c /etc/xcloud/coord.conf'
check -d "BIRD templates in /usr/share/xcloud/bird, examples included" \
	eval 'ls /usr/share/xcloud/bird/*.conf /usr/share/xcloud/bird/examples/*.conf'
netns_add xpk-ip
check -d "ip loads the packaged link_xcloud.so from its own directory" \
	eval 'env -u IP_LIB_DIR ip -n xpk-ip link add xc5 type xcloud vni 5 mode gateway &&
	env -u IP_LIB_DIR ip -n xpk-ip -d -j link show xc5 |
	jq -e ".[0].linkinfo.info_data.mode == \"gateway\""'

# ---- the daemons from /usr/sbin, configured in /etc/xcloud -----------------
CP_LEASE=6
CP_NAME=packages
# shellcheck source=tests/selftests/lib/cp.sh
source "$(dirname "$0")/lib/cp.sh"
XCLOUDD=/usr/sbin/xcloudd COORD=/usr/sbin/xcloud-coord XCLOUDCTL=/usr/sbin/xcloudctl

# The coordinator's file is the package's conffile, edited as an
# operator would; the agents' are one per node (one machine plays all).
agent_conf() {
	local h=$1 role=switch
	[[ $h == gw* ]] && role=gateway
	printf '[agent]\nrole = %s\ncloud = %s\nnode = %s\nunderlay = %s\netcd = %s\nlease-ttl = %s\n' \
		"$role" "${TOPO_CLOUD[$h]}" "$h" "$(ul_addr "$h")" \
		"${CP_ETCD[${TOPO_CLOUD[$h]}]}" "$CP_LEASE"
}
start_daemons() {
	local h
	printf '[coord]\nremove-delay = 5\n[cloud A]\netcd = %s\n[cloud B]\netcd = %s\n' \
		"${CP_ETCD[A]}" "${CP_ETCD[B]}" >/etc/xcloud/coord.conf
	ip netns exec "$(ns ctlA)" "$COORD" -c /etc/xcloud/coord.conf >>"$CP_TMP/coord.log" 2>&1 &
	CP_PID[coord]=$!
	for h in "${TOPO_HOSTS[@]}"; do
		agent_conf "$h" >"/etc/xcloud/test-$h.conf"
		ip netns exec "$(ns "$h")" "$XCLOUDD" -c "/etc/xcloud/test-$h.conf" \
			--status-socket "$CP_TMP/status-$h.sock" >>"$CP_TMP/agent-$h.log" 2>&1 &
		CP_PID[$h]=$!
	done
}
packages_logs() {
	cp_kill_all
	if ((_tap_failed)); then cp_logs 20 | sed 's/^/# /'; fi
}
on_exit packages_logs

t=$SECONDS
cp_topology || bail_out "the topology could not be built"
cp_start_etcd A && cp_start_etcd B || bail_out "etcd did not start: $(cp_logs 5)"
cp_declare_network || bail_out "cannot declare the network in the stores"
start_daemons
for vm in "${TOPO_VMS[@]}"; do
	cp_declare_port "$vm" "${TOPO_VM_NODE[$vm]}"
	cp_vm_plug "$vm" "${TOPO_VM_NODE[$vm]}"
done
diag "topology, etcd and daemons started in $((SECONDS - t))s"
B1=$(vm_addr vmB1 4) A1=$(vm_addr vmA1 4)
check -d "the daemons run from /usr/sbin with /etc/xcloud's files" \
	eval 'for p in "${CP_PID[@]}"; do tr "\0" " " </proc/$p/cmdline; echo; done |
	tee /dev/stderr | grep -c "^/usr/sbin/xcloud.* -c /etc/xcloud/" | grep -qx 6'
check -d "cnA1 routes vmB1 via gwB, gwB via cnB1 (the agents' work)" \
	wait_until 60 eval 'cp_route_is cnA1 "$B1" "$(ul_addr gwB)" && cp_route_is gwB "$B1" "$(ul_addr cnB1)"'
check -d "two-hop ping vmA1 -> vmB1 (cnA1 -> gwB -> cnB1)" wait_until 30 vm_ping vmA1 vmB1 4 2
check -d "and back vmB1 -> vmA1 (cnB1 -> gwA -> cnA1)" vm_ping vmB1 vmA1 4 2
t=$SECONDS
cp_kill_all
topo_cleanup
ip netns del xpk-ip 2>/dev/null || true
rm -f /etc/xcloud/test-*.conf
diag "daemons and topology gone in $((SECONDS - t))s"

# ---- purge -----------------------------------------------------------------
check -d "the module unloads" eval 'modprobe -r xcloud && [[ ! -e /sys/module/xcloud ]]'
t=$SECONDS
check -d "dpkg --purge xcloud xcloud-dkms" \
	eval 'dpkg --purge xcloud xcloud-dkms >/tmp/xcloud-dpkg.log 2>&1 || { cat /tmp/xcloud-dpkg.log; exit 1; }'
diag "purge: $((SECONDS - t))s"
check -d "dkms knows no xcloud; no xcloud.ko under /lib/modules/$kver" \
	eval '[[ -z $(dkms status xcloud) ]] && [[ -z $(find /lib/modules/$kver -name "xcloud.ko*") ]]'
# DKMS makes its own module signing key on its first build: dkms's file,
# not the packages'.
after=$(snapshot | grep -vx '/var/lib/dkms/mok\.\(key\|pub\)')
check -d "purge leaves nothing behind: the same files as before the install" \
	eval 'diff <(grep -vx "/var/lib/dkms/mok\.\(key\|pub\)" <<<"$before") <(echo "$after") &&
	echo "$(wc -l <<<"$after") files, as before"'
