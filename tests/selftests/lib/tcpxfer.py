#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A checked TCP transfer between two network namespaces.

  tcpxfer.py --netns-src NS --netns-dst NS --addr DST --bytes N

Starts a receiver in the destination namespace and a sender in the source
namespace (both through `ip netns exec`), sends N pseudo-random bytes and
checks that the receiver got exactly those bytes (length and SHA-256).
Exit status 0 on success.
"""
import argparse
import hashlib
import os
import socket
import subprocess
import sys

PORT = 5201 + 17


def payload(n):
    """N reproducible bytes, generated in 64 KiB chunks."""
    seed = b"xcloud"
    while n > 0:
        seed = hashlib.sha512(seed).digest()
        chunk = (seed * 1024)[: min(n, 65536)]
        n -= len(chunk)
        yield chunk


def serve(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, PORT))
        s.listen(1)
        print("listening", flush=True)
        s.settimeout(60)
        conn, _ = s.accept()
        conn.settimeout(60)
        h, total = hashlib.sha256(), 0
        while True:
            b = conn.recv(1 << 16)
            if not b:
                break
            h.update(b)
            total += len(b)
        conn.close()
        print("%d %s" % (total, h.hexdigest()), flush=True)


def send(addr, n):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.create_connection((addr, PORT), timeout=30) as s:
        for chunk in payload(n):
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=["serve", "send"])
    ap.add_argument("--netns-src")
    ap.add_argument("--netns-dst")
    ap.add_argument("--addr", required=True)
    ap.add_argument("--bytes", type=int, default=1 << 20)
    a = ap.parse_args()
    if a.role == "serve":
        serve(a.addr)
        return 0
    if a.role == "send":
        send(a.addr, a.bytes)
        return 0

    me = os.path.abspath(__file__)
    srv = subprocess.Popen(["ip", "netns", "exec", a.netns_dst, sys.executable,
                            me, "--role", "serve", "--addr", a.addr],
                           stdout=subprocess.PIPE, text=True)
    try:
        if srv.stdout.readline().strip() != "listening":
            print("tcpxfer: receiver did not start", file=sys.stderr)
            return 1
        snd = subprocess.run(["ip", "netns", "exec", a.netns_src,
                              sys.executable, me, "--role", "send", "--addr",
                              a.addr, "--bytes", str(a.bytes)], timeout=120)
        out = srv.stdout.readline().split()
        srv.wait(timeout=30)
    finally:
        if srv.poll() is None:
            srv.kill()
    h = hashlib.sha256()
    for chunk in payload(a.bytes):
        h.update(chunk)
    want = [str(a.bytes), h.hexdigest()]
    if snd.returncode != 0 or out != want:
        print("tcpxfer: sent %s, received %s" % (want, out), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
