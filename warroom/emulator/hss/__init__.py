"""Emulated Huawei Cloud HSS project (list and restore isolated files, list security events) and the IAM that issues
its tokens.

    backend = HssBackend.from_seed("test_data/hss/tenant.json")
    backend.add_access_key("MYAK", "my-secret-key")
    backend.add_user("acme-corp", "soar-restore", "password", [backend.project_id])
    gateway = HssGateway(backend, rate_limit=10)
    with LoopbackServer(create_app(gateway)) as hss, LoopbackServer(create_iam_app(gateway)) as iam:
        ...  # point the client at hss.url and iam.url; gateway.requests logs what both received
"""
from .exceptions import HssError, IamError
from .gateway import HssGateway
from .models import HssBackend, load_seed
from .responses import create_app, create_iam_app

__all__ = ["HssBackend", "HssError", "HssGateway", "IamError", "create_app", "create_iam_app", "load_seed"]
