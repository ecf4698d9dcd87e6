"""The embedded default: emulated vendor tenants on 127.0.0.1 and the params that point at them.

Each run makes a fresh random key, so no credential is stored in the repository or shown anywhere.
"""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from .emulator.httpserver import LoopbackServer
from .emulator.xdr import XdrBackend, create_app as create_xdr_app
from .spec import PROJECT_ROOT

XDR_SEED = PROJECT_ROOT / 'test_data' / 'xdr' / 'tenant.json'
XDR_KEY_ID = '1'
# One emulated action stage lasts one polling interval, so every poll sees the action move on.
STAGE_IN_POLLING_INTERVALS = 1.0
POLLING_INTERVAL_SECONDS = 10


@dataclass
class EmbeddedVendors:
    params: dict
    xdr: XdrBackend
    xdr_server: LoopbackServer


@contextmanager
def embedded_vendors(time_scale: float = 1.0, auth_type: str = 'advanced', rate_limit: float = 10.0,
                     xdr_seed=XDR_SEED) -> Iterator[EmbeddedVendors]:
    xdr = XdrBackend.from_seed(xdr_seed, rate_limit=rate_limit,
                               stage_seconds=POLLING_INTERVAL_SECONDS * STAGE_IN_POLLING_INTERVALS * time_scale)
    xdr_key = secrets.token_hex(32)
    xdr.add_api_key(XDR_KEY_ID, xdr_key, auth_type=auth_type)
    with LoopbackServer(create_xdr_app(xdr)) as server:
        server.start()
        params = {
            'xdr_url': server.url,
            'xdr_api_key_id': XDR_KEY_ID,
            'xdr_api_key': {'identifier': '', 'password': xdr_key},
            'xdr_auth_type': auth_type,
        }
        yield EmbeddedVendors(params=params, xdr=xdr, xdr_server=server)
