"""The webhook connector's own HTTP/1.1 client against a scripted raw TCP receiver: the
answers real receivers give that the test sink (http.server) never does."""

import socket
import threading

import pytest

from integrations.connectors import ConnectorError
from integrations.connectors.webhook import WebhookConnector, _drop_connection
from integrations.models import Connector


class ScriptedReceiver:
    """Reads each request (head + Content-Length body) and answers the next scripted raw
    response; `close=True` closes the connection after that answer."""

    def __init__(self, script: list[tuple[bytes, bool]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[bytes, bytes]] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook?x=1"

    def _serve(self) -> None:
        while self.script:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn, conn.makefile("rb") as reader:
                while self.script:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = reader.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = next(
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    )
                    self.requests.append((head, reader.read(length)))
                    answer, close = self.script.pop(0)
                    conn.sendall(answer)
                    if close:
                        break

    def stop(self) -> None:
        self.listener.close()


@pytest.fixture
def receiver_for():
    receivers = []

    def start(*script: tuple[bytes, bool]) -> ScriptedReceiver:
        receivers.append(ScriptedReceiver(list(script)))
        return receivers[-1]

    yield start
    for receiver in receivers:
        # Connections are pooled per thread and origin: leave the pool as it was.
        _drop_connection("http", receiver.url.split("/")[2], 2.0)
        receiver.stop()


def webhook_to(url: str, **config) -> WebhookConnector:
    connector = Connector(kind="webhook", config={"url": url, **config}, timeout_seconds=2.0)
    return WebhookConnector(connector)


def envelope(n: int) -> dict:
    return {"id": f"00000000-0000-0000-0000-{n:012d}", "type": "asn.submitted", "sequence": n}


OK = b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"ok":true}'


def test_a_chunked_answer_is_read_whole_and_the_connection_is_kept_for_the_next_event(
    receiver_for,
):
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4\r\n{"ok\r\n7\r\n":true}\r\n0\r\n\r\n'
    )
    receiver = receiver_for((chunked, False), (OK, False))
    webhook = webhook_to(receiver.url)
    first = webhook.send(envelope(1), b'{"n":1}')
    second = webhook.send(envelope(2), b'{"n":2}')
    assert (first.status_code, first.response, second.response) == (
        200,
        '{"ok":true}',
        '{"ok":true}',
    )
    assert receiver.connections == 1
    head, body = receiver.requests[0]
    assert head.startswith(b"POST /hook?x=1 HTTP/1.1\r\n")
    assert b"Idempotency-Key: 00000000-0000-0000-0000-000000000001\r\n" in head
    assert body == b'{"n":1}'


def test_an_answer_without_length_runs_to_close_and_the_next_event_opens_a_new_connection(
    receiver_for,
):
    receiver = receiver_for((b"HTTP/1.0 202 Accepted\r\n\r\nqueued", True), (OK, False))
    webhook = webhook_to(receiver.url)
    assert webhook.send(envelope(1), b"{}").response == "queued"
    assert webhook.send(envelope(2), b"{}").status_code == 200
    assert receiver.connections == 2


def test_an_interim_100_continue_is_skipped(receiver_for):
    receiver = receiver_for((b"HTTP/1.1 100 Continue\r\n\r\n" + OK, False))
    assert webhook_to(receiver.url).send(envelope(1), b"{}").status_code == 200


def test_a_kept_alive_connection_the_receiver_closed_is_retried_once_on_a_fresh_one(
    receiver_for,
):
    receiver = receiver_for((OK, True), (OK, False))
    webhook = webhook_to(receiver.url)
    webhook.send(envelope(1), b"{}")
    # The receiver closed after answering without saying so: the stale socket fails on
    # first use and the event goes out again on a new connection.
    assert webhook.send(envelope(2), b"{}").status_code == 200
    assert (receiver.connections, len(receiver.requests)) == (2, 2)


def test_a_429_with_retry_after_is_a_transient_error_that_says_when_to_retry(receiver_for):
    receiver = receiver_for(
        (b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\nContent-Length: 0\r\n\r\n", False)
    )
    with pytest.raises(ConnectorError) as caught:
        webhook_to(receiver.url).send(envelope(1), b"{}")
    error = caught.value
    assert (error.message, error.permanent, error.retry_after, error.status_code) == (
        "HTTP 429 Too Many Requests",
        False,
        7.0,
        429,
    )


def test_a_configured_header_with_a_line_break_is_refused_before_anything_is_sent(
    receiver_for,
):
    receiver = receiver_for((OK, False))
    webhook = webhook_to(receiver.url, headers={"X-Tenant": "acme\r\nX-Admin: yes"})
    with pytest.raises(ConnectorError) as caught:
        webhook.send(envelope(1), b"{}")
    assert caught.value.message == "ProtocolError: header 'X-Tenant' contains a line break"
    assert receiver.requests == []
