"""The embedded default: emulated vendor tenants on 127.0.0.1 and the params that point at them.

Each run makes fresh random keys and passwords, so no credential is stored in the repository or shown.
"""
from __future__ import annotations

import json
import secrets
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .emulator.httpserver import LoopbackServer
from .emulator.faults import FaultPlan
from .emulator.hss import HssBackend, HssGateway, create_app as create_hss_app, create_iam_app
from .emulator.xdr import XdrBackend, XdrGateway, create_app as create_xdr_app
from .spec import PROJECT_ROOT

XDR_SEED = PROJECT_ROOT / 'test_data' / 'xdr' / 'tenant.json'
HSS_SEED = PROJECT_ROOT / 'test_data' / 'hss' / 'tenant.json'
XDR_KEY_ID = '1'
HSS_REGION = 'ap-southeast-1'
HSS_DOMAIN = 'demo-account'
HSS_USER = 'soar-restore'
# One emulated stage lasts one polling interval, so every poll sees the work move on.
POLLING_INTERVAL_SECONDS = 10


@dataclass
class EmbeddedVendors:
    params: dict
    xdr: XdrBackend
    hss: HssBackend
    servers: dict


def hss_project_id(seed_path: Path = HSS_SEED) -> str:
    return json.loads(seed_path.read_text(encoding='utf-8'))['project_id']


def xdr_params(url: str, key: str, auth_type: str = 'advanced') -> dict:
    return {'xdr_url': url, 'xdr_api_key_id': XDR_KEY_ID, 'xdr_api_key': {'identifier': '', 'password': key},
            'xdr_auth_type': auth_type}


def hss_params(hss_url: str, iam_url: str, project_id: str, access_key: str, secret_key: str, password: str,
               auth_type: str = 'aksk') -> dict:
    return {
        'hss_endpoint': hss_url, 'hss_iam_endpoint': iam_url, 'hss_region': HSS_REGION,
        'hss_project_id': project_id, 'hss_auth_type': auth_type, 'hss_domain': HSS_DOMAIN,
        'hss_credentials': {'identifier': HSS_USER, 'password': password},
        'hss_aksk': {'identifier': access_key, 'password': secret_key},
        # The seed's hosts sit in three enterprise projects; left out, HSS answers for the default one only.
        'hss_enterprise_project_id': 'all_granted_eps',
    }


def start_xdr(stack: ExitStack, stage_seconds: float, seed: Path = XDR_SEED, rate_limit: float | None = 10.0,
              auth_type: str = 'advanced', faults: FaultPlan | None = None,
              **backend_options: Any) -> tuple[XdrGateway, LoopbackServer, dict]:
    """A Cortex XDR tenant with a fresh key and its server: (gateway, server, params); ``gateway.backend`` is its
    state. ``faults`` (warroom.emulator.faults) makes the server inject faults."""
    backend = XdrBackend.from_seed(seed, stage_seconds=stage_seconds, **backend_options)
    key = secrets.token_hex(32)
    backend.add_api_key(XDR_KEY_ID, key, auth_type=auth_type)
    gateway = XdrGateway(backend, rate_limit=rate_limit, faults=faults)
    server = stack.enter_context(LoopbackServer(create_xdr_app(gateway)))
    return gateway, server, xdr_params(server.url, key, auth_type)


def start_hss(stack: ExitStack, stage_seconds: float, seed: Path = HSS_SEED, rate_limit: float | None = None,
              faults: FaultPlan | None = None, iam_faults: FaultPlan | None = None, described_errors: bool = True,
              **backend_options: Any) -> tuple[HssGateway, LoopbackServer, LoopbackServer, dict]:
    """An HSS project with fresh credentials, its API and IAM servers: (gateway, hss_server, iam_server, params);
    ``gateway.backend`` is its state. ``faults`` / ``iam_faults`` (warroom.emulator.faults) make the HSS / IAM
    server inject faults."""
    backend = HssBackend.from_seed(seed, stage_seconds=stage_seconds, **backend_options)
    project_id = hss_project_id(seed)
    access_key = 'AK' + secrets.token_hex(9).upper()
    secret_key, password = secrets.token_urlsafe(30), secrets.token_urlsafe(18)
    backend.add_access_key(access_key, secret_key)
    backend.add_user(HSS_DOMAIN, HSS_USER, password, [project_id])
    gateway = HssGateway(backend, rate_limit=rate_limit, faults=faults, iam_faults=iam_faults,
                         described_errors=described_errors)
    hss_server = stack.enter_context(LoopbackServer(create_hss_app(gateway)))
    iam_server = stack.enter_context(LoopbackServer(create_iam_app(gateway)))
    return gateway, hss_server, iam_server, hss_params(hss_server.url, iam_server.url, project_id, access_key,
                                                        secret_key, password)


@contextmanager
def embedded_vendors(time_scale: float = 1.0, auth_type: str = 'advanced', hss_auth_type: str = 'aksk',
                     rate_limit: float = 10.0, xdr_seed: Path = XDR_SEED, hss_seed: Path = HSS_SEED,
                     xdr_faults: FaultPlan | None = None,
                     hss_faults: FaultPlan | None = None) -> Iterator[EmbeddedVendors]:
    stage_seconds = POLLING_INTERVAL_SECONDS * time_scale
    with ExitStack() as stack:
        xdr, xdr_server, xdr_settings = start_xdr(stack, stage_seconds, xdr_seed, rate_limit, auth_type,
                                                  faults=xdr_faults)
        hss, hss_server, iam_server, params = start_hss(stack, stage_seconds, hss_seed, faults=hss_faults)
        params['hss_auth_type'] = hss_auth_type
        params.update(xdr_settings)
        yield EmbeddedVendors(params=params, xdr=xdr.backend, hss=hss.backend,
                              servers={'xdr': xdr_server, 'hss': hss_server, 'iam': iam_server})
