#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Store fuzzer: writes malformed values under the prefixes the daemons
read (tests/selftests/fuzz_store.sh), through etcd's JSON gateway, in
transactions of up to 100 puts (etcd's limit is 128 operations).

  store_gen.py URL PREFIX COUNT SEED KEYS-FILE [GOOD-EVERY GOOD-TEMPLATE]

PREFIX is one of the kinds below (its key and value shapes); COUNT values
are written under /xcloud/<PREFIX>, every fuzz key distinct from the good
keys (which a fuzzed value would replace, not test). With GOOD-TEMPLATE
("key=value", "{i}" numbered from 0), a good entry follows every
GOOD-EVERY bad ones: the positive control. KEYS-FILE gets one bad key a
line (hex-escaped); the last line of stdout sums up what was written.
"""
import base64
import json
import random
import re
import sys
import time
import urllib.error
import urllib.request

# Field names of each prefix's value and how its key looks.
KINDS = {
    "networks/": ({"prefixes": "prefixes"}, "vni"),
    "underlay/": ({"prefixes": "prefixes"}, "name"),
    "gateways/": ({"underlay": "addr"}, "name"),
    "ports/": ({"ifname": "ifname", "node": "name"}, "vniaddr"),
    "bindings/": ({"node": "name", "underlay": "addr"}, "vniaddr"),
    "remote/": ({"cloud": "name", "gateways": "addrs"}, "vniaddr"),
    "groups/": ({"gateways": "addrs"}, "name"),
    "eip/pools/": ({"prefix": "prefix"}, "name"),
    "eip/addrs/": ({"router": "name", "node": "addr", "private": "addr"},
                   "addr"),
}

BAD_ADDRS = ["", " ", "10.0.0.256", "10.0.0", "10.0.0.1.2", "1.2.3.4/33",
             "::g", ":::", "fe80::1%eth0", "10.0.0.1\n", " 10.0.0.1",
             "0x0a000001", "-1", "1e9", "10.0.0.1/24", "fd00::1::2",
             "255.255.255.255", "0.0.0.0", "::", "224.0.0.1", "ff02::1",
             "10.0.0.1\u0000", "\u00e9\u00e9", "a" * 300, "10." * 100]
# (0.0.0.0/0 is no bad prefix for a network: a route to everything)
BAD_PREFIXES = ["10.0.0.1/24", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/",
                "/8", "fd00::/129", "fd00::1/64", "10.0.0.0/8/8", "x/8",
                "10.0.0.0/08x", "10.0.0.0/ 8", "fe80::1%1/64"]
PLAUSIBLE = {"addr": "10.255.0.1", "prefix": "198.51.100.0/24",
             "prefixes": ["10.100.0.0/16"], "addrs": ["10.255.0.1"],
             "ifname": "v-fuzz", "name": "cnX7"}
# Names that make the reader look at the rest of the value: a port of the
# switch cnA1, an EIP of the router vr1. (A binding naming cnA1 would be
# its own, delivered locally, and its underlay never judged: cnX7.)
PLAUSIBLE_FIELD = {("ports/", "node"): "cnA1", ("eip/addrs/", "router"): "vr1"}
ODD = ["\x00", "\x01", "\x7f", "\n", "\t", "\xff", "\u00e9", "%s", "%n",
       "\"", "\\", "/", "..", "*", " ", "\ufffd", "\u202e"]


def huge_str(r):
    """Mostly under 4 KiB; now and then 256 KiB (etcd takes 1.5 MiB)."""
    n = 1 << 18 if r.random() < 0.002 else r.choice([100, 256, 1024, 4096])
    return r.choice("aA0/.%") * n


def scalar(r):
    return r.choice([None, True, False, 0, -1, 2 ** 63, 1.5e308, -0.0, "",
                     [], {}, huge_str(r), r.choice(ODD) * r.randint(1, 40)])


def ifname_ok(v):
    """The kernel's rule for an interface name (dev_valid_name())."""
    return (isinstance(v, str) and 0 < len(v.encode()) < 16 and
            v not in (".", "..") and
            not any(c in "/:" or c.isspace() for c in v))


def bad_field(r, ftype):
    """A wrong value for a field of type ftype."""
    c = r.randrange(6)
    if c == 0:
        return scalar(r)
    if ftype in ("addr", "prefix"):
        return r.choice(BAD_ADDRS + BAD_PREFIXES)
    if ftype in ("prefixes", "addrs"):
        if c == 1:	# a huge array of junk
            n = 5000 if r.random() < 0.05 else r.choice([100, 1000])
            return [r.choice([None, 1, "x", [], {}]) for _ in range(n)]
        if c == 2:	# a list with one bad element among good ones
            good = "10.0.0.0/8" if ftype == "prefixes" else "10.255.0.1"
            return [good, r.choice(BAD_PREFIXES + BAD_ADDRS + [None, 7])]
        if c == 3 and ftype == "addrs":	# none, too many, one twice
            return r.choice([[], ["10.255.0.%d" % (1 + j) for j in range(9)],
                             ["10.255.0.1", "10.255.0.1"]])
        return [r.choice(BAD_PREFIXES if ftype == "prefixes" else BAD_ADDRS)
                for _ in range(r.randint(1, 5))]
    if ftype == "ifname":	# what the kernel takes for no name at all
        # ("\u00e9th0", "-" or "%s%s" name an interface that may come)
        v = r.choice(["", "a" * 16, "a/b", "..", ".", "x y", "v-\n",
                      "a:b", "\t", scalar(r)])
        while ifname_ok(v):
            v = scalar(r)
        return v
    # a name: only what is no name at all (any string may name a node)
    return r.choice([None, True, 0, -1, 1.5, "", [], {}, ["cnA1"],
                     {"name": "cnA1"}])


def deep(r):
    n = r.choice([33, 100, 1000])
    return "[" * n + "]" * n if r.random() < 0.5 else '{"a":' * n + "1" + "}" * n


def bad_value(r, kind, fields):
    """A malformed value: text (bytes) for etcd."""
    c = r.randrange(10)
    if c == 0:
        return json.dumps(scalar(r)).encode()
    if c == 1:		# invalid JSON
        return r.choice([b"{", b"}", b"{\"a\":", b"nul", b"[1,", b"\x00",
                         b"\xff\xfe\xfd", b"{\"node\":\"x\"} trailing",
                         b"{}{}", b"'single'", b"{\"a\":1,}", b"",
                         b" " * 5000, b"{\"a\":\"\\ud800\"}",
                         bytes(r.randrange(256) for _ in range(64))])
    if c == 2:
        return deep(r).encode()
    if c == 3:		# a field missing
        v = {f: "x" for f in fields}
        v.pop(r.choice(list(fields)))
        return json.dumps(v).encode()
    if c == 4:		# an array instead of the object
        return json.dumps([{f: "x" for f in fields}]).encode()
    if c == 5:		# huge value
        return json.dumps({f: huge_str(r) for f in fields}).encode()
    if c == 6:		# a field repeated, the second one wrong
        f = r.choice(list(fields))
        return ('{"%s":"10.0.0.1","%s":%s}' % (
            f, f, json.dumps(bad_field(r, fields[f])))).encode()
    # one or more fields of the wrong type or form, the others plausible
    v = {f: PLAUSIBLE_FIELD.get((kind, f), PLAUSIBLE[t])
         for f, t in fields.items()}
    for f in r.sample(list(fields), r.randint(1, len(fields))):
        v[f] = bad_field(r, fields[f])
    return json.dumps(v).encode()


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


def too_good(kind, value):
    """Values that are well-formed after all: an object without
    "prefixes" (or with none) declares a network with no overlay route,
    an empty underlay declaration is one; a remote entry {"cloud": NAME}
    is the form that names the cloud's group (docs/control-plane.md)."""
    try:
        v = json.loads(value)
    except (ValueError, RecursionError):
        return False
    if not isinstance(v, dict):
        return False
    if kind in ("networks/", "underlay/"):
        return v.get("prefixes", []) == []
    return (kind == "remote/" and "gateways" not in v and
            isinstance(v.get("cloud"), str) and
            NAME.fullmatch(v["cloud"]) is not None)


def bad_key(r, prefix, shape, i):
    """A fuzz key (bytes), never a good one (10.100.1-99.x, VNI 100)."""
    base = prefix.encode()
    tag = "%d.%d" % (i // 250 % 250, i % 250)
    c = r.randrange(8)
    if c == 0:		# odd bytes
        return base + ("f%d" % i).encode() + r.choice(ODD).encode() + \
            bytes([r.randrange(256)])
    if c == 1:		# a long key
        return base + ("L%d" % i).encode() + b"x" * r.choice([200, 1000, 4000])
    if c == 2 and shape in ("vniaddr", "vni"):	# bad VNI or shape
        return base + r.choice(["0/10.77.%s", "99999999999/10.77.%s",
                                "-1/10.77.%s", "16777216/10.77.%s",
                                "100/10.77.%s/extra", "100//10.77.%s",
                                " 100/10.77.%s", "0x64/10.77.%s",
                                "abc%s", "77.%s/", "100/10.77.%s/"]
                               ).replace("%s", tag).encode()
    if shape == "vniaddr":	# a well-formed key, only the value is bad
        addr = r.choice(["10.77.%s" % tag,	# outside 100's prefixes, inside
                         "10.100.%d.%d" % (100 + i // 250 % 150, i % 250)])
        return base + ("%d/%s" % (r.choice([100, 100, 101, 7]), addr)).encode()
    if shape == "vni":
        return base + str(1000 + i).encode()
    if shape == "addr":
        return base + ("10.77.%s" % tag).encode()
    return base + ("fz%d" % i).encode()


def b64(b):
    return base64.b64encode(b).decode()


class Store:
    def __init__(self, url):
        self.url = url
        self.ops = []
        self.txns = 0
        self.retries = 0

    def put(self, key, value):
        self.ops.append({"requestPut": {"key": b64(key), "value": b64(value)}})
        if len(self.ops) >= 100 or sum(len(o["requestPut"]["value"])
                                        for o in self.ops) > 1 << 20:
            self.flush()

    def flush(self):
        if not self.ops:
            return
        body = json.dumps({"success": self.ops}).encode()
        # A loaded etcd answers 503 or not at all now and then; the puts
        # are idempotent, so the transaction is sent again.
        for attempt in range(8):
            try:
                urllib.request.urlopen(self.url + "/v3/kv/txn", body,
                                       timeout=30).read()
                break
            except (urllib.error.URLError, OSError) as e:
                if attempt == 7 or (isinstance(e, urllib.error.HTTPError)
                                    and e.code != 503):
                    raise
                self.retries += 1
                time.sleep(0.5 * 2 ** min(attempt, 4))
        self.ops = []
        self.txns += 1


def main():
    url, kind, count, seed, keys_file = sys.argv[1:6]
    every = int(sys.argv[6]) if len(sys.argv) > 7 else 0
    template = sys.argv[7] if every else None
    fields, shape = KINDS[kind]
    r = random.Random("%s-%s" % (seed, kind))
    prefix = "/xcloud/" + kind
    st = Store(url)
    good = 0
    with open(keys_file, "w") as kf:
        for i in range(int(count)):
            key = bad_key(r, prefix, shape, i)
            value = bad_value(r, kind, fields)
            while too_good(kind, value):
                value = bad_value(r, kind, fields)
            st.put(key, value)
            kf.write(key.decode("latin-1").encode("unicode_escape").decode()
                     + "\n")
            if every and i % every == every - 1:
                k, v = template.replace("{i}", str(good)).split("=", 1)
                good += 1
                st.flush()	# the good one after the bad ones
                st.put(k.encode(), v.encode())
    st.flush()
    print("%s: %s bad values, %d good, %d transactions (%d sent again)"
          % (prefix, count, good, st.txns, st.retries))


if __name__ == "__main__":
    main()
