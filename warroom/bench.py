"""``make bench``: ratios measured in one run, on the emulators with injected per-request latency.

1. cold start: importing restore_integration against importing requests; peak memory of one command
   process against bare python with requests;
2. Cortex XDR bulk: requests per second achieved over the tenant's admitted rate, with no 429 reaching
   the analyst, against a sequential hand-written requests loop;
3. HSS bulk, 10,000 items: against the official huaweicloudsdkhss client called once per item and
   batched by 100;
4. the playbook runner on 1,000 incidents closed as false positives: its own time over its commands' time.

Prints a markdown table and writes bench/results.json. Every figure is a ratio of two timings taken here.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests

from .spec import PROJECT_ROOT

RESULTS = PROJECT_ROOT / 'bench' / 'results.json'


def with_latency(app, seconds: float, counter: dict | None = None):
    """The emulator's app answering every request ``seconds`` late; with ``counter``, it notes each arrival
    time and counts 429s."""
    def slow(request):
        if counter is not None:
            counter.setdefault('arrivals', []).append(time.perf_counter())
        time.sleep(seconds)
        response = app(request)
        if counter is not None and response.status == 429:
            counter['throttled'] = counter.get('throttled', 0) + 1
        return response
    return slow


def arrival_rate(counter: dict) -> float:
    """Requests per second as the tenant sees them: arrivals after the first over the span they cover."""
    arrivals = sorted(counter['arrivals'])
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


def fake_hashes(count: int, salt: str) -> list[str]:
    return [hashlib.sha256(f'{salt}-{n}'.encode()).hexdigest() for n in range(count)]


# ----------------------------------------------------------------------------- 1. cold start

def _child(code: str) -> dict:
    done = subprocess.run([sys.executable, '-c', code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=True, env={**os.environ, 'PYTHONDONTWRITEBYTECODE': '1'})
    return json.loads(done.stdout.strip().splitlines()[-1])


MEASURE = ('import json, resource, time; t = time.perf_counter(); {body}; '
           'print(json.dumps({{"seconds": time.perf_counter() - t, '
           '"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))')


def cold_start(repeats: int) -> dict:
    ours, theirs = [], []
    for _ in range(repeats):  # interleaved, so drift in the machine's load hits both alike
        theirs.append(_child(MEASURE.format(body='import requests'))['seconds'])
        ours.append(_child(MEASURE.format(body='import restore_integration'))['seconds'])
    with ExitStack() as stack:
        from .embedded import embedded_vendors
        params = stack.enter_context(embedded_vendors(time_scale=0)).params
        command = ('from warroom.runtime import Demisto; import restore_integration as ri; '
                   f'd = Demisto({params!r}, "restore-file", {{"file_hash": "{"ee62bd9703ccc64f54b25e9f8b7d153897c93cc1cb3c18759bbcec29c8bdfff4"}", "polling": "false"}}, {{}}, []); '
                   'ri.main(d); assert d.entries[-1]["Type"] == 1, d.entries')
        one_command = _child(MEASURE.format(body=command))['maxrss_kb']
    bare = _child(MEASURE.format(body='import requests'))['maxrss_kb']
    return {
        'import_restore_integration_s': statistics.median(ours),
        'import_requests_s': statistics.median(theirs),
        'import_ratio': statistics.median(ours) / statistics.median(theirs),
        'command_process_peak_kb': one_command,
        'bare_python_requests_peak_kb': bare,
        'memory_ratio': one_command / bare,
        'repeats': repeats,
    }


# ----------------------------------------------------------------------------- 2. Cortex XDR bulk

@contextmanager
def xdr_tenant(hashes: list[str], latency: float, rate: float, counter: dict):
    from .emulator.httpserver import LoopbackServer
    from .emulator.xdr import XdrBackend, create_app

    endpoints = [{'endpoint_id': hashlib.md5(f'ep{n}'.encode()).hexdigest(), 'endpoint_name': f'BENCH-{n}',
                  'quarantined': [{'file_hash': h, 'file_path': f'C:\\q\\{h[:8]}'} for h in hashes]}
                 for n in range(3)]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=0, rate_limit=rate)
    key = 'b' * 64
    backend.add_api_key('1', key, auth_type='standard')
    with LoopbackServer(with_latency(create_app(backend), latency, counter)) as server:
        yield backend, {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': key},
                        'xdr_auth_type': 'standard'}


def xdr_bulk(count: int, latency: float, rate: float) -> dict:
    """The restores of ``count`` hashes (polling off: the status checks go out at the same pace, an
    interval later), ours against the loop a script author writes first."""
    from .runtime import WarRoom

    hashes = fake_hashes(count, 'xdr-bench')
    counter: dict = {}
    with xdr_tenant(hashes, latency, rate, counter) as (backend, params):
        params.update(xdr_rate_limit=str(rate), max_concurrency='8')
        started = time.perf_counter()
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run(
            'restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})
        ours_s = time.perf_counter() - started
        failed = result.failed
        accepted = sum(1 for action in backend.actions.values())
    loop_counter: dict = {}
    with xdr_tenant(hashes, latency, rate, loop_counter) as (backend, params):
        session = requests.Session()
        headers = {'x-xdr-auth-id': '1', 'Authorization': params['xdr_api_key']['password']}
        started = time.perf_counter()
        for file_hash in hashes:  # one request after the other
            session.post(f'{params["xdr_url"]}/public_api/v1/endpoints/restore/', headers=headers,
                         json={'request_data': {'file_hash': file_hash}}, timeout=30).raise_for_status()
        loop_s = time.perf_counter() - started
    ours_rate, loop_rate = arrival_rate(counter), arrival_rate(loop_counter)
    return {
        'hashes': count, 'latency_s': latency, 'tenant_rate_per_s': rate, 'actions_started': accepted,
        'ours_s': ours_s, 'ours_rate_per_s': ours_rate, 'achieved_over_admitted': ours_rate / rate,
        'throttled_429': counter.get('throttled', 0), 'error_entry': failed,
        'loop_s': loop_s, 'loop_rate_per_s': loop_rate, 'loop_over_admitted': loop_rate / rate,
        'ours_over_loop': loop_s / ours_s,
    }


# ----------------------------------------------------------------------------- 3. HSS bulk

@contextmanager
def hss_project(items: int, latency: float, rate: float | None):
    from .embedded import start_hss
    from .emulator.httpserver import LoopbackServer
    from .emulator.hss import create_app

    with ExitStack() as stack:
        backend, _, _, params = start_hss(stack, 0.0, rate_limit=rate)
        host = backend.snapshot()[0]['host_id']
        added = backend.add_isolated_files(host, items)
        slow = stack.enter_context(LoopbackServer(with_latency(create_app(backend), latency)))
        params['hss_endpoint'] = slow.url
        yield backend, params, added


def sdk_client(params):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkhss.v5 import HssClient

    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    credentials = BasicCredentials(params['hss_aksk']['identifier'], params['hss_aksk']['password'],
                                   params['hss_project_id'])
    return (HssClient.new_builder().with_http_config(config).with_credentials(credentials)
            .with_endpoints([params['hss_endpoint']]).build())


def sdk_restore(client, items) -> None:
    from huaweicloudsdkhss.v5 import ChangeIsolatedFileRequest, ChangeIsolatedFileRequestInfo, IsolatedFileRequestInfo

    body = ChangeIsolatedFileRequestInfo(data_list=[
        IsolatedFileRequestInfo(host_id=i['host_id'], file_hash=i['file_hash'], file_path=i['file_path'],
                                file_attr=i.get('file_attr')) for i in items])
    client.change_isolated_file(ChangeIsolatedFileRequest(body=body))


def hss_bulk(items: int, latency: float, rate: float | None, per_item_sample: int) -> dict:
    from .runtime import WarRoom

    with hss_project(items, latency, rate) as (backend, params, added):
        args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        params.update(hss_rate_limit=str(rate or 1000), max_concurrency='8')
        started = time.perf_counter()
        result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('hss-restore-isolated', args)
        ours_s = time.perf_counter() - started
        restored = sum(1 for item in backend.snapshot() if item['isolation_status'] in ('restoring', 'restored'))
        assert not result.failed and restored >= items, (result.entries[-1], restored)
    with hss_project(items, latency, rate) as (backend, params, added):
        client = sdk_client(params)
        started = time.perf_counter()
        for start in range(0, items, 100):
            sdk_restore(client, added[start:start + 100])
        batched_s = time.perf_counter() - started
    with hss_project(per_item_sample, latency, rate) as (backend, params, added):
        client = sdk_client(params)
        started = time.perf_counter()
        for item in added:
            sdk_restore(client, [item])
        sample_s = time.perf_counter() - started
    per_item_s = sample_s / per_item_sample * items  # one call per item, timed on a sample, scaled to all
    return {
        'items': items, 'latency_s': latency, 'tenant_rate_per_s': rate,
        'ours_s': ours_s, 'sdk_batched_s': batched_s, 'sdk_per_item_s': per_item_s,
        'sdk_per_item_sample': per_item_sample,
        'per_item_over_ours': per_item_s / ours_s, 'batched_over_ours': batched_s / ours_s,
    }


# ----------------------------------------------------------------------------- 4. playbook runner

def runner_overhead(incidents: int, latency: float) -> dict:
    from .playbook.incidents import RESTORE_PLAYBOOK, IncidentFile, close_incident
    from .playbook.model import PlaybookLibrary
    from .playbook.runner import PlaybookRunner
    from .runtime import WarRoom
    from .playbook import runner as runner_module

    hashes = fake_hashes(incidents, 'runner-bench')
    sample = IncidentFile.load(PROJECT_ROOT / 'test_data' / 'incidents' / 'xdr_false_positive.json')
    counter: dict = {}
    spent = {'commands': 0.0}
    original_run = WarRoom.run
    original_script = runner_module.PlaybookRunner._script

    def timed_run(self, command, args):
        started = time.perf_counter()
        try:
            return original_run(self, command, args)
        finally:
            spent['commands'] += time.perf_counter() - started

    def timed_script(self, name, args, frame):
        started = time.perf_counter()
        try:
            return original_script(self, name, args, frame)
        finally:
            spent['commands'] += time.perf_counter() - started

    with xdr_tenant(hashes, latency, None, counter) as (backend, params):
        params.update(xdr_rate_limit='1000')
        runner = PlaybookRunner(params, library=PlaybookLibrary(), time_scale=0, sleep=lambda _: None)
        WarRoom.run, runner_module.PlaybookRunner._script = timed_run, timed_script
        try:
            started = time.perf_counter()
            failures = 0
            for file_hash in hashes:
                incident = json.loads(json.dumps(sample.incident))
                incident['CustomFields']['filesha256'] = [file_hash]
                context = {'PaloAltoNetworksXDR': {'Incident': {'incident_id': '412',
                                                                'file_artifacts': [{'file_sha256': file_hash}]}}}
                run = runner.run(RESTORE_PLAYBOOK, close_incident(incident, 'False Positive'), context)
                failures += run.failed or not run.notes
            total = time.perf_counter() - started
        finally:
            WarRoom.run, runner_module.PlaybookRunner._script = original_run, original_script
    own = total - spent['commands']
    return {'incidents': incidents, 'latency_s': latency, 'total_s': total, 'commands_s': spent['commands'],
            'runner_own_s': own, 'runner_over_commands': own / spent['commands'], 'failed_runs': failures}


# ----------------------------------------------------------------------------- report

def table(results: dict) -> str:
    c, x, h, r = results['cold_start'], results['xdr_bulk'], results['hss_bulk'], results['runner']
    rows = [
        ('cold start: import restore_integration / import requests', f"{c['import_ratio']:.2f}x", 'close to 1'),
        ('peak memory: one command process / python + requests', f"{c['memory_ratio']:.2f}x", 'close to 1'),
        (f"XDR bulk ({x['hashes']} hashes, {x['latency_s'] * 1000:.0f} ms latency): achieved / admitted rate",
         f"{x['achieved_over_admitted']:.3f} ({x['throttled_429']} throttled, error entry: {x['error_entry']})",
         '>= 0.95, none throttled'),
        ('XDR bulk: ours / sequential requests loop', f"{x['ours_over_loop']:.2f}x faster", 'faster'),
        (f"HSS bulk ({h['items']} items): SDK once per item / ours", f"{h['per_item_over_ours']:.0f}x",
         '>= 50x'),
        ('HSS bulk: SDK batched by 100 / ours', f"{h['batched_over_ours']:.2f}x", '> 1 (ours faster)'),
        (f"playbook runner ({r['incidents']} incidents): own time / commands' time",
         f"{r['runner_over_commands'] * 100:.1f}%", '<= 10%'),
    ]
    lines = ['| measure | result | goal |', '| --- | --- | --- |']
    lines += [f'| {a} | {b} | {g} |' for a, b, g in rows]
    return '\n'.join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog='python -m warroom.bench', description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=str(RESULTS))
    parser.add_argument('--quick', action='store_true', help='smaller sizes, for trying the bench itself')
    options = parser.parse_args(argv)
    quick = options.quick
    results = {
        'machine': {'python': platform.python_version(), 'cpus': os.cpu_count(), 'platform': platform.platform()},
        'cold_start': cold_start(repeats=3 if quick else 15),
        'xdr_bulk': xdr_bulk(count=20 if quick else 100, latency=0.3, rate=10.0),
        'hss_bulk': hss_bulk(items=1000 if quick else 10_000, latency=0.05, rate=50.0,
                             per_item_sample=50 if quick else 300),
        'runner': runner_overhead(incidents=50 if quick else 1000, latency=0.005),
    }
    print(table(results))
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + '\n', encoding='utf-8')
    print(f'\nWritten to {out}.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
