"""A 1xx interim answer before the final one (RFC 9110 section 15.2: a client must be able to parse one or more 1xx
responses before the final response; 103 Early Hints is what a CDN or gateway sends). http.client takes the 1xx for
the final answer, so the final one stays on the pooled connection: read as the next request's answer, it would hand
one action's status to another."""
from __future__ import annotations

import json
import socket
import threading
import time

import restore_integration as ri


class EarlyHintsServer:
    """Answers every Cortex XDR request with a 103 Early Hints, then a moment later its own final 200: the status
    of the action asked for, naming that action, on the same keep-alive connection."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(8)
        self.url = f'http://127.0.0.1:{self.listener.getsockname()[1]}'
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        pending = b''
        try:
            while data := connection.recv(65536):
                pending += data
                while b'\r\n\r\n' in pending:
                    head, _, rest = pending.partition(b'\r\n\r\n')
                    length = next((int(line.split(b':')[1]) for line in head.split(b'\r\n')
                                   if line.lower().startswith(b'content-length:')), 0)
                    while len(rest) < length:
                        rest += connection.recv(65536)
                    body, pending = rest[:length], rest[length:]
                    action = json.loads(body)['request_data']['group_action_id']
                    final = json.dumps({'reply': {'data': {f'endpoint-of-action-{action}': 'PENDING'}}}).encode()
                    connection.sendall(b'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n')
                    time.sleep(0.05)
                    connection.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d'
                                       b'\r\n\r\n' % len(final) + final)
        except OSError:
            pass
        finally:
            connection.close()

    def close(self) -> None:
        self.listener.close()


def test_an_interim_103_answer_never_hands_one_requests_final_answer_to_the_next():
    server = EarlyHintsServer()
    try:
        client = ri.XdrClient(ri.XdrSettings(server.url, '17', 'k' * 40, 'standard'),
                              ri.TransportSettings(max_retries=0))
        outcomes = []
        for action in range(3):
            try:
                outcomes.append((action, client.get_action_status(action)))
            except ri.RestoreError as error:
                outcomes.append((action, str(error)))
    finally:
        server.close()
    for action, outcome in outcomes:
        # what each request got is its own answer or an error, never another action's status
        named = [f'endpoint-of-action-{other}' for other in range(3) if other != action]
        assert not any(name in json.dumps(outcome) for name in named), (action, outcome)
        if isinstance(outcome, str):
            assert 'HTTP 103' in outcome and 'interim' in outcome
