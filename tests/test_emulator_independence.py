"""The emulators are written from the vendors' documents, never from the integration they test: no module under
warroom/emulator/ imports restore_integration, so a mistake in the client cannot be agreed with by its emulator.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

EMULATOR = ROOT / 'warroom' / 'emulator'
CLIENT_MODULE = 'restore_integration'


def client_imports(source: str) -> list[int]:
    """Line numbers where ``source`` imports the client: import statements anywhere (functions included), and
    ``importlib.import_module`` / ``__import__`` of its name."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ''] if node.level == 0 else []
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, 'id', None)
            names = [str(node.args[0].value)] if called in ('import_module', '__import__') else []
        else:
            continue
        if any(name.split('.')[0] == CLIENT_MODULE for name in names):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize('source', [
    'import restore_integration',
    'import json, restore_integration as ri',
    'from restore_integration import sdk_signature',
    'def check():\n    import restore_integration\n',
    'class Gateway:\n    def verify(self):\n        from restore_integration import sdk_signature\n',
    'import importlib\nsigner = importlib.import_module("restore_integration")',
    'signer = __import__("restore_integration")',
])
def test_the_check_finds_every_way_of_importing_the_client(source):
    assert client_imports(source)


def test_the_check_leaves_other_imports_alone():
    assert client_imports('import json\nfrom . import signature\nfrom .models import HssBackend\n'
                          'import restore_integration_notes_are_not_the_client\n') == []


def test_no_emulator_module_imports_the_integration():
    modules = sorted(EMULATOR.rglob('*.py'))
    assert EMULATOR / 'hss' / 'signature.py' in modules and EMULATOR / 'xdr' / 'gateway.py' in modules
    offenders = {str(path.relative_to(ROOT)): lines for path in modules
                 if (lines := client_imports(path.read_text(encoding='utf-8')))}
    assert offenders == {}, f'emulator modules importing {CLIENT_MODULE} (file: lines): {offenders}'


def test_the_emulated_gateway_authenticates_with_the_client_unimportable():
    """Behaviour as well as source: with restore_integration made unimportable, the emulated HSS still checks an
    SDK-HMAC-SHA256 signature (accepting a good one, refusing a bad one) and issues and accepts IAM tokens."""
    script = textwrap.dedent('''
        import sys
        sys.modules['restore_integration'] = None  # any import of it now raises ImportError
        import json, os, tempfile
        os.environ['HOME'] = tempfile.mkdtemp()  # the SDK may write ~/.huaweicloud
        import requests
        from urllib.parse import urlsplit
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkcore.sdk_request import SdkRequest
        from huaweicloudsdkcore.signer.signer import Signer
        from warroom.emulator.hss import HssBackend, HssGateway, create_app, create_iam_app
        from warroom.emulator.httpserver import LoopbackServer

        backend = HssBackend.from_seed(sys.argv[1], stage_seconds=0)
        backend.add_access_key('AK', 'SK')
        backend.add_user('domain', 'user', 'password', [backend.project_id])
        gateway = HssGateway(backend)
        path = f'/v5/{backend.project_id}/event/isolated-file'
        with LoopbackServer(create_app(gateway)) as hss, LoopbackServer(create_iam_app(gateway)) as iam:
            statuses = []
            for sk in ('SK', 'not-the-SK'):
                signed = Signer(BasicCredentials('AK', sk)).sign(SdkRequest(
                    method='GET', schema='http', host=urlsplit(hss.url).netloc, resource_path=path,
                    query_params=[('limit', '10')], header_params={'Content-Type': 'application/json'}))
                statuses.append(requests.get(hss.url + signed.uri, headers=signed.header_params, timeout=5).status_code)
            token = requests.post(iam.url + '/v3/auth/tokens', timeout=5, json={'auth': {
                'identity': {'methods': ['password'], 'password': {'user': {
                    'name': 'user', 'password': 'password', 'domain': {'name': 'domain'}}}},
                'scope': {'project': {'id': backend.project_id}}}}).headers['X-Subject-Token']
            statuses.append(requests.get(hss.url + path, headers={'X-Auth-Token': token}, timeout=5).status_code)
        print(json.dumps({'statuses': statuses, 'errors': [repr(e) for e in gateway.internal_errors],
                          'client_loaded': sys.modules['restore_integration'] is not None}))
    ''')
    seed = ROOT / 'test_data' / 'hss' / 'tenant.json'
    done = subprocess.run([sys.executable, '-c', script, str(seed)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == '{"statuses": [200, 401, 200], "errors": [], "client_loaded": false}'
