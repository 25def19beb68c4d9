#!/usr/bin/env python3
"""A unix-socket proxy that hides known API gaps of berthd from a client.

usage: gap_proxy.py LISTEN_SOCK BERTHD_SOCK LOG_FILE PARAM...

Forwards every connection to BERTHD_SOCK unchanged, except that it drops the
query parameters PARAM... from request lines (berthd refuses query parameters
it does not know; dockerd ignores them). Each drop is written to LOG_FILE as
"METHOD PATH: dropped PARAM", so the suite can report the gap it papered over.
Once berthd accepts these parameters, the suite runs without the proxy.

Requests are parsed only as far as needed to find the next request line on a
kept-alive connection (Content-Length or chunked bodies); after a request that
asks for an Upgrade (attach, exec start) the connection is piped raw.
"""

import os
import socket
import sys
import threading
import urllib.parse


def read_line(conn, buf):
    while b"\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, buf
        buf += data
    line, rest = buf.split(b"\r\n", 1)
    return line, rest


def read_exact(conn, buf, n):
    while len(buf) < n:
        data = conn.recv(65536)
        if not data:
            raise ConnectionError("client closed inside a body")
        buf += data
    return buf[:n], buf[n:]


def strip_params(request_line, drop, log):
    method, target, version = request_line.split(b" ", 2)
    url = urllib.parse.urlsplit(target.decode())
    pairs = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k not in drop]
    if len(kept) == len(pairs):
        return request_line
    for k, _ in pairs:
        if k in drop:
            log.write(f"{method.decode()} {url.path}: dropped {k}\n")
    log.flush()
    new_target = urllib.parse.urlunsplit(("", "", url.path, urllib.parse.urlencode(kept), ""))
    return b" ".join([method, new_target.encode(), version])


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def forward_requests(client, upstream, drop, log):
    buf = b""
    try:
        while True:
            line, buf = read_line(client, buf)
            if line is None:
                break
            out = [strip_params(line, drop, log)]
            length, chunked, upgrade = 0, False, False
            while True:
                header, buf = read_line(client, buf)
                if header is None:
                    raise ConnectionError("client closed inside headers")
                out.append(header)
                if not header:
                    break
                name, _, value = header.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding" and "chunked" in value:
                    chunked = True
                elif name == "upgrade" or (name == "connection" and "upgrade" in value):
                    upgrade = True
            upstream.sendall(b"\r\n".join(out) + b"\r\n")
            if chunked:
                while True:
                    size_line, buf = read_line(client, buf)
                    if size_line is None:
                        raise ConnectionError("client closed inside a chunked body")
                    size = int(size_line.split(b";")[0], 16)
                    chunk, buf = read_exact(client, buf, size + 2)
                    upstream.sendall(size_line + b"\r\n" + chunk)
                    if size == 0:
                        break
            elif length:
                body, buf = read_exact(client, buf, length)
                upstream.sendall(body)
            if upgrade:
                if buf:
                    upstream.sendall(buf)
                pipe(client, upstream)
                return
    except (OSError, ConnectionError, ValueError):
        pass
    try:
        upstream.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, target, drop, log):
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(target)
    except OSError:
        client.close()
        return
    back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    back.start()
    forward_requests(client, upstream, drop, log)
    back.join()
    client.close()
    upstream.close()


def main():
    listen, target, log_path = sys.argv[1:4]
    drop = set(sys.argv[4:])
    if os.path.exists(listen):
        os.unlink(listen)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(listen)
    server.listen(64)
    with open(log_path, "a", encoding="utf-8") as log:
        while True:
            client, _ = server.accept()
            threading.Thread(target=serve, args=(client, target, drop, log), daemon=True).start()


if __name__ == "__main__":
    main()
