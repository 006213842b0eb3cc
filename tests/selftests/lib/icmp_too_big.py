#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one ICMPv6 packet too big quoting a GENEVE packet, as a router on
the underlay path would, for pmtu.sh's "is it ours" checks.

  icmp_too_big.py --to ADDR --quoted-src ADDR --quoted-dst ADDR
                  [--port 6081] [--vni 100] [--version 0] [--mtu 1400]

The quoted packet is an IPv6/UDP datagram from --quoted-src to
--quoted-dst:--port carrying a GENEVE header (version --version, VNI
--vni, protocol IPv6) and an inner IPv6 header. The kernel fills in the
ICMPv6 checksum of a raw ICMPv6 socket.
"""
import argparse
import ipaddress
import socket
import struct
import sys

ETH_P_IPV6 = 0x86DD


def quoted(src, dst, port, vni, version):
    inner = struct.pack("!IHBB16s16s", 6 << 28, 0, 59, 64, src.packed,
                        dst.packed)
    geneve = struct.pack("!BBHI", version << 6, 0, ETH_P_IPV6, vni << 8)
    payload = geneve + inner
    udp = struct.pack("!HHHH", 49152, port, 8 + len(payload), 0)
    ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(udp) + len(payload), 17,
                      64, src.packed, dst.packed)
    return ip6 + udp + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--quoted-src", required=True)
    ap.add_argument("--quoted-dst", required=True)
    ap.add_argument("--port", type=int, default=6081)
    ap.add_argument("--vni", type=int, default=100)
    ap.add_argument("--version", type=int, default=0)
    ap.add_argument("--mtu", type=int, default=1400)
    a = ap.parse_args()
    src = ipaddress.ip_address(a.quoted_src)
    dst = ipaddress.ip_address(a.quoted_dst)
    msg = struct.pack("!BBHI", 2, 0, 0, a.mtu) + \
        quoted(src, dst, a.port, a.vni, a.version)
    with socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                       socket.IPPROTO_ICMPV6) as s:
        s.sendto(msg, (a.to, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
