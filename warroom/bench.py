"""``make bench``: ratios measured in one run, on the emulators with injected per-request latency.

1. cold start: restore_integration compiled from its source in the process, as XSOAR gets it (never from a .pyc
   an earlier run left), against importing requests; peak memory (VmHWM, read by the child
   itself) of one command process (the median of 3 children, as bare python with requests is) and of a 10,000-item
   command, against bare python with requests;
2. Cortex XDR bulk, 100 hashes, 300 ms per request, default settings: at the tenant's full rate; on a tenant
   another client steadily uses 4 of its 10 requests/s; with the admitted rate dropping from 10 to 5 mid-run;
   at the full rate while two processes keep the CPU busy (3 runs); against a sequential requests loop;
3. HSS bulk, 10,000 items, default settings, behind a gateway limit of 30 requests/s the client is not told:
   against the official huaweicloudsdkhss client batched by 100 and called once per item; restore by hash of
   10,000 listed copies against the SDK listing then restoring; ours and the SDK (batched, and by hash) run in turn,
   3 times each, each side's median time kept;
4. the playbook runner on 1,000 incidents closed as false positives: its own time over its commands' time (the
   client's XDR pace raised to 1000/s, so that its waits are not counted as the commands' time).

Prints integration.yml's defaults first and records them (default_settings); each run records the settings it used
off them (settings_off_default), and its row says them.
A speed ratio passes only where ours did all the work asked (nothing lost, every item once, no error entry), and so
do the memory rows of a command (its restore started in every child; the project received every item once).

Prints a markdown table (each row with its goal, and MISSED where the goal is not met), writes
bench/results.json, and exits 1 when a goal is missed. Every figure is a ratio of two measures taken here.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import requests

from .line import plural
from .spec import PROJECT_ROOT

if TYPE_CHECKING:  # types only: the measures import the emulators and the Huawei SDK as they run, so importing
    # the bench (as its tests do) needs neither
    from huaweicloudsdkhss.v5 import HssClient

    from .emulator.hss import HssBackend
    from .emulator.httpserver import App, Request, Response
    from .emulator.xdr import XdrGateway
    from .emulator.xdr.models import RestoreAction
    from .spec import IntegrationSpec

RESULTS = PROJECT_ROOT / 'bench' / 'results.json'
XDR_LATENCY_S = 0.3
HSS_LATENCY_S = 0.05
HSS_GATEWAY_LIMIT = 30.0
HSS_ROUNDS = 3  # ours and the SDK's run in turn, each side's median kept


def with_latency(app: App, seconds: float, counter: dict | None = None) -> App:
    """The emulator's app answering every request ``seconds`` late; with ``counter``, it notes each arrival at the
    vendor (after the latency) as (time, method, status)."""
    def slow(request: Request) -> Response:
        time.sleep(seconds)
        response = app(request)
        if counter is not None:
            counter.setdefault('arrivals', []).append((time.perf_counter(), request.method, response.status))
        return response
    return slow


def admitted_rate(counter: dict, method: str | None = None) -> float:
    """Requests per second the vendor admitted (not 429): arrivals after the first over the span they cover."""
    times = sorted(t for t, m, status in counter['arrivals'] if status != 429 and method in (None, m))
    return (len(times) - 1) / (times[-1] - times[0])


def throttled(counter: dict) -> int:
    return sum(1 for _, _, status in counter.get('arrivals', ()) if status == 429)


def fake_hashes(count: int, salt: str) -> list[str]:
    return [hashlib.sha256(f'{salt}-{n}'.encode()).hexdigest() for n in range(count)]


# Params that say where a vendor is and who calls it: the bench must give them, so they are no setting a row runs
# off its default.
WHERE_AND_WHO = {'xdr_url', 'xdr_api_key_id', 'hss_endpoint', 'hss_iam_endpoint', 'hss_region', 'hss_project_id',
                 'hss_domain'}


def settings_off_default(params: dict, spec: IntegrationSpec | None = None) -> dict:
    """The instance settings a run used that are not integration.yml's defaults (credentials and the vendor's
    address left out): what results.json records for the run, computed from the params it was given."""
    from .spec import load_spec

    spec = spec or load_spec()
    defaults = spec.default_params()
    return {name: params[name] for name in sorted(params)
            if name in spec.params and name not in WHERE_AND_WHO and not spec.params[name].is_credentials
            and params[name] not in (None, '') and str(params[name]) != str(defaults.get(name))}


def default_settings(spec: IntegrationSpec | None = None) -> dict:
    """integration.yml's defaults, the settings every run starts from (the vendor's address and who calls it left
    out): printed before the table and recorded, as a row names only what its run changed from them."""
    from .spec import load_spec

    return {name: value for name, value in (spec or load_spec()).default_params().items() if name not in WHERE_AND_WHO}


@contextmanager
def temporary_home() -> Iterator[str]:
    """HOME in a fresh folder while the official Huawei SDK runs: huaweicloudsdkcore reads and writes
    ~/.huaweicloud (an application ID, credential profiles), which must neither be the user's nor steer the peer."""
    import tempfile

    before = os.environ.get('HOME')
    with tempfile.TemporaryDirectory(prefix='bench-sdk-home-') as home:
        os.environ['HOME'] = home
        try:
            yield home
        finally:
            if before is None:
                os.environ.pop('HOME', None)
            else:
                os.environ['HOME'] = before


# ----------------------------------------------------------------------------- 1. cold start and memory

