#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the tunnel packets the gateway benchmark's pedit filters write
over pktgen's UDP payloads (tests/bench/lib.sh: pedit_payload).

  frames.py geneve VNI SRC DST FILE        GENEVE (IPv4 inside) -> DST
  frames.py vxlan VNI MAC SRC DST FILE     VXLAN (Ethernet to MAC, IPv4)

The inner packet is IPv4/UDP from SRC to DST port 9 with PAYLOAD bytes
(FRAMES_PAYLOAD_LEN of them if set, up to 32).
"""
import ipaddress
import os
import struct
import sys

PAYLOAD = b"xcloud-bench-payload-0123456789"[:32].ljust(32, b".")
PAYLOAD = PAYLOAD[:int(os.environ.get("FRAMES_PAYLOAD_LEN", len(PAYLOAD)))]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_udp(src, dst, dport=9, payload=PAYLOAD):
    src, dst = ipaddress.IPv4Address(src), ipaddress.IPv4Address(dst)
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64,
                     17, 0, src.packed, dst.packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp  # UDP checksum 0: allowed over IPv4


def main():
    kind = sys.argv[1]
    if kind == "geneve":
        vni, src, dst, out = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
        data = struct.pack("!BBHI", 0, 0, 0x0800, vni << 8) + ipv4_udp(src, dst)
    elif kind == "vxlan":
        vni, mac, src, dst, out = int(sys.argv[2]), sys.argv[3], sys.argv[4], \
            sys.argv[5], sys.argv[6]
        eth = bytes.fromhex(mac.replace(":", "")) + \
            bytes.fromhex("020000bbbb01") + struct.pack("!H", 0x0800)
        data = struct.pack("!II", 0x08000000, vni << 8) + eth + ipv4_udp(src, dst)
    else:
        raise SystemExit("frames.py: unknown kind %s" % kind)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
