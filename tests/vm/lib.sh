# shellcheck shell=bash
# Shared settings for the host side of the qemu harness. Sourced, not run.

XCLOUD_CACHE=${XCLOUD_CACHE:-/var/cache/xcloud}
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this
REPO_ROOT=$(cd "$VM_DIR/../.." && pwd)
export XCLOUD_CACHE

# Bump when the kernel build recipe changes in a way the fragment does not show.
DEBUG_RECIPE_VERSION=1

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() { vm_log "error: $*"; exit 125; }

# The guest mounts tmpfs over /tmp, /run and /dev/shm: a cache there
# (the stock kernel's module tree is read from it) would be hidden.
case $XCLOUD_CACHE/ in
/tmp/* | /run/* | /dev/shm/*)
	vm_die "XCLOUD_CACHE=$XCLOUD_CACHE: the guest mounts its own tmpfs there; use another directory" ;;
esac

# Hold an exclusive lock on NAME until the calling script exits, so
# concurrent runs don't build the same cache entry twice.
cache_lock() {
	local fd
	mkdir -p "$XCLOUD_CACHE/locks"
	exec {fd}>"$XCLOUD_CACHE/locks/$1"
	flock "$fd"
}

# apt-cache needs package lists; fetch them once if they are missing.
apt_lists_ready() {
	if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
		apt-get update -qq >&2
	fi
}

# Version string (e.g. 6.1.0-56-amd64) the linux-image-amd64 metapackage
# currently points at. Debian moves it over time: never hard-code it.
stock_kver() {
	apt_lists_ready
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -n1
}

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# Key of the debug kernel: fragment + kernel source version + recipe.
debug_key() {
	{
		cat "$VM_DIR/debug.config"
		pkg_version linux-source-6.1
		echo "recipe $DEBUG_RECIPE_VERSION"
	} | sha256sum | cut -c1-16
}

# Where the unpacked Debian kernel source lives (extracted once).
kernel_src_dir() {
	echo "$XCLOUD_CACHE/src-$(pkg_version linux-source-6.1)/linux-source-6.1"
}