def _child(code: str, stdin: str | None = None, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run([sys.executable, '-c', code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=True, input=stdin, env={**os.environ, 'PYTHONDONTWRITEBYTECODE': '1', **(env or {})})
    return json.loads(done.stdout.strip().splitlines()[-1])


# The child reads its own peak resident size (VmHWM): a child's ru_maxrss also counts what it inherited at fork.
MEASURE = (
    'import json, time; t = time.perf_counter(); {body}; '
    'elapsed = time.perf_counter() - t; '
    'peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")); '
    'print(json.dumps({{"seconds": elapsed, "peak_kb": peak}}))')

MEMORY_CHILDREN = 3  # children of each memory measure, of which the median is kept

# glibc's default mmap threshold (128 KiB), held still for the diagnostic memory row (MALLOC_MMAP_THRESHOLD_).
HELD_MMAP_THRESHOLD = 128 * 1024

# The integration compiled from its source in the process, every time: XSOAR gets it as text (the unified YAML
# holds no bytecode). An import would read a __pycache__ .pyc left by an earlier run (pytest writes one where
# PYTHONDONTWRITEBYTECODE is unset), and the measures would depend on it: on one machine, importing took 0.11 s
# with a peak of 29.8 MB with that .pyc, and 0.145 s with 33.3 MB without.
LOAD_INTEGRATION = (
    'import sys, types; ri = types.ModuleType("restore_integration"); ri.__file__ = "restore_integration.py"; '
    'sys.modules["restore_integration"] = ri; '
    'exec(compile(open("restore_integration.py", encoding="utf-8").read(), "restore_integration.py", "exec"), '
    'ri.__dict__)')

# A demisto object as small as the one XSOAR injects, so that the child holds the integration and nothing of
# the war room (whose YAML and templates would weigh on the measure).
COMMAND = (
    LOAD_INTEGRATION + '; '
    'spec = json.loads(sys.stdin.read()); '
    'D = type("D", (), {"params": lambda s: spec["params"], "command": lambda s: spec["command"], '
    '"args": lambda s: spec["args"], "results": lambda s, e: s.entries.append(e), "info": lambda s, m: None, '
    '"debug": lambda s, m: None, "getIntegrationContextVersioned": lambda s, refresh=False: {"context": {}}, '
    '"setIntegrationContextVersioned": lambda s, c, v, sync=False: None}); d = D(); d.entries = []; ri.main(d); '
    'assert d.entries[-1]["Type"] == 1, str(d.entries)[:500]')


def median_peak_kb(body: str, stdin: str | None = None, env: dict[str, str] | None = None,
                   runs: int = MEMORY_CHILDREN) -> float:
    """The median peak of ``runs`` children running ``body``: where the allocator lays a process out moves its peak by
    up to about 1 MB from one run to the next, so both sides of a memory ratio are taken the same way."""
    return statistics.median(_child(MEASURE.format(body=body), stdin, env)['peak_kb'] for _ in range(runs))


def per_item_bytes(many_kb: float, one_kb: float, items: int) -> float:
    """Bytes each item adds to a peak: a run on ``items`` items against the same run on one item."""
    return (many_kb - one_kb) * 1024 / (items - 1)


def held_threshold_memory_ratio(command: dict) -> float:
    """The one-command memory ratio again with glibc's mmap threshold held still. By default glibc raises it each time
    a large block is freed (compiling frees several), so where later allocations land, and the peak, moves by about
    1 MB with the layout of the script; held still, what is left is the memory the integration itself takes."""
    held = {'MALLOC_MMAP_THRESHOLD_': str(HELD_MMAP_THRESHOLD)}
    return median_peak_kb(COMMAND, json.dumps(command), held) / median_peak_kb('import requests', env=held)


def cold_start(repeats: int, items: int) -> dict:
    ours, theirs = [], []
    for _ in range(repeats):  # interleaved, so drift in the machine's load hits both alike
        theirs.append(_child(MEASURE.format(body='import requests'))['seconds'])
        ours.append(_child(MEASURE.format(body=LOAD_INTEGRATION))['seconds'])
    bare = median_peak_kb('import requests')
    with ExitStack() as stack:
        from .embedded import embedded_vendors
        vendors = stack.enter_context(embedded_vendors(time_scale=0))
        params = vendors.params
        params.pop('hss_enterprise_project_id')  # not read by restore-file; the embedded demo's, not a default
        one = {'params': params, 'command': 'restore-file',
               'args': {'file_hash': 'ee62bd9703ccc64f54b25e9f8b7d153897c93cc1cb3c18759bbcec29c8bdfff4',
                        'polling': 'false'}}
        one_command = median_peak_kb(COMMAND, json.dumps(one))
        held_ratio = held_threshold_memory_ratio(one)
        command_settings = settings_off_default(params)
        # one restore started by each child, held threshold or not: a command that stopped before its request holds less
        started_in_every_child = len(vendors.xdr.actions) == 2 * MEMORY_CHILDREN

    # the per-item figure is above the same command on one item: the same code path, only the count differs
    one_item_command, _, one_item_all = hss_command_peak(1)
    bulk_command, bulk_settings, bulk_all = hss_command_peak(items)
    return {
        'import_restore_integration_s': statistics.median(ours),
        'import_requests_s': statistics.median(theirs),
        'import_ratio': statistics.median(ours) / statistics.median(theirs),
        'bare_python_requests_peak_kb': bare,
        'command_process_peak_kb': one_command,
        'memory_ratio': one_command / bare,
        'held_threshold_memory_ratio': held_ratio,
        'held_mmap_threshold_bytes': HELD_MMAP_THRESHOLD,
        'command_settings_off_default': command_settings,
        'command_restore_started_in_every_child': started_in_every_child,
        'bulk_items': items,
        'bulk_command_peak_kb': bulk_command,
        'bulk_bytes_per_item_above_bare': (bulk_command - bare) * 1024 / items,
        'one_item_command_peak_kb': one_item_command,
        'bulk_bytes_per_item': per_item_bytes(bulk_command, one_item_command, items),
        'bulk_settings_off_default': bulk_settings,
        'bulk_every_item_sent_once': one_item_all and bulk_all,
        'repeats': repeats,
    }


def hss_command_peak(count: int) -> tuple[int, dict, bool]:
    """hss-restore-isolated on ``count`` items in a child: its peak, its settings off default, and whether the
    project received every item once (a command that stopped early holds less)."""
    with hss_project(count, 0.0, None) as (backend, params, added):
        args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        # polling off: the restore as it is issued, what the one-command measure above also does
        bulk = {'params': params, 'command': 'hss-restore-isolated', 'args': dict(args, polling='false')}
        peak_kb = _child(MEASURE.format(body=COMMAND), json.dumps(bulk))['peak_kb']
        # the child's rows stay in the child: the project's side shows its work, as for the SDK peers
        sent_once = every_item_once(added, backend.put_sizes, backend.snapshot(),
                                    [dict(item, outcome='restoring') for item in added], 100)
        return peak_kb, settings_off_default(params), sent_once


# ----------------------------------------------------------------------------- 2. Cortex XDR bulk

@contextmanager
def xdr_tenant(hashes: list[str], latency: float, rate: float | None, counter: dict,
               auth_type: str = 'advanced') -> Iterator[tuple[XdrGateway, dict]]:
    """A tenant holding ``hashes`` on three endpoints, its server slowed by ``latency``: (gateway, params). The key
    is of the instance's default type (advanced) unless ``auth_type`` says otherwise."""
    from .emulator.httpserver import LoopbackServer
    from .emulator.xdr import XdrBackend, XdrGateway, create_app

    endpoints = [{'endpoint_id': hashlib.md5(f'ep{n}'.encode()).hexdigest(), 'endpoint_name': f'BENCH-{n}',
                  'quarantined': [{'file_hash': h, 'file_path': f'C:\\q\\{h[:8]}'} for h in hashes]}
                 for n in range(3)]
    backend = XdrBackend.from_seed({'endpoints': endpoints}, stage_seconds=0)
    key = 'b' * 64
    backend.add_api_key('1', key, auth_type=auth_type)
    gateway = XdrGateway(backend, rate_limit=rate)
    with LoopbackServer(with_latency(create_app(gateway), latency, counter)) as server:
        yield gateway, {'xdr_url': server.url, 'xdr_api_key_id': '1', 'xdr_api_key': {'password': key},
                        'xdr_auth_type': auth_type}


def restore_all(params: dict, hashes: list[str]) -> tuple[list[dict], float, bool]:
    """restore-file on every hash at the instance's default settings (polling off: the status checks go out
    through the same limiter, an interval later); returns the entry's records and its time."""
    from .runtime import WarRoom

    war_room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)  # built before the clock, as the peers' are
    started = time.perf_counter()
    result = war_room.run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})
    elapsed = time.perf_counter() - started
    context = result.entries[-1].get('EntryContext') or {}
    records = next(iter(context.values()), []) if not result.failed else []
    return records, elapsed, result.failed


