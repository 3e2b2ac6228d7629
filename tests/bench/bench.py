#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Runs balie-loadgen against Balie and Janus (VideoCall) for a list of call counts and
prints the figures side by side. Meant to run inside a private network namespace
(tests/bench/run.sh sets that up); see docs/benchmarks.md for the method."""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BENCH_IF = "bench0"
BENCH_IP = "10.98.0.1"  # an address of our own on a veth: Janus skips loopback
JANUS_PORT = 8188
JANUS_LIB = "/usr/lib/x86_64-linux-gnu/janus"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def proc_status(pid):
    rss = threads = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads


def thread_names(pid):
    """Thread count per name, digits folded (e.g. 'queue12:src' -> 'queue#:src')."""
    census = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    name = "".join("#" if c.isdigit() else c for c in f.read().strip())
            except OSError:
                continue
            name = name.replace("##", "#").replace("##", "#")
            census[name] = census.get(name, 0) + 1
    except OSError:
        pass
    return census


def setup_network():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    if subprocess.run(["ip", "link", "show", BENCH_IF], capture_output=True).returncode != 0:
        # A veth pair (this kernel has no dummy driver); traffic to our own
        # address stays on the host's local route, like loopback.
        subprocess.run(["ip", "link", "add", BENCH_IF, "type", "veth", "peer", "name",
                        BENCH_IF + "p"], check=True)
        subprocess.run(["ip", "addr", "add", f"{BENCH_IP}/24", "dev", BENCH_IF], check=True)
        subprocess.run(["ip", "link", "set", BENCH_IF + "p", "up"], check=True)
        subprocess.run(["ip", "link", "set", BENCH_IF, "up"], check=True)


def taskset(cpus):
    return ["taskset", "-c", cpus] if cpus else []


class Gateway:
    """A gateway process we started, and how load generators reach it."""

    def __init__(self, proc, url, loadgen_args, logfile):
        self.proc, self.url, self.loadgen_args, self.logfile = proc, url, loadgen_args, logfile

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log(f"gateway {self.proc.pid} ignored SIGTERM for 20 s; killing it")
                self.proc.kill()
                self.proc.wait()
        self.logfile.close()


def start_balie(args, work, max_rooms):
    env = dict(os.environ,
               BALIE_SERVER_PORT="0",
               BALIE_SERVER_LISTEN_ADDRESS="127.0.0.1",
               BALIE_MEDIA_ICE_LOCAL_ADDRESSES="127.0.0.1",
               BALIE_LIMITS_MAX_ROOMS=str(max_rooms),
               # The load generator opens plain rooms by name.
               BALIE_ROOMS_LINK_ONLY="false",
               BALIE_SERVER_DATA_DIR=os.path.join(work, "balie-data"))
    logfile = open(os.path.join(work, "balie.log"), "ab")
    proc = subprocess.Popen(taskset(args.gateway_cpus) + [args.balie], env=env,
                            stdout=subprocess.PIPE, stderr=logfile, text=True)
    deadline = time.time() + 30
    url = None
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("Balie listening on "):
            url = line.split()[3].rstrip("/")
            break
    if not url:
        proc.kill()
        raise RuntimeError("Balie did not print its URL; see " + logfile.name)
    # Drain the rest of stdout so the gateway never blocks on a full pipe.
    subprocess.Popen(["cat"], stdin=proc.stdout, stdout=subprocess.DEVNULL)
    ws = url.replace("https://", "wss://").replace("http://", "ws://") + "/ws"
    return Gateway(proc, ws, ["--protocol", "balie", "--extra-ip", "127.0.0.1"], logfile)


def write_janus_config(folder):
    os.makedirs(folder, exist_ok=True)
    plugins = sorted(f for f in os.listdir(f"{JANUS_LIB}/plugins")
                     if f.endswith(".so") and f != "libjanus_videocall.so")
    transports = sorted(f for f in os.listdir(f"{JANUS_LIB}/transports")
                        if f.endswith(".so") and f != "libjanus_websockets.so")
    events = sorted(f for f in os.listdir(f"{JANUS_LIB}/events") if f.endswith(".so"))
    loggers = sorted(f for f in os.listdir(f"{JANUS_LIB}/loggers") if f.endswith(".so"))
    with open(os.path.join(folder, "janus.jcfg"), "w") as f:
        f.write(f"""general: {{
	configs_folder = "{folder}"
	plugins_folder = "{JANUS_LIB}/plugins"
	transports_folder = "{JANUS_LIB}/transports"
	events_folder = "{JANUS_LIB}/events"
	loggers_folder = "{JANUS_LIB}/loggers"
	debug_level = 4
	session_timeout = 120
}}
media: {{
	rtp_port_range = "20000-40000"
}}
nat: {{
	nice_debug = false
	ice_enforce_list = "{BENCH_IF}"
}}
plugins: {{
	disable = "{','.join(plugins)}"
}}
transports: {{
	disable = "{','.join(transports)}"
}}
loggers: {{
	disable = "{','.join(loggers)}"
}}
events: {{
	broadcast = false
	disable = "{','.join(events)}"
}}
""")
    with open(os.path.join(folder, "janus.transport.websockets.jcfg"), "w") as f:
        f.write(f"""general: {{
	json = "plain"
	ws = true
	ws_port = {JANUS_PORT}
	ws_ip = "{BENCH_IP}"
	wss = false
}}
admin: {{
	admin_ws = false
	admin_wss = false
}}
""")
    with open(os.path.join(folder, "janus.plugin.videocall.jcfg"), "w") as f:
        f.write("general: {\n}\n")


def start_janus(args, work, max_rooms):
    folder = os.path.join(work, "janus-config")
    write_janus_config(folder)
    logfile = open(os.path.join(work, "janus.log"), "ab")
    proc = subprocess.Popen(taskset(args.gateway_cpus) +
                            [args.janus, "-C", os.path.join(folder, "janus.jcfg"), "-F", folder],
                            stdout=logfile, stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("Janus exited; see " + logfile.name)
        try:
            socket.create_connection((BENCH_IP, JANUS_PORT), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("Janus did not open its WebSocket port; see " + logfile.name)
    return Gateway(proc, f"ws://{BENCH_IP}:{JANUS_PORT}", ["--protocol", "janus"], logfile)


class NoGateway:
    """The 'direct' baseline: peers connect to each other, nothing in between."""

    url = None
    loadgen_args = ["--protocol", "direct", "--extra-ip", "127.0.0.1"]

    class proc:
        pid = 0
        returncode = None

        @staticmethod
        def poll():
            return None

    def stop(self):
        pass


def start_gateway(args, work, name, n):
    if name == "direct":
        return NoGateway()
    return (start_balie if name == "balie" else start_janus)(args, work, max(n * 2, 10))


def run_one(args, work, name, n):
    gw = start_gateway(args, work, name, n)
    try:
        idle_rss = idle_threads = 0
        cmd = taskset(args.loadgen_cpus) + [
            args.loadgen, "--calls", str(n), "--media", args.media, "--settle",
            str(args.settle), "--window", str(args.window), "--ramp-ms", str(args.ramp_ms)]
        if gw.proc.pid:
            time.sleep(2)
            idle_rss, idle_threads = proc_status(gw.proc.pid)
            cmd += ["--url", gw.url, "--gateway-pid", str(gw.proc.pid)]
        cmd += gw.loadgen_args
        log(f"{name} N={n}: {' '.join(cmd)}")
        lg = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # While it runs, keep the gateway's busiest thread census (by thread name).
        census = {}
        deadline = time.time() + args.window + args.settle + 120 + n
        while lg.poll() is None and time.time() < deadline:
            names = thread_names(gw.proc.pid) if gw.proc.pid else {}
            if sum(names.values()) > sum(census.values()):
                census = names
            time.sleep(1)
        if lg.poll() is None:
            lg.kill()
        stdout, stderr = lg.communicate()
        if lg.returncode != 0 or not stdout.strip():
            log(f"{name} N={n}: load generator failed:\n{stderr[-3000:]}")
            return None
        warnings = [l for l in stderr.splitlines() if "WARNING" in l or "CRITICAL" in l]
        if warnings:
            log(f"{name} N={n}: {len(warnings)} warnings, first: {warnings[0]}")
        r = json.loads(stdout.strip().splitlines()[-1])
        r.update(gateway_name=name, idle_rss_kb=idle_rss, idle_threads=idle_threads,
                 thread_census=census)
        if gw.proc.poll() is not None:
            log(f"{name} N={n}: gateway exited with {gw.proc.returncode} during the run")
            r["gateway_crashed"] = True
        return r
    finally:
        gw.stop()


def derive(r):
    """Per-call figures from one run."""
    n = r["calls"]
    g = r.get("gateway", {})
    v, a = r["video"], r["audio"]
    nan = float("nan")
    if not g:  # the direct baseline has no gateway
        g = {"cpu_pct": nan, "rss_kb": nan, "threads": nan}
    return {
        "n": n,
        "up": r["calls_up"],
        "cpu": g["cpu_pct"],
        "cpu_call": g["cpu_pct"] / n,
        "rss_mb": g["rss_kb"] / 1024,
        "rss_call": (g["rss_kb"] - r["idle_rss_kb"]) / 1024 / n,
        "thr": g["threads"],
        "thr_call": (g["threads"] - r["idle_threads"]) / n,
        "setup50": r["setup_ms"]["p50"],
        "setup95": r["setup_ms"]["p95"],
        "loss_v": v["loss_seq_pct"],
        "loss_a": a["loss_seq_pct"],
        "jit_v": v["jitter_rx_ms"],
        "jit_tx_v": v["jitter_tx_ms"],
        "d50": r["delay_ms"]["p50"],
        "d99": r["delay_ms"]["p99"],
        "lg_cpu": r["loadgen"]["cpu_pct"],
        # The load generator does the same work per call behind every gateway, so
        # the gateway's CPU in units of its CPU takes out the machine's speed drift.
        "cpu_lg": g["cpu_pct"] / r["loadgen"]["cpu_pct"] if r["loadgen"]["cpu_pct"] else nan,
        # /proc/stat and per-process ticks round differently: small negatives mean ~0.
        "rcvbuf": r.get("udp_rcvbuf_errors", nan),
        "others": max(r.get("machine", {}).get("others_pct", nan), 0),
        "mbps": v["packets_received"] and (v["packets_received"] / r["window_s"]) or 0,
    }


def slope(points):
    """Least-squares slope of y over x; nan with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    return (sum((x - mx) * (y - my) for x, y in points) /
            sum((x - mx) ** 2 for x, _ in points))


