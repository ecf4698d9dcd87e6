"""Emulated Cortex XDR tenant: Restore File and Get Action Status over the public API.

    backend = XdrBackend.from_seed("test_data/xdr/tenant.json")
    backend.add_api_key("7", "secret", auth_type="advanced")
    gateway = XdrGateway(backend, rate_limit=10)
    with LoopbackServer(create_app(gateway)) as server:
        ...  # point the client at server.url; gateway.requests logs what it received
"""
from .exceptions import XdrError
from .gateway import XdrGateway
from .models import XdrBackend, load_seed
from .shapes import ReplyShapes
from .responses import create_app

__all__ = ["ReplyShapes", "XdrBackend", "XdrError", "XdrGateway", "create_app", "load_seed"]