def files_lost(hashes: list[str], records: list[dict], actions: Iterable[RestoreAction]) -> int:
    """Hashes of ``hashes`` not restored: no record of the run reports it IN_PROGRESS with an action ID that the
    tenant really started for that hash. Counted per distinct hash, so neither a duplicate record nor a record of a
    hash not asked for can stand in for a lost one."""
    started = {(action.file_hash, action.action_id) for action in actions}
    reported = {str(record.get('file_hash', '')).lower() for record in records
                if record.get('status') == 'IN_PROGRESS' and record.get('action_id') is not None
                and (str(record.get('file_hash', '')).lower(), _int_or_none(record.get('action_id'))) in started}
    return sum(1 for file_hash in {h.lower() for h in hashes} if file_hash not in reported)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def xdr_run(count: int, latency: float, rate: float, others: float = 0.0, drop_to: float | None = None,
            drop_at_s: float | None = None, salt: str = 'xdr') -> dict:
    hashes = fake_hashes(count, salt)
    counter: dict = {}
    with xdr_tenant(hashes, latency, rate, counter) as (gateway, params):
        gateway.others_rate = others
        timer, dropped = None, []

        def drop_limit() -> None:
            gateway.rate_limit = drop_to
            dropped.append(time.perf_counter())

        if drop_to is not None:
            timer = threading.Timer(drop_at_s, drop_limit)
            timer.start()
        records, elapsed, failed = restore_all(params, hashes)
        if timer:
            timer.cancel()
        started = len(gateway.backend.actions)
        lost = files_lost(hashes, records, list(gateway.backend.actions.values()))
    times = sorted(t for t, _, status in counter['arrivals'] if status != 429)
    return {'hashes': count, 'latency_s': latency, 'tenant_rate_per_s': rate, 'others_per_s': others,
            'drop_to_per_s': drop_to, 'drop_at_s': drop_at_s, 'seconds': elapsed, 'error_entry': failed,
            'actions_started': started, 'files_lost': lost, 'throttled_429': throttled(counter),
            'admitted_rate_per_s': admitted_rate(counter), 'admitted_span_s': times[-1] - times[0],
            # when the limit really dropped, counted from the first request the tenant admitted (the timer starts
            # before the command, whose first request arrives a latency and its setup later)
            'drop_after_first_admitted_s': dropped[0] - times[0] if dropped else None,
            'settings_off_default': settings_off_default(params)}


def ideal_after_drop(count: int, rate: float, drop_to: float, drop_at_s: float | None) -> float:
    """The admitted rate a client with perfect knowledge reaches: the tenant's full ``rate`` from its first admitted
    request until the drop ``drop_at_s`` later (None: the limit never dropped), ``drop_to`` after."""
    before = count if drop_at_s is None else min(count, rate * max(drop_at_s, 0.0))
    span = (before / rate) + (count - before) / drop_to
    return (count - 1) / span