def lossless(d, tolerance):
    return d["up"] == d["n"] and 0 <= d["loss_v"] <= tolerance and 0 <= d["loss_a"] <= tolerance


COLUMNS = [
    ("calls up", "up", "{:.0f}"),
    ("gateway CPU % (of one core)", "cpu", "{:.1f}"),
    ("CPU % per call", "cpu_call", "{:.2f}"),
    ("RSS MB", "rss_mb", "{:.1f}"),
    ("RSS MB per call", "rss_call", "{:.2f}"),
    ("threads", "thr", "{:.0f}"),
    ("threads per call", "thr_call", "{:.1f}"),
    ("set-up ms p50", "setup50", "{:.0f}"),
    ("set-up ms p95", "setup95", "{:.0f}"),
    ("video loss %", "loss_v", "{:.3f}"),
    ("audio loss %", "loss_a", "{:.3f}"),
    ("video jitter ms (rx)", "jit_v", "{:.2f}"),
    ("one-way delay ms p50", "d50", "{:.2f}"),
    ("one-way delay ms p99", "d99", "{:.2f}"),
    ("load generator CPU %", "lg_cpu", "{:.0f}"),
    ("gateway CPU / load generator CPU", "cpu_lg", "{:.3f}"),
    ("rest of machine CPU %", "others", "{:.0f}"),
    ("UDP receive-buffer drops", "rcvbuf", "{:.0f}"),
]


