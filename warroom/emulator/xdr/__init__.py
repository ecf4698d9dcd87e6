"""Emulated Cortex XDR tenant: Restore File and Get Action Status over the public API.

    backend = XdrBackend.from_seed("test_data/xdr/tenant.json")
    backend.add_api_key("7", "secret", auth_type="advanced")
    with LoopbackServer(create_app(backend)) as server:
        ...  # point the client at server.url
"""
from .exceptions import XdrError
from .models import XdrBackend, load_seed
from .shapes import ReplyShapes
from .responses import create_app

__all__ = ["ReplyShapes", "XdrBackend", "XdrError", "create_app", "load_seed"]