@contextmanager
def busy_cpus(processes: int) -> Iterator[None]:
    """Processes that keep the CPU busy while the block runs."""
    spinners = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(processes)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def sequential_loop(count: int, latency: float, rate: float) -> tuple[float, bool]:
    """The loop a script author writes first: one restore after the other. Returns its time and whether the
    tenant started a restore for every hash (the peer did all its work)."""
    hashes = fake_hashes(count, 'xdr-loop')
    counter: dict = {}
    # a script author's loop: the simplest key (standard, its secret as the header), which only spares the peer work
    with xdr_tenant(hashes, latency, rate, counter, auth_type='standard') as (gateway, params):
        session = requests.Session()
        headers = {'x-xdr-auth-id': '1', 'Authorization': params['xdr_api_key']['password']}
        started = time.perf_counter()
        for file_hash in hashes:
            session.post(f'{params["xdr_url"]}/public_api/v1/endpoints/restore/', headers=headers,
                         json={'request_data': {'file_hash': file_hash}}, timeout=30).raise_for_status()
        elapsed = time.perf_counter() - started
        return elapsed, {action.file_hash for action in gateway.backend.actions.values()} == set(hashes)


def xdr_bulk(count: int, latency: float) -> dict:
    rate = 10.0
    full = xdr_run(count, latency, rate, salt='full')
    shared = xdr_run(count, latency, rate, others=4.0, salt='shared')
    drop = xdr_run(count, latency, rate, drop_to=5.0, drop_at_s=count / rate / 2, salt='drop')
    # the perfect client at the tenant's limit itself (not ours' pace a little under it), from the real drop
    drop['ideal_rate_per_s'] = ideal_after_drop(count, rate, 5.0, drop['drop_after_first_admitted_s'])
    with busy_cpus(2):
        busy = [xdr_run(count, latency, rate, salt=f'busy{n}') for n in range(3)]
    loop_s, loop_all = sequential_loop(count, latency, rate)
    return {'full': full, 'shared': shared, 'drop': drop, 'busy_cpu': busy, 'loop_s': loop_s,
            'loop_key_type': 'standard', 'loop_started_every_hash': loop_all,
            'ours_over_loop': loop_s / full['seconds']}


# ----------------------------------------------------------------------------- 3. HSS bulk

@contextmanager
def hss_project(items: int, latency: float, gateway_limit: float | None,
                counter: dict | None = None) -> Iterator[tuple[HssBackend, dict, list[dict]]]:
    """An HSS project whose ``items`` isolated files sit on one host of the default enterprise project, which the
    instance reaches at its default settings: (backend, params, added)."""
    from .embedded import start_hss
    from .emulator.httpserver import LoopbackServer
    from .emulator.hss import create_app
    from .emulator.hss.models import DEFAULT_ENTERPRISE_PROJECT

    with ExitStack() as stack:
        gateway, _, _, params = start_hss(stack, 0.0, rate_limit=gateway_limit)
        # the embedded params ask for every enterprise project (the seed's hosts sit in three): the bench's items
        # do not need it, so ours runs at the default, as the official SDK (which sends none) does
        params.pop('hss_enterprise_project_id')
        backend = gateway.backend
        host = next(host_id for host_id, host in backend.hosts.items()
                    if host.enterprise_project_id == DEFAULT_ENTERPRISE_PROJECT)
        added = backend.add_isolated_files(host, items, file_hash='f' * 64)
        slow = stack.enter_context(LoopbackServer(with_latency(create_app(gateway), latency, counter)))
        params['hss_endpoint'] = slow.url
        yield backend, params, added


def sdk_client(params: dict) -> HssClient:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkhss.v5 import HssClient

    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    credentials = BasicCredentials(params['hss_aksk']['identifier'], params['hss_aksk']['password'],
                                   params['hss_project_id'])
    return (HssClient.new_builder().with_http_config(config).with_credentials(credentials)
            .with_endpoints([params['hss_endpoint']]).build())


def sdk_restore(client: HssClient, items: list[dict]) -> None:
    from huaweicloudsdkhss.v5 import ChangeIsolatedFileRequest, ChangeIsolatedFileRequestInfo, IsolatedFileRequestInfo

    body = ChangeIsolatedFileRequestInfo(data_list=[
        IsolatedFileRequestInfo(host_id=i['host_id'], file_hash=i['file_hash'], file_path=i['file_path'],
                                file_attr=i.get('file_attr')) for i in items])
    client.change_isolated_file(ChangeIsolatedFileRequest(body=body))


def sdk_list_all(client: HssClient, file_hash: str, page: int) -> list[dict]:
    from huaweicloudsdkhss.v5 import ListIsolatedFileRequest

    found, offset = [], 0
    while True:
        reply = client.list_isolated_file(ListIsolatedFileRequest(file_hash=file_hash, isolation_status='isolated',
                                                                  offset=offset, limit=page))
        rows = reply.data_list or []
        found.extend({'host_id': r.host_id, 'file_hash': r.file_hash, 'file_path': r.file_path,
                      'file_attr': r.file_attr} for r in rows)
        offset += len(rows)
        if not rows or offset >= (reply.total_num or 0):
            return found


def run_hss(params: dict, args: dict) -> tuple[list[dict], float, bool]:
    """hss-restore-isolated with polling off: the official SDK's change_isolated_file issues the restore and does
    not follow it, so neither does the run it is measured against."""
    from .runtime import WarRoom

    war_room = WarRoom(params=params, time_scale=0, sleep=lambda _: None)  # built before the clock, as the SDK is
    started = time.perf_counter()
    result = war_room.run('hss-restore-isolated', dict(args, polling='false'))
    elapsed = time.perf_counter() - started
    rows = (result.entries[-1].get('EntryContext') or {}) if not result.failed else {}
    return next(iter(rows.values()), []), elapsed, result.failed


def fastest_behind_limit(requests: int, limit: float, latency: float) -> float:
    """The least time any client takes for ``requests`` requests behind the emulators' gateway limit, none waiting
    on another: the gateway admits ``limit`` in any one second (ratelimit.SlidingWindow), so they arrive a window's
    worth at a time, the last whole windows after the first, and its reply comes a latency after it was sent."""
    from .emulator.ratelimit import WINDOW_S

    return (requests - 1) // math.ceil(limit) * WINDOW_S + latency


