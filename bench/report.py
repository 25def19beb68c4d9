#!/usr/bin/env python3
"""Turns bench/run's raw samples into the table it prints and the JSON file.

Inputs in --dir: ENGINE.WORKLOAD.samples (one wall time in microseconds per
line) and `values` ("ENGINE KEY NUMBER" lines: RSS in KiB, helper counts).
Percentiles are nearest-rank, so p50 and p90 are real samples.
"""

import argparse
import datetime
import json
import math
import os
import sys

LATENCIES = [  # (workload, label)
    ("run_d", "run -d (ms)"),
    ("rm_f", "rm -f running (ms)"),
    ("run_rm_echo", "run --rm echo hi (ms)"),
    ("import", "import rootfs tar (ms)"),
    ("net_create", "network create (ms)"),
    ("net_rm", "network rm (ms)"),
    ("net_create_many", "network create, --existing networks there (ms)"),
    ("net_rm_many", "network rm, --existing networks there (ms)"),
    ("net_connect", "network connect, running (ms)"),
    ("net_disconnect", "network disconnect, running (ms)"),
    ("run_range", "run -d -p 1000-port range (ms)"),
    ("rm_range", "rm -f of that container (ms)"),
]
# (key, label, kind): kind "mib" (KiB shown in MiB), "s" (ms shown in s),
# "count", "ms", "us", "kib", or "mbps" and "qps" (throughput: higher is
# better, unlike every other row). {n} is --containers, {m} is --many, {d} is
# --dns-containers, {v} is --volumes.
VALUES = [
    ("daemon_rss_idle_kib", "daemon RSS idle (MiB)", "mib"),
    ("daemon_rss_loaded_kib", "daemon RSS, {n} running (MiB)", "mib"),
    ("helper_rss_kib", "helper RSS per container (MiB)", "mib"),
    ("helpers", "helper processes, {n} running", "count"),
    ("many_start_ms", "start {m} on one network, -p each (s)", "s"),
    ("many_rm_ms", "rm -f those {m}, one command (s)", "s"),
    ("daemon_rss_many_kib", "daemon RSS, {m} running (MiB)", "mib"),
    ("many_shim_rss_kib", "shims' RSS total, {m} running (MiB)", "mib"),
    ("many_shim_count", "shim processes, {m} running", "count"),
    ("many_proxy_rss_kib", "docker-proxy RSS total, {m} running (MiB)", "mib"),
    ("many_proxy_count", "docker-proxy processes, {m} running", "count"),
    ("nft_lines_idle", "nft list ruleset lines, 1 network, idle", "count"),
    ("nft_lines_many", "nft list ruleset lines, {m} running", "count"),
    ("nft_lines_range", "nft list ruleset lines, 1000 ports published", "count"),
    ("nft_handles_idle", "nft objects (rules, chains, sets), idle", "count"),
    ("nft_handles_many", "nft objects, {m} running", "count"),
    ("nft_handles_range", "nft objects, 1000 ports published", "count"),
    ("iptables_lines_idle", "iptables-save lines, 1 network, idle", "count"),
    ("iptables_lines_many", "iptables-save lines, {m} running", "count"),
    ("iperf_direct_mbps", "iperf3 to container IP (Mbit/s)", "mbps"),
    ("iperf_hostaddr_mbps", "iperf3 via published port, host addr (Mbit/s)", "mbps"),
    ("iperf_loopback_mbps", "iperf3 via published port, 127.0.0.1 (Mbit/s)", "mbps"),
    ("dns_max_qps", "DNS 127.0.0.11, {d} registered: queries/s (dnsperf -q 100)", "qps"),
    ("dns_max_per_cpu_s", "  that run: queries per daemon CPU-second", "qps"),
    ("dns_max_avg_us", "  that run: average latency (us)", "us"),
    ("dns_max_p99_us", "  that run: p99 latency (us)", "us"),
    ("dns_max_lost", "  that run: queries lost", "count"),
    ("dns_1k_avg_us", "DNS at 1000 queries/s: average latency (us)", "us"),
    ("dns_1k_p99_us", "DNS at 1000 queries/s: p99 latency (us)", "us"),
    ("dns_1k_lost", "  that run: queries lost", "count"),
    ("dns_rss_none_per_kib", "daemon RSS per container, --network none (KiB)", "kib"),
    ("dns_rss_net_per_kib", "daemon RSS per container on a DNS network (KiB)", "kib"),
    ("vol_create_ms", "volume create x{v}, one by one (ms)", "ms"),
    ("vol_mount_ms", "run --rm mounting those {v} volumes (ms)", "ms"),
    ("vol_rm_ms", "volume rm of those {v}, one command (ms)", "ms"),
    ("dd_volume_mbps", "dd 256 MiB fsync to a volume (MB/s)", "mbps"),
    ("dd_rootfs_mbps", "dd 256 MiB fsync to the container's rootfs (MB/s)", "mbps"),
]
DAEMONS = {"berth": "berthd", "dockerd": "dockerd + containerd"}
HELPERS = {"berth": "berth-shim", "dockerd": "containerd-shim-runc-v2"}


