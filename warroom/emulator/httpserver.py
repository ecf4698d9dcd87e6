"""A small loopback-only HTTP server that hands each request to a plain function.

Emulators are written as ``app(Request) -> Response`` so they can be tested without
sockets; this module is the only place that knows about ``http.server``.
"""
from __future__ import annotations

import ipaddress
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import unquote, urlsplit

__all__ = ["Headers", "Request", "Response", "LoopbackServer", "AbortConnection", "on_an_emulator_thread"]

# Idle keep-alive connections are dropped after this long so handler threads do not pile up.
_IDLE_CONNECTION_TIMEOUT_S = 30
# A local emulator has no business accepting huge uploads; this also bounds memory per request.
_MAX_BODY_BYTES = 16 * 1024 * 1024


# Set on each thread a LoopbackServer runs: an emulator shares the process with whatever uses it, and code there
# (the war room's warning routing) must tell a vendor's thread from its own, without the emulator knowing that code.
_serving = threading.local()


def on_an_emulator_thread() -> bool:
    """True on a thread serving a LoopbackServer: its listener's, or one handling a connection."""
    return getattr(_serving, "emulator", False)


class Headers(Mapping):
    """Read-only, case-insensitive header mapping that keeps the sender's spelling."""

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._by_lower: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            lower = name.lower()
            if lower in self._by_lower:  # repeated header: join as RFC 9110 allows
                value = f"{self._by_lower[lower][1]}, {value}"
            self._by_lower[lower] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._by_lower[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_lower

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._by_lower.values())

    def __len__(self) -> int:
        return len(self._by_lower)


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: Headers
    body: bytes
    client: str


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Faults (see faults.py): wait this long before answering; announce this Content-Length (more than the
    # body holds: the connection closes after the body, cutting the reply short).
    delay_s: float = 0.0
    trickle_s: float = 0.0  # the body a byte at a time, this many seconds apart
    declared_length: int | None = None


class AbortConnection(Exception):
    """Raised by an app: the connection is reset (TCP RST) without any answer."""


App = Callable[[Request], Response]


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    """Helper for emulators: a JSON body with the right Content-Type."""
    return Response(
        status=status,
        body=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _require_loopback(host: str) -> str:
    """Return the literal address to bind, or raise if it could be reached from off the box."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"refusing to bind {host!r}: give a loopback IP address such as 127.0.0.1") from None
    if not address.is_loopback:
        raise ValueError(f"refusing to bind {host!r}: emulators only listen on loopback addresses")
    return str(address)


class _BadRequestBody(Exception):
    pass


def parse_query(text: str) -> dict[str, list[str]]:
    """A query string read as RFC 3986 reads it: percent-decoding only, so ``+`` is a plus sign. Form encoding's
    ``+`` for a blank is HTML's; Huawei's signing guide encodes a blank as %20, "not +", and whether its gateway would
    take a ``+`` as a blank is not documented: the emulator does not, so a client that sends one is caught here."""
    query: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            query.setdefault(unquote(name), []).append(unquote(value))
    return query


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 plus an explicit Content-Length on every reply lets requests.Session keep the connection.
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_CONNECTION_TIMEOUT_S
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # Per-request stderr lines would drown test and demo output.
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; with Nagle on, the body waits ~40 ms for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise _BadRequestBody("Content-Length is not a number") from None
        if length < 0 or length > _MAX_BODY_BYTES:
            raise _BadRequestBody("Content-Length out of range")
        body = self.rfile.read(length)
        if len(body) < length:  # the client went away mid-body: a gateway passes no such request on
            raise _BadRequestBody("the body ended before its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _BadRequestBody("bad chunk size") from None
            if size == 0:
                # Trailer section ends with an empty line.
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > _MAX_BODY_BYTES:
                raise _BadRequestBody("body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # CRLF after each chunk

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except _BadRequestBody as exc:
            # Framing is unknown: the rest of the stream cannot be trusted, so the connection closes after this
            # reply, and the reply says so (RFC 9112 section 9.6).
            self.close_connection = True
            self._send(json_response(400, {"error": "Bad Request", "message": str(exc)}, {"Connection": "close"}))
            return
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_query(parts.query),
            headers=Headers(list(self.headers.items())),
            body=body,
            client=self.client_address[0],
        )
        try:
            response = self.server.app(request)
            if not isinstance(response, Response):
                raise TypeError(f"app returned {type(response).__name__}, not Response")
        except AbortConnection:
            self._reset()
            return
        except Exception as exc:  # an emulator bug must surface as a 500, never as a hung client
            self.server.app_errors.append(exc)
            response = json_response(
                500, {"error": "Internal Server Error", "message": f"unhandled {type(exc).__name__} in emulator"}
            )
        self._send(response)

    def _send(self, response: Response) -> None:
        if response.delay_s > 0:
            time.sleep(response.delay_s)
        length = len(response.body)
        if response.declared_length is not None and response.declared_length > length:
            length = response.declared_length
            self.close_connection = True  # the rest of the body never comes
        if any(name.lower() == "date" for name in response.headers):  # the app's own clock (an emulated tenant's)
            self.log_request(response.status)
            self.send_response_only(response.status)
            self.send_header("Server", self.version_string())
        else:
            self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        if not response.trickle_s:
            self.wfile.write(response.body)
        for at in range(len(response.body) if response.trickle_s else 0):
            time.sleep(response.trickle_s)
            self.wfile.write(response.body[at:at + 1])  # a client that hung up ends this with an OSError

    def _reset(self) -> None:
        """Close at once with a TCP RST (linger 0), as a crashed proxy or a dropped route would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A vendor's front end takes a burst of connections: socketserver's backlog of 5 let a client's 16 at once stall
    # about a second on a busy machine, and one broke (a fault no vendor made, which test_concurrency saw once).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        self.app = app
        self.app_errors: list[BaseException] = []  # kept for debugging; bodies only name the type
        self._open: set[socket.socket] = set()
        self.connections_accepted = 0  # lets tests prove keep-alive works
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        _serving.emulator = True
        super().serve_forever(poll_interval)

    def process_request_thread(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        # ThreadingMixIn starts a new thread for each connection and never reuses it: marked once, it stays marked
        _serving.emulator = True
        super().process_request_thread(request, client_address)

    def track(self, conn: socket.socket) -> None:
        with self._open_lock:
            self._open.add(conn)
            self.connections_accepted += 1

    def untrack(self, conn: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(conn)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-reply is routine (timeouts, Ctrl-C); app errors are handled in _dispatch.
        pass

    def drop_connections(self) -> None:
        """Close keep-alive connections so a stopped server stops answering on them too."""
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _shutdown_promptly(server: _Server) -> None:
    """shutdown() only takes effect when select() wakes; poke the listener so tests do not wait a poll."""
    done = threading.Event()
    threading.Thread(target=lambda: (server.shutdown(), done.set()), daemon=True).start()
    address = server.server_address[:2]
    while not done.wait(0.005):
        try:
            socket.create_connection(address, timeout=1).close()
        except OSError:
            pass


class LoopbackServer:
    """Serve ``app`` on a loopback address, in a background thread."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self._host = _require_loopback(host)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("server is not started")
        host, port = self._server.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def app_errors(self) -> list[BaseException]:
        """Exceptions the app raised (each already answered with a 500)."""
        return self._server.app_errors if self._server else []

    @property
    def connections_accepted(self) -> int:
        return self._server.connections_accepted if self._server else 0

    @property
    def connections_open(self) -> int:
        """Connections accepted and not yet done with: each one's request read, answered or refused."""
        return len(self._server._open) if self._server else 0

    def _bind(self) -> _Server:
        with self._lock:
            if self._server is None:
                self._server = _Server((self._host, self._port), self._app)
            return self._server

    def start(self) -> "LoopbackServer":
        server = self._bind()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=server.serve_forever, name=f"loopback-{server.server_address[1]}", daemon=True
                )
                self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._thread = None
        if server is None:
            return
        if thread is not None:
            # shutdown() blocks until serve_forever notices, so only call it when a loop is running.
            _shutdown_promptly(server)
            thread.join()
        self._close()

    def _close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.drop_connections()
            server.server_close()

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