def every_item_once(added: list[dict], put_sizes: list[int], snapshot: list[dict], rows: list[dict],
                    per_request: int) -> bool:
    """Every item of ``added`` sent in exactly one admitted PUT and reported once as restoring, read on the project's
    side: the PUTs the project accepted hold as many items as were asked for, each at most ``per_request``, and every
    one of them has left the isolated state there (so none went twice: the count leaves no room for it); the
    command's rows name each item once, as restoring."""
    keys = [(item['host_id'], item['file_path']) for item in added]
    status = {(f['host_id'], f['file_path']): f['isolation_status'] for f in snapshot}
    reported = [(r.get('host_id'), r.get('file_path')) for r in rows if r.get('outcome') == 'restoring']
    return (sum(put_sizes) == len(keys) and all(0 < size <= per_request for size in put_sizes)
            and len(put_sizes) == -(-len(keys) // per_request)
            and all(status.get(key) not in (None, 'isolated') for key in keys)
            and sorted(reported) == sorted(keys) and len(rows) == len(keys))


def hss_bulk(items: int, latency: float, per_item_sample: int) -> dict:
    limited = in_turn(lambda: hss_ours_behind_limit(items, latency), lambda: hss_sdk_batched(items, latency),
                      ('ours_s', 'sdk_batched_s'))
    limited.update(hss_sdk_per_item(items, latency, per_item_sample))
    by_hash = in_turn(lambda: hss_ours_by_hash(items, latency), lambda: hss_sdk_by_hash(items, latency),
                      ('ours_s', 'sdk_list_then_restore_s'))
    by_hash['sdk_over_ours'] = by_hash['sdk_list_then_restore_s'] / by_hash['ours_s']
    return {'limited': limited, 'by_hash': by_hash}


def in_turn(ours: Callable[[], dict], peer: Callable[[], dict], times: tuple[str, str]) -> dict:
    """Ours and the peer run in turn HSS_ROUNDS times: each side's run of median time (``times`` names their
    seconds), each with every run's seconds. On 2 shared CPUs, a load spike during one run moves one run of one side,
    not the ratio (busy, ours' restore by hash took 4.7 s for 2.7 s). Work counts only where every round did it: a
    check holds where it held in every run, an error entry counts where any run had one."""
    runs = [(ours(), peer()) for _ in range(HSS_ROUNDS)]
    return {**median_run([run for run, _ in runs], times[0]), **median_run([run for _, run in runs], times[1])}


def median_run(runs: list[dict], seconds: str) -> dict:
    """The run of median ``seconds``, its checks of work (bools) held only where every run's held."""
    median = sorted(runs, key=lambda run: run[seconds])[len(runs) // 2]
    return dict({key: (any if key == 'error_entry' else all)(run[key] for run in runs) if isinstance(value, bool)
                 else value for key, value in median.items()}, **{f'{seconds}_runs': [run[seconds] for run in runs]})


def hss_ours_behind_limit(items: int, latency: float) -> dict:
    """Ours restoring ``items`` behind the gateway limit it is not told: its time, its admitted PUT rate, and
    whether it sent and reported every item once."""
    import restore_integration as ri

    counter: dict = {}
    with hss_project(items, latency, HSS_GATEWAY_LIMIT, counter) as (backend, params, added):
        args = {k: json.dumps([item[k] for item in added]) for k in ('host_id', 'file_hash', 'file_path')}
        rows, ours_s, failed = run_hss(params, args)
        sent_once = every_item_once(added, backend.put_sizes, backend.snapshot(), rows, ri.HSS_MAX_ITEMS_PER_REQUEST)
        return {'items': items, 'latency_s': latency, 'gateway_limit_per_s': HSS_GATEWAY_LIMIT,
                'ours_s': ours_s, 'error_entry': failed, 'every_item_sent_once_and_reported': sent_once,
                'throttled_429': throttled(counter), 'admitted_put_rate_per_s': admitted_rate(counter, 'PUT'),
                'settings_off_default': settings_off_default(params)}


# Every SDK run below has its ~/.huaweicloud in a fresh folder (temporary_home): never the user's, nothing of it read.

def hss_sdk_batched(items: int, latency: float) -> dict:
    """The official SDK behind the same limit, batched by 100, one request after the other."""
    with temporary_home(), hss_project(items, latency, HSS_GATEWAY_LIMIT) as (backend, params, added):
        client = sdk_client(params)
        started = time.perf_counter()
        for start in range(0, items, 100):
            sdk_restore(client, added[start:start + 100])
        batched_s = time.perf_counter() - started
        return {'sdk_batched_s': batched_s, 'sdk_batched_every_item_once': every_item_once(
            added, backend.put_sizes, backend.snapshot(),
            [dict(item, outcome='restoring') for item in added], 100)}  # the SDK reports nothing: its PUTs only


def hss_sdk_per_item(items: int, latency: float, per_item_sample: int) -> dict:
    """The official SDK called once per item: timed on ``per_item_sample`` items, scaled to ``items``."""
    with temporary_home(), hss_project(per_item_sample, latency, HSS_GATEWAY_LIMIT) as (backend, params, added):
        client = sdk_client(params)
        started = time.perf_counter()
        for item in added:
            sdk_restore(client, [item])
        sample_s = time.perf_counter() - started
        every_item = every_item_once(
            added, backend.put_sizes, backend.snapshot(), [dict(item, outcome='restoring') for item in added], 1)
    return {'sdk_per_item_every_item_once': every_item, 'sdk_per_item_s': sample_s / per_item_sample * items,
            'sdk_per_item_sample': per_item_sample}


def hss_ours_by_hash(items: int, latency: float) -> dict:
    """Ours restoring by hash, every copy listed first. No gateway limit here: the listing's pages are what is
    measured."""
    import restore_integration as ri

    with hss_project(items, latency, None) as (backend, params, added):
        rows, ours_s, failed = run_hss(params, {'file_hash': 'f' * 64})
        every_copy = every_item_once(added, backend.put_sizes, backend.snapshot(), rows, ri.HSS_MAX_ITEMS_PER_REQUEST)
        return {'copies': items, 'ours_s': ours_s, 'error_entry': failed,
                'every_copy_sent_once_and_reported': every_copy, 'settings_off_default': settings_off_default(params)}


def hss_sdk_by_hash(items: int, latency: float) -> dict:
    """The official SDK listing every copy of the hash, then restoring them batched by 100."""
    import restore_integration as ri

    with temporary_home(), hss_project(items, latency, None) as (backend, params, added):
        client = sdk_client(params)
        started = time.perf_counter()
        found = sdk_list_all(client, 'f' * 64, ri.HSS_LIST_PAGE_SIZE)
        for start in range(0, len(found), 100):
            sdk_restore(client, found[start:start + 100])
        sdk_s = time.perf_counter() - started
        found_all = sorted((f['host_id'], f['file_path']) for f in found) == \
            sorted((item['host_id'], item['file_path']) for item in added)
        restored_all = every_item_once(added, backend.put_sizes, backend.snapshot(),
                                       [dict(item, outcome='restoring') for item in added], 100)
    return {'sdk_list_then_restore_s': sdk_s, 'sdk_found_every_copy': found_all,
            'sdk_restored_every_copy_once': restored_all}


# ----------------------------------------------------------------------------- 4. playbook runner

P = ParamSpec('P')
T = TypeVar('T')


class OutermostTime:
    """Seconds spent inside the spans it wraps, a span inside another (a script's executeCommand running a
    command, a script calling a script) counted once, with the span around it, never twice."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds = 0.0
        self._clock = clock
        self._depth = 0
        self._started = 0.0

    def wrap(self, function: Callable[P, T]) -> Callable[P, T]:
        def timed(*args: P.args, **kwargs: P.kwargs) -> T:
            if self._depth == 0:
                self._started = self._clock()
            self._depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds += self._clock() - self._started
        return timed


RUNNER_XDR_RATE_LIMIT = '1000'


def runner_incident(sample: dict, file_hash: str) -> tuple[dict, dict]:
    """The sample Cortex XDR incident and its context naming ``file_hash`` as its one file: in its File SHA256
    field, in every row of its XDR File Artifacts (which name the demo's file, not on the bench's tenant) and in the
    context CortexXDRIR leaves."""
    incident = json.loads(json.dumps(sample))
    incident['CustomFields']['filesha256'] = [file_hash]
    for artifact in incident['CustomFields'].get('xdrfileartifacts', []):
        artifact.update(file_sha256=file_hash, filesha256=file_hash)
    return incident, {'PaloAltoNetworksXDR': {'Incident': {'incident_id': '412',
                                                           'file_artifacts': [{'file_sha256': file_hash}]}}}


def runner_overhead(incidents: int, latency: float) -> dict:
    from .playbook.incidents import RESTORE_PLAYBOOK, IncidentFile, close_incident
    from .playbook.model import PlaybookLibrary
    from .playbook.runner import PlaybookRunner
    from .runtime import WarRoom
    from .playbook import runner as runner_module

    hashes = fake_hashes(incidents, 'runner-bench')
    sample = IncidentFile.load(PROJECT_ROOT / 'test_data' / 'incidents' / 'xdr_false_positive.json')
    counter: dict = {}
    spent = OutermostTime()
    original_run = WarRoom.run
    original_script = runner_module.PlaybookRunner._script
    timed_run, timed_script = spent.wrap(original_run), spent.wrap(original_script)

    with xdr_tenant(hashes, latency, None, counter) as (_, params):
        # Off the default (10/s): the client's own pacing would be counted as the commands' time, hiding the runner's.
        params.update(xdr_rate_limit=RUNNER_XDR_RATE_LIMIT)
        settings = settings_off_default(params)
        runner = PlaybookRunner(params, library=PlaybookLibrary(), time_scale=0, sleep=lambda _: None)
        WarRoom.run, runner_module.PlaybookRunner._script = timed_run, timed_script
        try:
            started = time.perf_counter()
            failures = 0
            for file_hash in hashes:
                incident, context = runner_incident(sample.incident, file_hash)
                sent = len(counter.get('arrivals', ()))
                run = runner.run(RESTORE_PLAYBOOK, close_incident(incident, 'False Positive'), context)
                # a request the tenant refused (not throttled) is a file this run did not restore
                refused = any(status not in (200, 429) for _, _, status in counter.get('arrivals', [])[sent:])
                failures += run.failed or not run.notes or refused
            total = time.perf_counter() - started
        finally:
            WarRoom.run, runner_module.PlaybookRunner._script = original_run, original_script
    own = total - spent.seconds
    return {'incidents': incidents, 'latency_s': latency, 'total_s': total, 'commands_s': spent.seconds,
            'runner_own_s': own, 'runner_over_commands': own / spent.seconds, 'failed_runs': failures,
            'settings_off_default': settings}


# ----------------------------------------------------------------------------- report

def war_room_memory(endpoints: int) -> dict:
    """`warroom run` restoring one hash quarantined on N endpoints (1 in 100 failing), against the same run on one
    endpoint: the war-room process's peak (VmHWM, read in the child) per endpoint above it. The emulator runs here,
    in the parent, so that only the war room and the integration are measured."""
    import tempfile

    from .emulator.httpserver import LoopbackServer
    from .emulator.xdr import XdrBackend, XdrGateway, create_app as create_xdr_app

    file_hash = 'ab' * 32
    instance = {'xdr_api_key_id': '1', 'xdr_api_key': {'password': 'k' * 64}}  # the rest at integration.yml's defaults

    def peak_kb(count: int) -> int:
        seed = {'endpoints': [{
            'endpoint_id': f'{n:032x}', 'endpoint_name': f'WS-{n:05d}',
            'quarantined': [{'file_hash': file_hash, 'file_path': f'C:\\bulk\\{n}.exe'}],
            'restore_failure': {'status': 'FAILED', 'error_description': 'the path is gone'} if n % 100 == 0 else None,
        } for n in range(count)]}
        backend = XdrBackend.from_seed(seed, stage_seconds=0)
        backend.add_api_key('1', 'k' * 64, auth_type='advanced')
        with LoopbackServer(create_xdr_app(XdrGateway(backend, rate_limit=1000))) as server, \
                tempfile.TemporaryDirectory() as scratch:
            params = Path(scratch) / 'bench.params.yml'
            params.write_text(json.dumps(dict(instance, xdr_url=server.url)), encoding='utf-8')
            params.chmod(0o600)
            # the war room prints its entries first; the measure's JSON line comes last, where _child reads it
            # the run must reach its end: every endpoint final, 1 in 100 failed (exit 3, not all restored); an error
            # entry (exit 1) would measure a run that stopped early
            body = (f'import warroom.cli as c; code = c.main(["run", "!restore-file file_hash={file_hash}", '
                    f'"--params", {str(params)!r}, "--time-scale", "0"]); '
                    f'assert code == c.EXIT_NOT_ALL_RESTORED, code')
            return _child(MEASURE.format(body=body))['peak_kb']

    one, many = peak_kb(1), peak_kb(endpoints)
    return {'endpoints': endpoints, 'one_endpoint_kb': one, 'many_endpoints_kb': many,
            'bytes_per_endpoint': per_item_bytes(many, one, endpoints),
            'settings_off_default': settings_off_default(instance)}


def off_default(run: dict, key: str = 'settings_off_default') -> str:
    """What a row's label says of the settings its run used off integration.yml's defaults ('' when none)."""
    settings = run.get(key) or {}
    return f" [settings off default: {', '.join(f'{k}={v}' for k, v in settings.items())}]" if settings else ''


def peer_short(did_all: bool) -> str:
    """What a ratio row adds when its peer did not do all the work ours did: the ratio then means nothing."""
    return '' if did_all else ' (the peer did not do all the work: no ratio)'


Row = tuple[str, str, str, bool | None]  # (measure, result, goal, met), as rows() gives them


def rows(results: dict) -> list[Row]:
    """(measure, result, goal, met) for every row; met None where a row has no pass/fail goal. A speed ratio
    passes only where ours did all the work asked (nothing lost, no error entry): a run that stopped early is
    quick."""
    return (cold_start_rows(results['cold_start']) + xdr_rows(results['xdr_bulk']) + hss_rows(results['hss_bulk'])
            + [war_room_memory_row(results['war_room_memory']), runner_row(results['runner'])])


def cold_start_rows(cold: dict) -> list[Row]:
    return [
        # no bound was ever set for it: the row says so rather than pass or miss
        ('cold start: restore_integration compiled from source (as XSOAR gets it) / import requests',
         f"{cold['import_ratio']:.2f}x", 'close to 1 (no bound set: not checked)', None),
        ('peak memory (VmHWM, read in the child; the median of 3 children each): one command process / python + '
         f"requests{off_default(cold, 'command_settings_off_default')}",
         f"{cold['memory_ratio']:.3f}x"
         f"{'' if cold['command_restore_started_in_every_child'] else ' (restore started in every child: False)'}",
         '<= 1.2x', cold['memory_ratio'] <= 1.2 and cold['command_restore_started_in_every_child']),
        # a diagnostic of the row above, not a goal: how much of it is the allocator's placing of memory
        (f"peak memory, the same with glibc's mmap threshold held at {cold['held_mmap_threshold_bytes'] // 1024} KiB "
         f"(MALLOC_MMAP_THRESHOLD_): the ratio without the allocator's layout",
         f"{cold['held_threshold_memory_ratio']:.3f}x", 'no bound (explains the row above: not checked)', None),
        (f"peak memory, hss-restore-isolated on {cold['bulk_items']:,} items: above one command, per item"
         f"{off_default(cold, 'bulk_settings_off_default')}",
         f"{cold['bulk_bytes_per_item']:.0f} bytes ({cold['bulk_bytes_per_item_above_bare']:.0f} above python + "
         f"requests){'' if cold['bulk_every_item_sent_once'] else '; every item sent once: False'}",
         '<= 1 KB', cold['bulk_bytes_per_item'] <= 1024 and cold['bulk_every_item_sent_once']),
    ]


def xdr_rows(xdr: dict) -> list[Row]:
    full, shared, drop, busy = xdr['full'], xdr['shared'], xdr['drop'], xdr['busy_cpu']
    full_use = full['admitted_rate_per_s'] / full['tenant_rate_per_s']
    shared_use = shared['admitted_rate_per_s'] / (shared['tenant_rate_per_s'] - shared['others_per_s'])
    drop_use = drop['admitted_rate_per_s'] / drop['ideal_rate_per_s']
    dropped_after = drop['drop_after_first_admitted_s']  # None: the run ended before the limit dropped
    return [
        (f"XDR, {full['hashes']} hashes, {full['latency_s'] * 1000:.0f} ms latency, tenant limit 10/s: admitted / "
         f"limit{off_default(full)}",
         f"{full_use:.3f} ({full['throttled_429']} throttled, {full['files_lost']} files lost)", '>= 0.95, 0 lost',
         full_use >= 0.95 and not full['files_lost']),
        (f"XDR, tenant shared with a client steadily using 4 of its 10/s: admitted / the 6/s left"
         f"{off_default(shared)}",
         f"{shared_use:.3f} ({shared['throttled_429']} throttled, {shared['files_lost']} files lost)",
         '>= 0.90, 0 lost', shared_use >= 0.90 and not shared['files_lost']),
        (f"XDR, limit dropping from 10/s to 5/s {drop['drop_at_s']:g} s after the command started "
         f"({'never: the run ended first' if dropped_after is None else f'{dropped_after:.1f} s'} after its first "
         f"admitted request): admitted / a perfect "
         f"client's at the limit{off_default(drop)}",
         f"{drop_use:.3f} ({drop['throttled_429']} throttled, {drop['files_lost']} files lost)", '>= 0.90, 0 lost',
         drop_use >= 0.90 and not drop['files_lost'] and dropped_after is not None),
        ('XDR at the full rate, 2 processes keeping the CPU busy: files lost in each of 3 runs',
         ', '.join(str(run['files_lost']) for run in busy) +
         f" ({', '.join(str(run['throttled_429']) for run in busy)} throttled)", '0 in every run',
         all(not run['files_lost'] for run in busy)),
        (f"XDR: sequential requests loop ({xdr['loop_key_type']} key) / ours",
         f"{xdr['ours_over_loop']:.2f}x faster{peer_short(xdr['loop_started_every_hash'])}", 'faster, 0 lost',
         xdr['ours_over_loop'] > 1 and not full['files_lost'] and not full['error_entry']
         and xdr['loop_started_every_hash']),
    ]


def hss_rows(hss: dict) -> list[Row]:
    lim, by_hash = hss['limited'], hss['by_hash']
    hss_use = lim['admitted_put_rate_per_s'] / lim['gateway_limit_per_s']
    hss_all = lim['every_item_sent_once_and_reported'] and not lim['error_entry']
    by_hash_all = by_hash['every_copy_sent_once_and_reported'] and not by_hash['error_entry']
    # a ratio holds only where the peer did the same work: every item or copy sent once, every hash started
    sdk_batched_all, sdk_per_item_all = lim['sdk_batched_every_item_once'], lim['sdk_per_item_every_item_once']
    sdk_by_hash_all = by_hash['sdk_found_every_copy'] and by_hash['sdk_restored_every_copy_once']
    # the best any client can do behind the limit, from the run's own figures: the SDK's requests (100 items each)
    bound = lim['sdk_batched_s'] / fastest_behind_limit(-(-lim['items'] // 100), lim['gateway_limit_per_s'],
                                                        lim['latency_s'])
    return [
        (f"HSS, {lim['items']:,} items, {lim['latency_s'] * 1000:.0f} ms latency, gateway limit 30/s not told: "
         f"admitted PUTs / limit{off_default(lim)}",
         f"{hss_use:.3f} ({lim['throttled_429']} throttled; every item sent once and "
         f"reported: {lim['every_item_sent_once_and_reported']})", '>= 0.80, every item once',
         hss_use >= 0.80 and hss_all),
        ('HSS: official SDK batched by 100 (one request after the other) / ours',
         f"{lim['sdk_batched_s'] / lim['ours_s']:.2f}x (bound behind the limit: "
         f"{bound:.2f}x){peer_short(sdk_batched_all)}", '>= 2x',
         lim['sdk_batched_s'] / lim['ours_s'] >= 2 and hss_all and sdk_batched_all),
        ('HSS: official SDK called once per item / ours',
         f"{lim['sdk_per_item_s'] / lim['ours_s']:.0f}x{peer_short(sdk_per_item_all)}",
         '>= 50x', lim['sdk_per_item_s'] / lim['ours_s'] >= 50 and hss_all and sdk_per_item_all),
        (f"HSS restore by hash, {by_hash['copies']:,} copies listed: SDK listing then restoring / ours"
         f"{off_default(by_hash)}",
         f"{by_hash['sdk_over_ours']:.2f}x (every copy sent once and reported: {by_hash_all})"
         f"{peer_short(sdk_by_hash_all)}",
         '>= 3x, every copy once', by_hash['sdk_over_ours'] >= 3 and by_hash_all and sdk_by_hash_all),
    ]


def war_room_memory_row(memory: dict) -> Row:
    return (f"peak memory (VmHWM, read in the child), warroom run of restore-file, one hash on "
            f"{memory['endpoints']:,} endpoints: per endpoint above one endpoint{off_default(memory)}",
            f"{memory['bytes_per_endpoint']:.0f} bytes", '<= 2 KB', memory['bytes_per_endpoint'] <= 2048)


def runner_row(runner: dict) -> Row:
    return (f"playbook runner ({runner['incidents']} incidents, {runner['latency_s'] * 1000:.0f} ms latency): "
            f"own time / time in commands and scripts{off_default(runner)}",
            f"{runner['runner_over_commands'] * 100:.1f}% ({runner['failed_runs']} failed runs)", '<= 10%, 0 failed',
            runner['runner_over_commands'] <= 0.10 and not runner['failed_runs'])


def table(results: dict) -> str:
    lines = ['| measure | result | goal |', '| --- | --- | --- |']
    for measure, result, goal, met in rows(results):
        lines.append(f'| {measure} | {result}{" **MISSED**" if met is False else ""} | {goal} |')
    return '\n'.join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m warroom.bench', description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=str(RESULTS))
    parser.add_argument('--quick', action='store_true', help='smaller sizes, for trying the bench itself')
    options = parser.parse_args(argv)
    quick = options.quick
    results = {
        'machine': {'python': platform.python_version(), 'cpus': os.cpu_count(), 'platform': platform.platform()},
        'settings': 'the instance defaults (integration.yml), unless a row says otherwise',
        'default_settings': default_settings(),
        'cold_start': cold_start(repeats=3 if quick else 15, items=1000 if quick else 10_000),
        'xdr_bulk': xdr_bulk(count=40 if quick else 100, latency=XDR_LATENCY_S),
        'hss_bulk': hss_bulk(items=1000 if quick else 10_000, latency=HSS_LATENCY_S,
                             per_item_sample=50 if quick else 300),
        'runner': runner_overhead(incidents=50 if quick else 1000, latency=0.005),
        'war_room_memory': war_room_memory(endpoints=1000 if quick else 10_000),
    }
    print("Settings: integration.yml's defaults (" +
          ', '.join(f'{name}={value}' for name, value in results['default_settings'].items()) +
          '); a row names any its run changed.\n')
    print(table(results))
    missed = [measure for measure, _, _, met in rows(results) if met is False]
    results['missed'] = missed
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + '\n', encoding='utf-8')
    print(f'\nWritten to {out}.')
    if missed:
        print(f'{len(missed)} {plural("goal", len(missed))} MISSED: ' + '; '.join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