def percentile(samples, p):
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def load(args):
    results = {}
    for engine in args.engines:
        entry = {"daemon": DAEMONS.get(engine, engine), "helper": HELPERS.get(engine, "")}
        for workload, _ in LATENCIES:
            path = os.path.join(args.dir, f"{engine}.{workload}.samples")
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8") as f:
                ms = [int(line) / 1000 for line in f if line.strip()]
            entry[workload] = {
                "p50_ms": round(percentile(ms, 50), 1),
                "p90_ms": round(percentile(ms, 90), 1),
                "n": len(ms),
                "samples_ms": [round(x, 1) for x in ms],
            }
        results[engine] = entry
    values_path = os.path.join(args.dir, "values")
    if os.path.exists(values_path):
        with open(values_path, encoding="utf-8") as f:
            for line in f:
                engine, key, value = line.split()
                results.setdefault(engine, {})[key] = int(value)
    return results


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return round(a / b, 2)


def format_value(value, kind):
    if kind == "mib":
        return f"{value / 1024:.1f}"
    if kind == "s":
        return f"{value / 1000:.1f}"
    return str(value)


def build_rows(args, results):
    """Rows of (label, {engine: text}, ratio-or-None) and the ratios for JSON."""
    rows, ratios = [], {}
    two = "berth" in results and "dockerd" in results
    for workload, label in LATENCIES:
        cells = {}
        for engine, entry in results.items():
            if workload in entry:
                cells[engine] = f"{entry[workload]['p50_ms']:.0f} / {entry[workload]['p90_ms']:.0f}"
        r = None
        if two and workload in results["berth"] and workload in results["dockerd"]:
            r = ratio(results["berth"][workload]["p50_ms"], results["dockerd"][workload]["p50_ms"])
            ratios[workload + "_p50"] = r
        if cells:
            rows.append((label.replace("(ms)", "p50 / p90 (ms)"), cells, r))
    for key, label, kind in VALUES:
        cells = {}
        for engine, entry in results.items():
            if key in entry:
                cells[engine] = format_value(entry[key], kind)
        r = None
        if two and key in results["berth"] and key in results["dockerd"]:
            r = ratio(results["berth"][key], results["dockerd"][key])
            ratios[key] = r
        if cells:
            rows.append((label.format(n=args.containers, m=args.many, d=args.dns_containers,
                                      v=args.volumes), cells, r))
    return rows, ratios


def print_table(args, results, rows, date):
    engines = list(results)
    headers = ["workload"] + engines + (["berth/dockerd"] if len(engines) == 2 else [])
    table = [headers]
    for label, cells, r in rows:
        row = [label] + [cells.get(e, "-") for e in engines]
        if len(engines) == 2:
            row.append("-" if r is None else f"{r:.2f}")
        table.append(row)
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    print(f"\nberth bench, {date}, {args.machine}")
    print(f"command: {args.command}")
    for engine in engines:
        print(f"  {engine}: daemon = {DAEMONS.get(engine, engine)}, helper = {HELPERS.get(engine, '?')}")
    print()
    sep = "| " + " | ".join("-" * w for w in widths) + " |"
    for i, row in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[j]) if j == 0 else cell.rjust(widths[j])
                                for j, cell in enumerate(row)) + " |")
        if i == 0:
            print(sep)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--machine", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--containers", type=int, required=True)
    ap.add_argument("--many", type=int, default=0)
    ap.add_argument("--dns-containers", type=int, default=0)
    ap.add_argument("--volumes", type=int, default=0)
    ap.add_argument("--berthd", default="")
    ap.add_argument("--engines", nargs="+", required=True)
    args = ap.parse_args()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = load(args)
    rows, ratios = build_rows(args, results)
    print_table(args, results, rows, date)
    doc = {
        "date": date,
        "machine": args.machine,
        "command": args.command,
        "runs": args.runs,
        "containers": args.containers,
        "many": args.many,
        "berthd": args.berthd,
        "engines": results,
        "ratios_berth_over_dockerd": ratios,
    }
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
