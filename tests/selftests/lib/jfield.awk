# SPDX-License-Identifier: GPL-2.0
# The hot lookups of jfield.py in awk: starting python under TCG costs a
# second or two a call, awk a tenth of that, and the selftests poll these
# in loops. Same commands, same output, for `xcloudctl -j` JSON on stdin
# (plain or pretty; objects in document order):
#
#   awk -f jfield.awk -v cmd=stat -v name=NAME          first counter NAME
#                                                       (device, then netns)
#   awk -f jfield.awk -v cmd=statsum -v name=NAME       device + netns summed
#   awk -f jfield.awk -v cmd=tunnel -v remote=ADDR -v name=NAME
#                                   field NAME of the tunnel to ADDR (0 if none)
#   awk -f jfield.awk -v cmd=remotes                    remote addresses
#
# Addresses compare as strings: xcloudctl prints them with inet_ntop, give
# them in that (canonical) form.

{ doc = doc $0 "\n" }

# The value of "KEY": in TEXT (a number, or a string without its quotes),
# or "" (and found = 0) if there is none; fend: where the value ends.
function field(text, key,    start, rest, v) {
	found = 0
	if (!match(text, "\"" key "\"[ \t\n]*:[ \t\n]*")) return ""
	start = RSTART + RLENGTH
	rest = substr(text, start)
	if (substr(rest, 1, 1) == "\"") {
		match(substr(rest, 2), /^[^"]*/)
		v = substr(rest, 2, RLENGTH)
		fend = start + RLENGTH + 2
	} else {
		if (!match(rest, /^-?[0-9]+/)) return ""
		v = substr(rest, 1, RLENGTH)
		fend = start + RLENGTH
	}
	found = 1
	return v
}

# Splits doc into the tunnels' objects: tun[1..n] each start at a "remote".
function tunnels(    rest, n) {
	n = 0
	rest = doc
	while (match(rest, /"remote"[ \t\n]*:/)) {
		rest = substr(rest, RSTART)
		n++
		# up to the next "remote" (or the end)
		if (match(substr(rest, 2), /"remote"[ \t\n]*:/)) {
			tun[n] = substr(rest, 1, RSTART)
			rest = substr(rest, RSTART + 1)
		} else {
			tun[n] = rest
			rest = ""
		}
	}
	return n
}

END {
	if (cmd == "stat") {
		v = field(doc, name)
		if (!found) {
			print "jfield: no counter " name > "/dev/stderr"
			exit 1
		}
		print v
	} else if (cmd == "statsum") {
		sum = 0
		rest = doc
		while (1) {
			v = field(rest, name)
			if (!found) break
			sum += v
			rest = substr(rest, fend)
		}
		printf "%.0f\n", sum # (mawk: %d stops at 2^31)
	} else if (cmd == "tunnel") {
		n = tunnels()
		for (i = 1; i <= n; i++) {
			if (field(tun[i], "remote") != remote) continue
			v = field(tun[i], name)
			print found ? v : 0
			exit 0
		}
		print 0
	} else if (cmd == "remotes") {
		n = tunnels()
		for (i = 1; i <= n; i++) print field(tun[i], "remote")
	} else {
		print "jfield: unknown command " cmd > "/dev/stderr"
		exit 2
	}
}
