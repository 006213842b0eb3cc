#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print an xcloud device's IFLA_INFO_DATA as rtnetlink reports it (the
link type's fill_info), which `ip -d link` cannot decode without a
plugin: one line of NAME=VALUE words.

  linkinfo.py IFNAME        (in the device's namespace)

  kind=xcloud vni=100 port=6081 mode=0 source_check=1 gateways=A,B

Attribute numbers are uapi/linux/xcloud.h's IFLA_XCLOUD_*.
"""
import ipaddress
import socket
import struct
import sys

RTM_GETLINK, NLMSG_ERROR, NLM_F_REQUEST = 18, 2, 1
IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_INFO_DATA = 18, 1, 2
XC = {1: "vni", 2: "port", 3: "local", 4: "local6", 5: "mode", 6: "tunnels",
      7: "idle_timeout", 8: "ingress", 9: "source_check", 10: "gateways",
      11: "max_routes", 12: "max_tunnels", 13: "max_allowed",
      14: "probe_interval", 15: "probe_multiplier"}
IFLA_XCLOUD_GATEWAY = 1


def attrs(buf):
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        yield atype & 0x3FFF, buf[off + 4:off + alen]
        off += (alen + 3) & ~3


def value(name, data):
    if name in ("vni", "idle_timeout", "ingress", "max_routes",
                "max_tunnels", "max_allowed", "probe_interval"):
        return str(struct.unpack("=I", data)[0])
    if name == "port":
        return str(struct.unpack("!H", data)[0])
    if name in ("mode", "tunnels", "source_check", "probe_multiplier"):
        return str(data[0])
    if name in ("local", "local6"):
        return str(ipaddress.ip_address(data))
    if name == "gateways":
        gws = [str(ipaddress.ip_address(d)) for t, d in attrs(data)
               if t == IFLA_XCLOUD_GATEWAY]
        return ",".join(gws) or "none"
    return data.hex()


def main():
    index = socket.if_nametoindex(sys.argv[1])
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    ifi = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)
    s.send(struct.pack("=IHHII", 16 + len(ifi), RTM_GETLINK, NLM_F_REQUEST,
                       1, 0) + ifi)
    msg = s.recv(1 << 16)
    length, mtype = struct.unpack_from("=IH", msg, 0)
    if mtype == NLMSG_ERROR:
        print("linkinfo: error %d" % struct.unpack_from("=i", msg, 16)[0],
              file=sys.stderr)
        return 1
    out = []
    for t, d in attrs(msg[32:length]):
        if t != IFLA_LINKINFO:
            continue
        for it, idata in attrs(d):
            if it == IFLA_INFO_KIND:
                out.append("kind=" + idata.rstrip(b"\0").decode())
            elif it == IFLA_INFO_DATA:
                for xt, xdata in attrs(idata):
                    name = XC.get(xt, "attr%d" % xt)
                    out.append("%s=%s" % (name, value(name, xdata)))
    print(" ".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
