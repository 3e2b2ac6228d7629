#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Soak: join/leave cycles (a customer joins a fresh room, gets its offer, leaves:
half by a close frame, half by dropping the connection) while the load
generator holds concurrent calls with media, for a bounded time. Prints the
gateway's RSS, threads and file descriptors at the start (warm), at the peak and
at the end, and whether they came back. Meant to run inside a private network
namespace (tests/bench/soak.sh sets that up); see docs/benchmarks.md."""

import argparse
import base64
import json
import os
import random
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (start_balie, proc_status, log)

# As tests/webrtc/test-churn.c: late teardown and one-off caches, not a leak
# (a leaked 1:1 call keeps ~34 threads and ~20 descriptors). Measured: 0 and 0
# once the calls' rooms have closed.
THREAD_SLACK = 4
FD_SLACK = 4
# The load generator's participants drop their sockets without hanging up, so each
# answered room waits limits.rejoin_grace_seconds for them to come back, keeping its
# pipeline (and the pipeline bus's socket pair) until then. The soak's gateway gets a
# short grace and the end is read after it: an earlier "+2 descriptors per call" was
# only rooms still waiting.
REJOIN_GRACE_S = 3


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def fd_kinds(pid):
    """The descriptors by what they point at: socket (TCP/UDP by /proc/net), eventfd, pipe, file."""
    inodes = {}
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open(f"/proc/{pid}/net/{proto}") as f:
                for line in f.readlines()[1:]:
                    inodes[line.split()[9]] = proto.rstrip("6")
        except OSError:
            pass
    kinds = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            kind = "socket " + inodes.get(target[8:-1], "unix/other")
        elif target.startswith("anon_inode:"):
            kind = target
        elif target.startswith("pipe:"):
            kind = "pipe"
        else:
            kind = "file"
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def sample(pid):
    rss, threads = bench.proc_status(pid)
    return {"rss_kb": rss, "threads": threads, "fds": fds(pid)}


def settle(pid, seconds=30):
    """The lowest counts once they stop falling for 2 s (at most `seconds`)."""
    best = sample(pid)
    stable_since = time.time()
    deadline = time.time() + seconds
    while time.time() - stable_since < 2 and time.time() < deadline:
        time.sleep(0.25)
        now = sample(pid)
        if now["fds"] < best["fds"] or now["threads"] < best["threads"]:
            stable_since = time.time()
        best = {k: min(best[k], now[k]) for k in best}
    return sample(pid) | {"threads": best["threads"], "fds": best["fds"]}


class WebSocket:
    """Just enough of RFC 6455 for a signaling client: text frames, masked."""

    def __init__(self, url, timeout=30):
        host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise ConnectionError(status.decode(errors="replace"))
        self.buffer = head.split(b"\r\n\r\n", 1)[1]

    def send(self, text, opcode=1):
        data = text.encode() if isinstance(text, str) else text
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            header += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _need(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk

    def recv(self):
        """The next text message as an object (pings are answered, others skipped)."""
        while True:
            self._need(2)
            opcode, n = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            offset = 2
            if n == 126:
                self._need(4)
                n, offset = int.from_bytes(self.buffer[2:4], "big"), 4
            elif n == 127:
                self._need(10)
                n, offset = int.from_bytes(self.buffer[2:10], "big"), 10
            self._need(offset + n)
            payload, self.buffer = self.buffer[offset:offset + n], self.buffer[offset + n:]
            if opcode == 9:
                self.send(payload, opcode=10)
            elif opcode == 8:
                raise ConnectionError("closed by the gateway")
            elif opcode == 1:
                return json.loads(payload)

    def close(self, clean):
        try:
            if clean:
                self.send(b"\x03\xe8", opcode=8)
            self.sock.close()
        except OSError:
            pass


def cycle(url, i, timeout):
    """One customer: join a fresh room, wait for the gateway's offer, leave."""
    ws = WebSocket(url, timeout)
    try:
        ws.send(json.dumps({"type": "join", "v": 1, "room": f"soak-{i}", "role": "customer"}))
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = ws.recv()
            if msg.get("type") == "error":
                raise RuntimeError(f"cycle {i}: error {msg.get('code')}: {msg.get('message')}")
            if msg.get("type") == "offer":
                return
        raise TimeoutError(f"cycle {i}: no offer within {timeout} s")
    finally:
        ws.close(clean=i % 2 == 0)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--balie", required=True)
    p.add_argument("--loadgen", required=True)
    p.add_argument("--cycles", type=int, default=500, help="join/leave cycles")
    p.add_argument("--calls", type=int, default=20, help="concurrent calls with media")
    p.add_argument("--minutes", type=float, default=10, help="how long the calls run")
    p.add_argument("--cycle-pause-ms", type=int, default=250,
                   help="pause between cycles (the per-address WebSocket rate is 10/s)")
    p.add_argument("--media", default="")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless threads and fds came back and no cycle failed")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    media = args.media or os.path.join(args.out, "bench-media.mkv")
    bench.setup_network()
    os.environ["BALIE_LIMITS_REJOIN_GRACE_SECONDS"] = str(REJOIN_GRACE_S)
    work = tempfile.mkdtemp(prefix="balie-soak-")
    # Room for the calls and the cycles in flight.
    gw = bench.start_balie(argparse.Namespace(gateway_cpus="", balie=args.balie), work,
                           max(100, 2 * args.calls + 10))
    pid = gw.proc.pid
    url = gw.url
    failures = []
    try:
        # Warm up (GStreamer loads its plugins and pools once), then the baseline.
        for i in range(3):
            cycle(url, -1 - i, 60)
        start = settle(pid)
        start_kinds = fd_kinds(pid)
        bench.log(f"start (warm): {start}")
        window = int(args.minutes * 60)
        loadgen = subprocess.Popen(
            [args.loadgen, "--calls", str(args.calls), "--media", media, "--settle", "5",
             "--window", str(window), "--ramp-ms", "400", "--url", url, "--gateway-pid", str(pid),
             "--protocol", "balie", "--extra-ip", "127.0.0.1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # Leak checks are for the gateway, not the load generator.
            env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        peak = dict(start)
        stop = threading.Event()

        def watch():
            nonlocal peak
            while not stop.is_set():
                try:
                    now = sample(pid)
                except OSError:
                    return
                peak = {k: max(peak[k], now[k]) for k in peak}
                stop.wait(1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        t0 = time.time()
        # Spread the cycles over the calls' lifetime, bounded by it.
        pause = max(args.cycle_pause_ms / 1000, (window - 10) / max(args.cycles, 1))
        done = 0
        for i in range(args.cycles):
            if loadgen.poll() is not None:
                break
            try:
                cycle(url, i, 30)
                done += 1
            except Exception as err:  # noqa: BLE001  (every failure is reported)
                failures.append(str(err))
                if len(failures) <= 5:
                    bench.log(f"cycle {i} failed: {err}")
            time.sleep(random.uniform(0.5, 1.5) * pause)
        cycles_s = time.time() - t0
        out, err = loadgen.communicate(timeout=window + 300)
        stop.set()
        watcher.join()
        calls = json.loads(out.strip().splitlines()[-1]) if loadgen.returncode == 0 and out.strip() else None
        if calls is None:
            failures.append(f"load generator exited {loadgen.returncode}: {err[-2000:]}")
        time.sleep(REJOIN_GRACE_S + 1)
        end = settle(pid)
        end_kinds = fd_kinds(pid)
        crashed = gw.proc.poll() is not None
    finally:
        gw.stop()
    # With LeakSanitizer on (soak.sh in the test suite), leaks make this non-zero.
    exit_status = gw.proc.returncode
    result = {
        "cycles": done, "cycles_failed": len(failures), "cycles_seconds": round(cycles_s, 1),
        "calls": args.calls, "call_seconds": window, "start": start, "peak": peak, "end": end,
        "loadgen": calls, "gateway_crashed": crashed, "gateway_exit": exit_status,
    }
    with open(os.path.join(args.out, "soak.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(f"soak: {done} join/leave cycles in {cycles_s:.0f} s ({len(failures)} failed) while "
          f"{args.calls} calls ran for {window} s")
    print(f"{'':8} {'RSS MB':>8} {'threads':>8} {'fds':>6}")
    for name, s in (("start", start), ("peak", peak), ("end", end)):
        print(f"{name:8} {s['rss_kb'] / 1024:8.1f} {s['threads']:8d} {s['fds']:6d}")
    print("descriptors at the start: " + ", ".join(f"{n} {k}" for k, n in sorted(start_kinds.items())))
    print("descriptors at the end: " + ", ".join(f"{n} {k}" for k, n in sorted(end_kinds.items())))
    back = (end["threads"] <= start["threads"] + THREAD_SLACK and
            end["fds"] <= start["fds"] + FD_SLACK)
    print(f"threads and fds back to the start (+{THREAD_SLACK} / +{FD_SLACK}): "
          f"{'yes' if back else 'NO'}; RSS {(end['rss_kb'] - start['rss_kb']) / 1024:+.1f} MB")
    print(f"gateway exit status after SIGTERM: {exit_status}"
          f"{' (LeakSanitizer found leaks: see the gateway log)' if exit_status == 23 else ''}")
    if failures:
        print(f"first failures: {failures[:3]}")
    if args.check and (not back or failures or crashed or exit_status != 0):
        sys.exit(1)


if __name__ == "__main__":
    main()
