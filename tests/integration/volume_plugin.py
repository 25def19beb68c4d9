#!/usr/bin/env python3
"""A small volume plugin for volume_test.sh: docker's volume plugin protocol
(/Plugin.Activate, /VolumeDriver.*) over a unix socket, stdlib only.

Usage: volume_plugin.py SOCKET DATA_DIR LOG
Volumes are directories DATA_DIR/<name>. Create options: fail=<msg> makes
Create answer that error; slow=<seconds> makes it sleep first (time-outs).
Every call is appended to LOG as "<method> <name>".
"""
import json
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

SOCK, DATA, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
LOCK = threading.Lock()
VOLUMES = {}  # name -> {"opts": {...}, "mounts": set()}


def log(method, name):
    with LOCK, open(LOG, "a") as f:
        f.write(f"{method} {name}\n")


def handle(method, req):
    name = req.get("Name", "")
    log(method, name)
    if method == "Plugin.Activate":
        return {"Implements": ["VolumeDriver"]}
    if method == "VolumeDriver.Capabilities":
        return {"Capabilities": {"Scope": "local"}}
    if method == "VolumeDriver.Create":
        opts = req.get("Opts") or {}
        if "slow" in opts:
            time.sleep(float(opts["slow"]))
        if "fail" in opts:
            return {"Err": opts["fail"]}
        os.makedirs(os.path.join(DATA, name), exist_ok=True)
        VOLUMES[name] = {"opts": opts, "mounts": set()}
        return {"Err": ""}
    if method == "VolumeDriver.List":
        return {"Volumes": [{"Name": n, "Mountpoint": os.path.join(DATA, n)} for n in VOLUMES], "Err": ""}
    if name not in VOLUMES:
        return {"Err": f"no such volume {name}"}
    path = os.path.join(DATA, name)
    if method == "VolumeDriver.Remove":
        if VOLUMES[name]["mounts"]:
            return {"Err": "volume is mounted"}
        del VOLUMES[name]
        return {"Err": ""}
    if method == "VolumeDriver.Mount":
        VOLUMES[name]["mounts"].add(req.get("ID", ""))
        return {"Mountpoint": path, "Err": ""}
    if method == "VolumeDriver.Unmount":
        VOLUMES[name]["mounts"].discard(req.get("ID", ""))
        return {"Err": ""}
    if method == "VolumeDriver.Path":
        return {"Mountpoint": path, "Err": ""}
    if method == "VolumeDriver.Get":
        return {"Volume": {"Name": name, "Mountpoint": path,
                           "Status": {"mounts": len(VOLUMES[name]["mounts"])}}, "Err": ""}
    return {"Err": f"unknown method {method}"}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            req = json.loads(raw or b"{}") or {}
        except ValueError:
            req = {}
        reply = handle(self.path.lstrip("/"), req)
        body = json.dumps(reply).encode()
        self.send_response(500 if reply.get("Err") else 200)
        self.send_header("Content-Type", "application/vnd.docker.plugins.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self):
        return "plugin"

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCK):
    os.unlink(SOCK)
os.makedirs(DATA, exist_ok=True)
with Server(SOCK, Handler) as srv:
    srv.serve_forever()
