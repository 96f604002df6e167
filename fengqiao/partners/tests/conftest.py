"""A partner's webhook receiver on a local port, answering from a script, and a referring token."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str
    # Status codes to answer, in order; the last one repeats. ("sleep", seconds) waits first.
    script: list = field(default_factory=lambda: [200])
    received: list = field(default_factory=list)

    def answer(self):
        index = min(len(self.received) - 1, len(self.script) - 1)
        return self.script[index]


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            answer = state.answer()
            if isinstance(answer, tuple):
                time.sleep(answer[1])
                answer = 200
            self.send_response(answer)
            if 300 <= answer < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/fengqiao/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def partner(world):
    """A court's token bound to office A, allowed to view and refer cases: (token, raw key)."""
    from fengqiao.core.services import api_token_create

    return api_token_create(
        actor=world.city_admin,
        name="澄江法院诉调对接",
        org=world.office_a,
        grants=["mediation.view", "mediation.create"],
    )
