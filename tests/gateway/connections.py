# SPDX-License-Identifier: Apache-2.0
"""Clients for test-keepalive-close.sh and test-handshake-flood.sh: kept-alive HTTPS
connections closed by the client, a WebSocket upgrade on a reused connection, and a
flood of connections that never finish the TLS handshake. Talks to 127.0.0.1 only
(127.0.0.2 as a second client address). Every wait is bounded."""
import base64
import os
import socket
import ssl
import struct
import sys
import threading
import time

CONTEXT = ssl.create_default_context()
CONTEXT.check_hostname = False
CONTEXT.verify_mode = ssl.CERT_NONE


def connect(port, source="127.0.0.1", timeout=20):
    raw = socket.socket()
    raw.settimeout(timeout)
    raw.bind((source, 0))
    raw.connect(("127.0.0.1", port))
    return CONTEXT.wrap_socket(raw)


def read_response(conn):
    """One response to GET /healthz (a small JSON body with Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed before the response: %r" % data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed in the body")
        body += chunk
    return head.split(b"\r\n")[0].decode(), body


def get(conn, path="/healthz", extra=""):
    conn.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % (path, extra)).encode())
    return read_response(conn)


def keepalive(port, count, requests):
    """COUNT connections, REQUESTS each on the same connection, then closed by us: a third
    with a plain FIN, a third with close_notify first, a third with a reset."""
    conns = []
    for _ in range(count):
        conn = connect(port)
        for _ in range(requests):
            status, _ = get(conn)
            if status != "HTTP/1.1 200 OK":
                raise RuntimeError("kept-alive request answered %s" % status)
        conns.append(conn)
    print("opened %d connections, %d requests each" % (count, requests), flush=True)
    for i, conn in enumerate(conns):
        if i % 3 == 1:
            # Sends close_notify; the answer is not waited for long.
            conn.settimeout(0.2)
            try:
                conn.unwrap()
            except (ssl.SSLError, OSError):
                pass
        elif i % 3 == 2:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    print("closed them", flush=True)


def pipeline(port):
    """Two requests sent at once, then a third on the same connection: all answered."""
    conn = connect(port)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n" * 2)
    statuses = [read_response(conn)[0], read_response(conn)[0]]
    time.sleep(0.5)
    statuses.append(get(conn)[0])
    conn.close()
    if statuses != ["HTTP/1.1 200 OK"] * 3:
        raise RuntimeError("pipelined requests answered %s" % statuses)
    print("two pipelined requests and a third on the same connection: all answered", flush=True)


def websocket(port):
    """A request, then a WebSocket upgrade (/ws/check) on the same connection; the socket must
    stay open and answer a ping."""
    conn = connect(port)
    status, _ = get(conn)
    assert status == "HTTP/1.1 200 OK", status
    time.sleep(0.5)  # the connection has been handed back to libsoup by now
    key = base64.b64encode(os.urandom(16)).decode()
    conn.sendall(("GET /ws/check HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Key: %s\r\n\r\n" % key).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise RuntimeError("closed during the upgrade: %r" % data)
        data += chunk
    status = data.split(b"\r\n")[0].decode()
    if "101" not in status:
        raise RuntimeError("upgrade answered %s" % status)
    time.sleep(1.5)
    mask = os.urandom(4)
    payload = b"hello"
    conn.sendall(bytes([0x89, 0x80 | len(payload)]) + mask +
                 bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    rest = data.partition(b"\r\n\r\n")[2]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # Skip whatever the check sent first; look for the pong (0x8A).
        while len(rest) >= 2:
            length = rest[1] & 0x7F
            header = 2
            if length == 126:
                length, header = struct.unpack("!H", rest[2:4])[0], 4
            if len(rest) < header + length:
                break
            if rest[0] == 0x8A and rest[header:header + length] == payload:
                print("websocket on a reused connection: upgraded, pong after 1.5 s", flush=True)
                conn.close()
                return
            rest = rest[header + length:]
        chunk = conn.recv(4096)
        if not chunk:
            raise RuntimeError("websocket closed by the gateway")
        rest += chunk
    raise RuntimeError("no pong")


def idle(port, seconds):
    """A kept-alive connection left idle: the gateway closes it within SECONDS."""
    conn = connect(port, timeout=seconds)
    status, _ = get(conn)
    assert status == "HTTP/1.1 200 OK", status
    start = time.monotonic()
    try:
        while conn.recv(4096):
            pass
    except TimeoutError:
        raise RuntimeError("idle kept-alive connection still open after %d s" % seconds)
    except (ssl.SSLError, OSError):
        pass
    print("idle kept-alive connection closed by the gateway after %.1f s" %
          (time.monotonic() - start), flush=True)


def still_open(raw):
    """Whether the gateway has not closed RAW yet (it never sends a flood connection data)."""
    raw.setblocking(False)
    try:
        return raw.recv(4096) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def flood(port, count, pid):
    """From 127.0.0.1, up to COUNT connections at a time that send nothing or half a
    ClientHello, opening new ones as the gateway closes them, while a client at 127.0.0.2
    makes requests on new connections; then wait until the gateway has closed the flood."""
    hello = bytes.fromhex("16030100f4010000f00303") + os.urandom(32)
    flood_conns = []
    stats = {"opened": 0, "closed": 0}
    errors = []
    done = threading.Event()

    def open_flood():
        try:
            while not done.is_set() and stats["opened"] < 20 * count:
                if len(flood_conns) >= count:
                    time.sleep(0.05)
                    for raw in [r for r in flood_conns if not still_open(r)]:
                        flood_conns.remove(raw)
                        raw.close()
                        stats["closed"] += 1
                    continue
                raw = socket.socket()
                raw.settimeout(30)
                raw.connect(("127.0.0.1", port))
                if stats["opened"] % 2:
                    raw.sendall(hello)
                flood_conns.append(raw)
                stats["opened"] += 1
        except OSError as error:
            errors.append(error)

    opener = threading.Thread(target=open_flood)
    opener.start()
    time.sleep(0.5)
    latencies = []
    for _ in range(10):
        start = time.monotonic()
        conn = connect(port, source="127.0.0.2", timeout=30)
        status, _ = get(conn, extra="Connection: close\r\n")
        conn.close()
        if status != "HTTP/1.1 200 OK":
            raise RuntimeError("normal client answered %s" % status)
        latencies.append(time.monotonic() - start)
        time.sleep(0.25)
    print("during the flood: %d fds, %d threads in the gateway" %
          (len(os.listdir("/proc/%s/fd" % pid)), len(os.listdir("/proc/%s/task" % pid))),
          flush=True)
    done.set()
    opener.join(60)
    if errors:
        raise RuntimeError("flood could not connect: %s" % errors[0])
    print("flood: %d connections opened, %d closed by the gateway so far, %d open" %
          (stats["opened"], stats["closed"], len(flood_conns)), flush=True)
    print("normal client during the flood: %d requests on new TLS connections, latency "
          "min %.3f s, max %.3f s" % (len(latencies), min(latencies), max(latencies)),
          flush=True)
    start = time.monotonic()
    while flood_conns and time.monotonic() - start < 60:
        for raw in [r for r in flood_conns if not still_open(r)]:
            flood_conns.remove(raw)
            raw.close()
        time.sleep(0.2)
    if flood_conns:
        raise RuntimeError("%d flood connections still open after 60 s" % len(flood_conns))
    print("flood: the last connections closed by the gateway %.1f s after the flood stopped" %
          (time.monotonic() - start), flush=True)


if __name__ == "__main__":
    command, port = sys.argv[1], int(sys.argv[2])
    if command == "keepalive":
        keepalive(port, int(sys.argv[3]), int(sys.argv[4]))
    elif command == "pipeline":
        pipeline(port)
    elif command == "websocket":
        websocket(port)
    elif command == "idle":
        idle(port, int(sys.argv[3]))
    elif command == "flood":
        flood(port, int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("unknown command " + command)
