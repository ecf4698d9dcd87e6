"""``make demo``: restore every quarantined file of the emulated Cortex XDR tenant, polled to completion."""
from __future__ import annotations

import json

from .cli import print_entry
from .embedded import XDR_SEED, embedded_vendors
from .line import format_line
from .runtime import WarRoom


def seeded_hashes(seed_path=XDR_SEED) -> list[str]:
    """Every quarantined hash of the seed, the most widely spread first."""
    holders: dict[str, int] = {}
    for endpoint in json.loads(seed_path.read_text(encoding='utf-8'))['endpoints']:
        for item in endpoint.get('quarantined') or ():
            holders[item['file_hash']] = holders.get(item['file_hash'], 0) + 1
    return sorted(holders, key=lambda h: (-holders[h], h))


def run_demo(time_scale: float) -> int:
    failures = 0
    with embedded_vendors(time_scale=time_scale) as vendors:
        war_room = WarRoom(params=vendors.params, time_scale=time_scale, on_entry=print_entry)
        for file_hash in seeded_hashes():
            line = format_line('restore-file', {'file_hash': file_hash})
            print(f'>>> {line}\n', flush=True)
            failures += war_room.run('restore-file', {'file_hash': file_hash}).failed
        print('### Emulated tenant after the restores', flush=True)
        print('|endpoint|restored|still quarantined|', flush=True)
        print('|---|---|---|', flush=True)
        for endpoint_id in sorted(vendors.xdr.endpoints):
            restored = ', '.join(h[:12] for h in sorted(vendors.xdr.restored(endpoint_id))) or '-'
            kept = ', '.join(h[:12] for h in sorted(vendors.xdr.quarantined(endpoint_id))) or '-'
            print(f'|{endpoint_id}|{restored}|{kept}|', flush=True)
    return 1 if failures else 0
