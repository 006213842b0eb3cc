# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# etcd's v3 JSON gateway as the tests read it, with jq. Sourced by
# tests/selftests/lib/cp.sh, tests/selftests/lib/eip.sh and tests/cp/lib.sh.

etcd_b64() { printf '%s' "$1" | base64 -w0; }

# etcd_prefix_range PREFIX: the JSON range of every key under PREFIX (the
# range end is PREFIX with its last byte incremented).
etcd_prefix_range() {
	local p=$1 last end
	last=$(printf '%d' "'${p: -1}")
	# shellcheck disable=SC2059 # the format is the octal escape
	end=${p%?}$(printf "\\$(printf '%03o' $((last + 1)))")
	printf '{"key":"%s","range_end":"%s"}' "$(etcd_b64 "$p")" "$(etcd_b64 "$end")"
}

# A range answer on stdin as "key value" lines, sorted ("key value
# mod_revision" with --rev).
etcd_kvs() {
	if [[ ${1-} == --rev ]]; then
		jq -r '.kvs[]? | "\(.key | @base64d) \(.value // "" | @base64d) \(.mod_revision)"'
	else
		jq -r '.kvs[]? | "\(.key | @base64d) \(.value // "" | @base64d)"'
	fi | sort
}
