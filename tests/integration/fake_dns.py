#!/usr/bin/env python3
"""A tiny upstream DNS server for tests: answers A queries for names under
example.test with 10.123.0.7 and NXDOMAIN for anything else, over UDP.

usage: fake_dns.py ADDRESS [PORT]   (runs until killed)
"""
import socket
import struct
import sys

ANSWER_IP = bytes([10, 123, 0, 7])
ZONE = b"example.test"


def qname_end(msg, off):
    labels = []
    while msg[off] != 0:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n])
        off += 1 + n
    return b".".join(labels).lower(), off + 1


def reply(query):
    if len(query) < 12:
        return None
    qid, _flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1:
        return None
    name, end = qname_end(query, 12)
    qtype, _qclass = struct.unpack("!HH", query[end:end + 4])
    question = query[12:end + 4]
    found = name == ZONE or name.endswith(b"." + ZONE)
    if not found:
        return struct.pack("!HHHHHH", qid, 0x8183, 1, 0, 0, 0) + question
    if qtype != 1:
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 0, 0, 0) + question
    answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + ANSWER_IP
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + answer


def main():
    addr = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 53
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, port))
    while True:
        query, peer = sock.recvfrom(4096)
        try:
            out = reply(query)
        except (IndexError, struct.error):
            out = None
        if out:
            sock.sendto(out, peer)


if __name__ == "__main__":
    main()
