#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send crafted GENEVE packets over a plain UDP socket, for the hardening
selftest.

  geneve_send.py --dst ADDR [--port 6081] [--vni N] --case CASE [--count N]
                 --inner-src ADDR --inner-dst ADDR

CASE is one of:
  good          a well-formed packet: IPv4/IPv6 ICMP echo request inside
  truncated     4 bytes, shorter than the GENEVE header
  truncopts     a header announcing 8 bytes of options that are not there
  version       GENEVE version 1
  proto         protocol type 0x6558 (Ethernet), not IPv4/IPv6
  mismatch      protocol type IPv4 carrying an IPv6 packet (or vice versa)
  critical      an unknown option with the critical bit, C flag set
  noncritical   an unknown option without the critical bit (accepted)
"""
import argparse
import ipaddress
import socket
import struct
import sys

ETH_P_IP, ETH_P_IPV6, ETH_P_TEB = 0x0800, 0x86DD, 0x6558


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def icmp4_echo(src, dst, seq):
    body = struct.pack("!BBHHH", 8, 0, 0, 0x7863, seq) + b"xcloud-hardening"
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), seq, 0, 64,
                      1, 0, src.packed, dst.packed)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + body


def icmp6_echo(src, dst, seq):
    body = struct.pack("!BBHHH", 128, 0, 0, 0x7863, seq) + b"xcloud-hardening"
    pseudo = src.packed + dst.packed + struct.pack("!I3xB", len(body), 58)
    body = body[:2] + struct.pack("!H", csum(pseudo + body)) + body[4:]
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(body), 58, 64, src.packed,
                      dst.packed)
    return hdr + body


def geneve(vni, proto, payload, version=0, opts=b"", critical=False):
    b0 = (version << 6) | (len(opts) // 4)
    b1 = 0x40 if critical else 0
    return struct.pack("!BBHI", b0, b1, proto, vni << 8) + opts + payload


def packet(case, vni, src, dst, seq):
    inner = icmp6_echo(src, dst, seq) if src.version == 6 \
        else icmp4_echo(src, dst, seq)
    proto = ETH_P_IPV6 if src.version == 6 else ETH_P_IP
    other = ETH_P_IP if src.version == 6 else ETH_P_IPV6
    if case == "good":
        return geneve(vni, proto, inner)
    if case == "truncated":
        return geneve(vni, proto, b"")[:4]
    if case == "truncopts":
        # opt_len says 2 words (8 bytes); only the base header is sent
        return struct.pack("!BBHI", 2, 0, proto, vni << 8)
    if case == "version":
        return geneve(vni, proto, inner, version=1)
    if case == "proto":
        return geneve(vni, ETH_P_TEB, inner)
    if case == "mismatch":
        return geneve(vni, other, inner)
    if case in ("critical", "noncritical"):
        otype = 0x85 if case == "critical" else 0x05
        # class 0x0105 (unassigned), 4 bytes of data
        opt = struct.pack("!HBB", 0x0105, otype, 1) + b"\0\0\0\0"
        return geneve(vni, proto, inner, opts=opt,
                      critical=(case == "critical"))
    raise SystemExit("geneve_send: unknown case %s" % case)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=6081)
    ap.add_argument("--vni", type=int, default=100)
    ap.add_argument("--case", required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--inner-src", required=True)
    ap.add_argument("--inner-dst", required=True)
    a = ap.parse_args()
    src = ipaddress.ip_address(a.inner_src)
    dst = ipaddress.ip_address(a.inner_dst)
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        for seq in range(a.count):
            s.sendto(packet(a.case, a.vni, src, dst, seq + 1), (a.dst, a.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
