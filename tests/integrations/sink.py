"""A real local HTTP receiver for connector tests and the benchmark.

A threaded `http.server` on 127.0.0.1 that keeps connections alive, dedupes by
`Idempotency-Key` like a well-behaved receiver, records the order in which it first
accepted each event, and can be told to fail: a status for every request, a status for
the events of given documents, a Retry-After header, or a hang (to kill a worker while it
waits).
"""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[dict] = []  # first acceptance of each key, in order
        self.keys: set[str] = set()
        self.requests = 0
        self.duplicates = 0
        self.signatures: list[str] = []
        self.fail_status: int | None = None
        self.fail_documents: dict[str, int] = {}  # aggregate id → status
        self.retry_after: str | None = None
        self.hang_seconds = 0.0
        self.hang_started = threading.Event()
        self.record_payloads = True
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/events"

    def start(self) -> "Sink":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def heal(self) -> None:
        with self.lock:
            self.fail_status = None
            self.fail_documents = {}
            self.retry_after = None
            self.hang_seconds = 0.0

    def sequences_by_document(self) -> dict[str, list[int]]:
        with self.lock:
            result: dict[str, list[int]] = {}
            for envelope in self.accepted:
                result.setdefault(envelope["aggregate"]["id"], []).append(envelope["sequence"])
            return result

    def key_counts(self) -> Counter:
        with self.lock:
            return Counter(envelope["id"] for envelope in self.accepted)

    def _decide(self, envelope: dict | None) -> tuple[int, float]:
        with self.lock:
            self.requests += 1
            if self.hang_seconds:
                return 200, self.hang_seconds
            if self.fail_status is not None:
                return self.fail_status, 0.0
            if envelope is not None:
                status = self.fail_documents.get(envelope["aggregate"]["id"])
                if status is not None:
                    return status, 0.0
            return 200, 0.0

    def _accept(self, key: str, envelope: dict, signature: str) -> bool:
        with self.lock:
            if key in self.keys:
                self.duplicates += 1
                return False
            self.keys.add(key)
            if self.record_payloads:
                self.accepted.append(envelope)
            else:
                self.accepted.append(
                    {
                        "id": key,
                        "aggregate": envelope["aggregate"],
                        "sequence": envelope["sequence"],
                    }
                )
            self.signatures.append(signature)
            return True

    def _handler(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: without this, Nagle + delayed ACK add
            # 40 ms to every kept-alive request.
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                with sink.lock:
                    stats = {
                        "accepted": len(sink.accepted),
                        "duplicates": sink.duplicates,
                        "requests": sink.requests,
                    }
                payload = json.dumps(stats).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                envelope = json.loads(body) if body else None
                status, hang = sink._decide(envelope)
                if hang:
                    sink.hang_started.set()
                    time.sleep(hang)
                    status = 503
                if status == 200:
                    key = self.headers.get("Idempotency-Key", "")
                    fresh = sink._accept(
                        key, envelope, self.headers.get("X-Portal-Signature-256", "")
                    )
                    payload = b'{"ok":true}' if fresh else b'{"ok":true,"duplicate":true}'
                else:
                    payload = json.dumps({"error": f"told to fail with {status}"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if status != 200 and sink.retry_after:
                    self.send_header("Retry-After", sink.retry_after)
                self.end_headers()
                self.wfile.write(payload)

        return Handler
