#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Abuse test: a peer that sends media for streams it never negotiated. One call of the
load generator whose customer, after negotiating, also sends part of its audio on foreign
SSRCs (a payload type no SDP named, and the negotiated one on many unannounced streams).
The gateway must drop those, keep serving the call both ways, say so in its log, keep its
threads and descriptors bounded, and exit cleanly (ASan/LSan build in the suite). Meant to
run inside a private network namespace (tests/bench/rogue.sh sets that up)."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (start_balie, log)
import soak  # noqa: E402  (sample)

# A 1:1 call costs ~34 threads and ~20 descriptors; a stream per foreign SSRC would
# cost far more than this (the rogue peer cycles through 2 x --ssrcs of them).
THREAD_BOUND = 60
FD_BOUND = 60


def dump_stacks(pid, path):
    """Where every thread of a gateway whose call did not come up is (gdb, if installed):
    a call that never comes up has so far meant a thread that is stuck."""
    gdb = shutil.which("gdb")
    if not gdb:
        print("rogue: no gdb, no thread stacks", file=sys.stderr)
        return
    try:
        out = subprocess.run([gdb, "-p", str(pid), "-batch", "-ex", "set pagination off",
                              "-ex", "thread apply all bt 40"],
                             capture_output=True, text=True, timeout=120).stdout
    except subprocess.TimeoutExpired:
        print("rogue: gdb took too long", file=sys.stderr)
        return
    with open(path, "w") as f:
        f.write(out)
    print(f"rogue: the call did not come up; the gateway's thread stacks are in {path}",
          file=sys.stderr)
    print(out[-20000:], file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--balie", required=True)
    p.add_argument("--loadgen", required=True)
    p.add_argument("--ssrcs", type=int, default=100, help="foreign SSRCs per kind")
    p.add_argument("--window", type=int, default=8, help="seconds of media measured")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    media = os.path.join(args.out, "bench-media.mkv")
    bench.setup_network()
    work = tempfile.mkdtemp(prefix="balie-rogue-")
    gw = bench.start_balie(argparse.Namespace(gateway_cpus="", balie=args.balie), work, 10)
    pid = gw.proc.pid
    failures = []
    try:
        start = soak.sample(pid)
        peak = dict(start)
        stop = threading.Event()

        def watch():
            nonlocal peak
            while not stop.is_set():
                try:
                    now = soak.sample(pid)
                except OSError:
                    return
                peak = {k: max(peak[k], now[k]) for k in peak}
                stop.wait(0.5)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        run = subprocess.run(
            [args.loadgen, "--calls", "1", "--media", media, "--settle", "3",
             "--window", str(args.window), "--url", gw.url, "--gateway-pid", str(pid),
             "--rogue-ssrcs", str(args.ssrcs)] + gw.loadgen_args[:2] + gw.loadgen_args[2:],
            capture_output=True, text=True, timeout=args.window + 240,
            env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        stop.set()
        watcher.join()
        alive = gw.proc.poll() is None
        # The load generator prints compact JSON ("calls_up":1); a call that never came
        # up is most likely a stuck thread: say where each one is.
        if alive and run.returncode == 0 and '"calls_up":1,' not in run.stdout.replace(" ", ""):
            dump_stacks(pid, os.path.join(work, "stacks.txt"))
    finally:
        gw.stop()
    with open(os.path.join(work, "balie.log"), errors="replace") as f:
        log = f.read()
    result = json.loads(run.stdout.strip().splitlines()[-1]) if run.returncode == 0 and run.stdout.strip() else None
    print(f"rogue: start {start}, peak {peak}")
    print(f"rogue: load generator: {json.dumps(result)}")
    if result is None:
        failures.append(f"load generator exited {run.returncode}: {run.stderr[-2000:]}")
    else:
        if result["calls_up"] != 1:
            failures.append("the call did not come up")
        if result.get("rogue_packets", 0) < 50:
            failures.append(f"only {result.get('rogue_packets')} rogue packets were sent")
        for kind in ("video", "audio"):
            if result[kind]["packets_received"] == 0:
                failures.append(f"no {kind} reached the other side during the window")
        if result["video"]["loss_count_pct"] > 5:
            failures.append(f"video loss {result['video']['loss_count_pct']} %")
    if not alive:
        failures.append("the gateway died during the call")
    if peak["threads"] > start["threads"] + THREAD_BOUND:
        failures.append(f"threads grew from {start['threads']} to {peak['threads']}")
    if peak["fds"] > start["fds"] + FD_BOUND:
        failures.append(f"descriptors grew from {start['fds']} to {peak['fds']}")
    if gw.proc.returncode != 0:
        failures.append(f"the gateway exited with {gw.proc.returncode} (sanitizer report?)")
    for bad in ("ERROR: AddressSanitizer", "runtime error:", "CRITICAL"):
        if bad in log:
            failures.append(f"gateway log has {bad!r}")
    said = [line for line in log.splitlines() if "than a browser negotiates" in line]
    print(f"rogue: gateway log lines about it: {len(said)}" + (f", e.g. {said[0]}" if said else ""))
    if len(said) != 1:
        failures.append(f"the gateway said {len(said)} times that a peer sent on too many SSRCs "
                        "(once expected)")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        print(log[-6000:] if "LeakSanitizer" not in log else log[log.index("LeakSanitizer") - 200:][:40000], file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
