"""``make demo``: restore every quarantined file of the emulated Cortex XDR tenant (polled to completion) and of
the emulated Huawei Cloud HSS project."""
from __future__ import annotations

import json

from .cli import print_entry
from .embedded import HSS_SEED, XDR_SEED, embedded_vendors
from .line import format_line
from .runtime import WarRoom


def seeded_hashes(seed_path=XDR_SEED) -> list[str]:
    """Every quarantined hash of the seed, the most widely spread first."""
    holders: dict[str, int] = {}
    for endpoint in json.loads(seed_path.read_text(encoding='utf-8'))['endpoints']:
        for item in endpoint.get('quarantined') or ():
            holders[item['file_hash']] = holders.get(item['file_hash'], 0) + 1
    return sorted(holders, key=lambda h: (-holders[h], h))


def isolated_hashes(seed_path=HSS_SEED) -> list[str]:
    """Every hash the HSS seed holds isolated, the most widely spread first."""
    holders: dict[str, int] = {}
    for host in json.loads(seed_path.read_text(encoding='utf-8'))['hosts']:
        for item in host.get('isolated_files') or ():
            if item.get('isolation_status', 'isolated') == 'isolated':
                holders[item['file_hash']] = holders.get(item['file_hash'], 0) + 1
    return sorted(holders, key=lambda h: (-holders[h], h))


def run_line(war_room: WarRoom, command: str, args: dict) -> bool:
    print(f'>>> {format_line(command, args)}\n', flush=True)
    return war_room.run(command, args).failed


def print_hss_state(hss) -> None:
    print('### Emulated HSS project after the restores', flush=True)
    print('|host|file|status|', flush=True)
    print('|---|---|---|', flush=True)
    for item in hss.snapshot():
        print(f"|{item['host_name']}|{item['file_path']}|{item['isolation_status']}|", flush=True)


def run_demo(time_scale: float) -> int:
    failures = 0
    with embedded_vendors(time_scale=time_scale) as vendors:
        war_room = WarRoom(params=vendors.params, time_scale=time_scale, on_entry=print_entry)
        for file_hash in seeded_hashes():
            failures += run_line(war_room, 'restore-file', {'file_hash': file_hash})
        print('### Emulated tenant after the restores', flush=True)
        print('|endpoint|restored|still quarantined|', flush=True)
        print('|---|---|---|', flush=True)
        for endpoint_id in sorted(vendors.xdr.endpoints):
            restored = ', '.join(h[:12] for h in sorted(vendors.xdr.restored(endpoint_id))) or '-'
            kept = ', '.join(h[:12] for h in sorted(vendors.xdr.quarantined(endpoint_id))) or '-'
            print(f'|{endpoint_id}|{restored}|{kept}|', flush=True)
        print(flush=True)
        for file_hash in isolated_hashes():
            failures += run_line(war_room, 'hss-restore-isolated', {'file_hash': file_hash})
        print_hss_state(vendors.hss)
    return 1 if failures else 0