def table(results, names):
    by = {(r["gateway_name"], r["calls"]): derive(r) for r in results}
    ns = sorted({r["calls"] for r in results})
    with_ratio = "balie" in names and "janus" in names
    lines = []
    for n in ns:
        head = f"| N={n} | " + " | ".join(names)
        if with_ratio:
            head += " | Balie/Janus"
        lines.append(head + " |")
        lines.append("|---" * (len(names) + 1 + with_ratio) + "|")
        for label, key, fmt in COLUMNS:
            cells = []
            vals = []
            for name in names:
                d = by.get((name, n))
                val = d[key] if d else None
                vals.append(val)
                cells.append(fmt.format(val) if val is not None and val == val else "-")
            row = f"| {label} | " + " | ".join(cells)
            if with_ratio:
                b, j = vals[names.index("balie")], vals[names.index("janus")]
                ratio = "-"
                if b is not None and j is not None and b == b and j == j and b >= 0 and j > 0:
                    ratio = f"{b / j:.2f}"
                row += f" | {ratio}"
            lines.append(row + " |")
        lines.append("")
    return "\n".join(lines)


def plot(results, names, png, data_dir, loss_tolerance):
    if not shutil.which("gnuplot"):
        log("gnuplot is missing (apt-get install gnuplot-nox): no plot")
        return
    files = {}
    for name in [n for n in names if n != "direct"]:
        rows = sorted((derive(r) for r in results if r["gateway_name"] == name),
                      key=lambda d: d["n"])
        path = os.path.join(data_dir, f"{name}.dat")
        with open(path, "w") as f:
            f.write("# N cpu_pct rss_mb threads lossy\n")
            for d in rows:
                lossy = 0 if lossless(d, loss_tolerance) else 1
                f.write(f"{d['n']} {d['cpu']:.2f} {d['rss_mb']:.2f} {d['thr']} {lossy}\n")
        files[name] = path
    engines = sorted({r.get("engine", "webrtcbin") for r in results if r["gateway_name"] == "balie"})
    titles = {"balie": f"Balie ({', '.join(engines)})", "janus": "Janus 1.1.2 VideoCall"}
    cpu = ", ".join(f"'{p}' using 1:2 with linespoints lw 2 title '{titles[n]}'"
                    for n, p in files.items())
    rss = ", ".join(f"'{p}' using 1:3 with linespoints lw 2 title '{titles[n]}'"
                    for n, p in files.items())
    # Circle the runs in which calls lost packets (a starved gateway).
    def lossy(col):
        return ", ".join(f"'{p}' using 1:($5 > 0 ? ${col} : 1/0) with points pt 6 ps 2.5 "
                         "lc rgb 'red' " + ("title 'packets lost'" if i == 0 else "notitle")
                         for i, p in enumerate(files.values()))
    cpu += ", " + lossy(2)
    rss += ", " + lossy(3)
    script = f"""
set terminal pngcairo size 1100,450 font 'sans,10'
set output '{png}'
set multiplot layout 1,2 title 'Gateway cost against concurrent 1:1 calls (VP8 1 Mbit/s + Opus 32 kbit/s each way, 2-core VM, load generator on the same cores)'
set grid
set key top left
set xlabel 'concurrent 1:1 calls (N)'
set ylabel 'gateway CPU, % of one core'
set yrange [0:*]
plot {cpu}
set ylabel 'gateway RSS, MB'
plot {rss}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    log(f"plot written to {png}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--balie", default="")
    p.add_argument("--loadgen", default="")
    p.add_argument("--janus", default=shutil.which("janus") or "/usr/bin/janus")
    p.add_argument("--gateways", default="balie,janus,direct",
                   help="any of balie, janus, direct (no gateway: the load generator's own "
                        "delay and jitter, to subtract)")
    p.add_argument("--calls", default="1,2,4,8,12,16")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs per gateway and N; the table keeps the least disturbed one")
    p.add_argument("--window", type=int, default=15)
    p.add_argument("--settle", type=int, default=5)
    p.add_argument("--ramp-ms", type=int, default=200)
    p.add_argument("--gateway-cpus", default="", help="taskset CPU list for the gateway")
    p.add_argument("--loadgen-cpus", default="", help="taskset CPU list for the load generator")
    p.add_argument("--loss-tolerance", type=float, default=0.01,
                   help="loss %% still counted as none (sequence-gap based)")
    p.add_argument("--out", default=os.path.join(here, "out"))
    p.add_argument("--plot", default="", help="PNG to write the CPU/RSS plot to")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless every call of every run carried audio and video")
    p.add_argument("--replot", default="", help="only remake table and plot from results.json files (comma-separated)")
    args = p.parse_args()

    names = [n for n in args.gateways.split(",") if n]
    if args.replot:
        results = []
        for path in args.replot.split(","):
            with open(path) as f:
                results += json.load(f)
        names = [n for n in names if any(r["gateway_name"] == n for r in results)]
        report(args, results, names, results[0].get("revision", "?") if results else "?")
        return
    if "janus" in names and not os.path.exists(args.janus):
        log("janus is not installed (apt-get install janus): Balie only")
        names.remove("janus")
    setup_network()
    os.makedirs(args.out, exist_ok=True)
    args.media = os.path.join(args.out, "bench-media.mkv")
    work = tempfile.mkdtemp(prefix="balie-bench.")
    results = []
    for n in [int(x) for x in args.calls.replace(" ", ",").split(",") if x]:
        for rep in range(args.repeat):
            for name in names:  # alternate gateways at every N
                r = run_one(args, work, name, n)
                if r:
                    r["repeat"] = rep
                    results.append(r)
                    log_result(name, n, r)
    report(args, results, names, revision(here))
    if args.check:
        # A smoke run: every gateway must have carried every call, both ways.
        bad = [f"{r['gateway_name']} N={r['calls']}" for r in results
               if r["calls_up"] != r["calls"] or r["video"]["packets_received"] == 0
               or r["audio"]["packets_received"] == 0]
        missing = len(names) * len(args.calls.split(",")) - len(results)
        if bad or missing:
            log(f"check failed: {', '.join(bad) or ''} {missing} runs without a result")
            sys.exit(1)


def log_result(name, n, r):
    d = derive(r)
    log(f"{name} N={n}: up {d['up']}/{n}, cpu {d['cpu']:.1f}% ({d['cpu_call']:.2f}/call), "
        f"rss {d['rss_mb']:.1f} MB ({d['rss_call']:.2f}/call), threads {d['thr']}, loss v/a "
        f"{d['loss_v']:.3f}/{d['loss_a']:.3f}%, delay p50/p99 {d['d50']:.2f}/{d['d99']:.2f} ms, "
        f"loadgen cpu {d['lg_cpu']:.0f}%, rest of machine {d['others']:.0f}%, "
        f"UDP rcvbuf drops {d['rcvbuf']}")


def quietest(results):
    """With repeats, keep per gateway and N the run the rest of the machine disturbed least."""
    best = {}
    for r in results:
        key = (r["gateway_name"], r["calls"])
        others = r.get("machine", {}).get("others_pct", 0)
        if key not in best or others < best[key].get("machine", {}).get("others_pct", 0):
            best[key] = r
    return list(best.values())


def revision(here):
    return subprocess.run(["git", "-C", here, "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip()


def report(args, results, names, rev):
    """Writes results.json, table.md and the plot; prints the table."""
    os.makedirs(args.out, exist_ok=True)
    for r in results:
        r.setdefault("revision", rev)
        if r["gateway_name"] == "balie":  # which participants (media.engine) it was made of
            r.setdefault("engine", os.environ.get("BALIE_MEDIA_ENGINE", "webrtcbin"))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    results = quietest(results)
    engines = sorted({r.get("engine", "webrtcbin") for r in results if r["gateway_name"] == "balie"})
    text = (f"Balie {rev} (media.engine {', '.join(engines) or '-'}); {os.cpu_count()} CPUs; "
            f"window {args.window} s after {args.settle} s settling\n\n")
    text += table(results, names)
    summary = []
    for name in [n for n in names if n != "direct"]:
        ok = [derive(r)["n"] for r in results
              if r["gateway_name"] == name and lossless(derive(r), args.loss_tolerance)]
        summary.append(f"{name}: highest N without added loss (<= {args.loss_tolerance} %): "
                       f"{max(ok) if ok else 'none'}")
        fast = [derive(r)["n"] for r in results
                if r["gateway_name"] == name and lossless(derive(r), args.loss_tolerance)
                and 0 <= derive(r)["d99"] <= 20]
        summary.append(f"{name}: highest N without added loss and with one-way delay p99 "
                       f"<= 20 ms: {max(fast) if fast else 'none'}")
    for name in [n for n in names if n != "direct"]:
        rows = [derive(r) for r in results if r["gateway_name"] == name]
        # Only runs without loss: a starved gateway's CPU figure is its share, not its need.
        fit = {k: slope([(d["n"], d[k]) for d in rows if lossless(d, args.loss_tolerance)])
               for k in ("cpu", "rss_mb", "thr", "lg_cpu")}
        # Per further call, the gateway's CPU over the load generator's: the same
        # yardstick for every gateway in the run, whatever the machine's speed.
        rel = fit["cpu"] / fit["lg_cpu"] if fit["lg_cpu"] > 0 else float("nan")
        summary.append(f"{name}: marginal cost per further call (least squares over the N "
                       f"without loss): "
                       f"CPU {fit['cpu']:.2f} % of a core ({rel:.3f} of the load generator's "
                       f"{fit['lg_cpu']:.2f} %), RSS {fit['rss_mb']:.2f} MB, "
                       f"threads {fit['thr']:.1f}")
    for name in [n for n in names if n != "direct"]:
        rows = [r for r in results if r["gateway_name"] == name and r.get("thread_census")]
        if rows:
            r = max(rows, key=lambda r: r["calls"])
            census = sorted(r["thread_census"].items(), key=lambda kv: -kv[1])
            summary.append(f"{name}: threads by name at N={r['calls']}: " +
                           ", ".join(f"{k} {v}" for k, v in census[:12]))
    text += "\n" + "\n".join(summary) + "\n"
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(text)
    print(text)
    if args.plot:
        plot(results, names, args.plot, args.out, args.loss_tolerance)
    log(f"results in {args.out}")


if __name__ == "__main__":
    main()
