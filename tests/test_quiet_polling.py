"""What an analyst reads while a restore is followed: one line per check, the whole table once at the end, and
each refusal reason once with the files it applies to, over HTTP to the Cortex XDR emulator on a clock the war
room's waits move."""
from __future__ import annotations

import pytest

from conftest import seed_holders, start_tenant
from warroom.runtime import WarRoom

STAGE_SECONDS = 10.0
HOLDERS = seed_holders()
QUARANTINED = sorted(HOLDERS)
NOWHERE = [f'{n:064x}' for n in range(1, 30)]  # 29 hashes no endpoint holds: Cortex XDR refuses each


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def clocked():
    clock = Clock()
    tenant = start_tenant(stage_seconds=STAGE_SECONDS, clock=clock)
    yield tenant, clock
    tenant.server.stop()


def run(tenant, clock, hashes):
    room = WarRoom(params=tenant.params(), time_scale=1, sleep=clock.sleep)
    return room.run('restore-file', {'file_hash': ','.join(hashes)})


def test_each_check_but_the_last_is_one_line_and_the_last_holds_every_endpoint(clocked):
    tenant, clock = clocked
    file_hash = QUARANTINED[0]

    result = run(tenant, clock, [file_hash])

    first, *checks, last = result.entries
    assert checks, 'the action runs for several stages: there are checks between the first entry and the last'
    for entry in checks:
        text = entry['HumanReadable']
        assert len(text.splitlines()) == 1 and '|' not in text and 'running' in text
    for endpoint_id in HOLDERS[file_hash]:
        assert endpoint_id in last['HumanReadable']
    assert all(endpoint_id not in entry['HumanReadable'] for entry in checks for endpoint_id in HOLDERS[file_hash])


def test_thirty_hashes_say_each_refusal_reason_once_and_the_final_entry_covers_every_file(clocked):
    tenant, clock = clocked
    hashes = [QUARANTINED[0], *NOWHERE]

    result = run(tenant, clock, hashes)

    assert not result.failed
    first, last = result.entries[0], result.entries[-1]
    for entry in (first, last):
        text = entry['HumanReadable']
        assert text.count('Refused (') == 1 and f'Refused ({len(NOWHERE)} file(s))' in text
        assert text.count('No quarantined file with hash') == 1  # the reason once, the files listed under it
    final = last['HumanReadable']
    assert all(h in final for h in hashes[:21])  # the restored one, and the refused ones up to the cap
    assert f'and {len(NOWHERE) - 20} more' in final
    assert sum(len(e['HumanReadable']) for e in result.entries) < 15_000


def test_the_final_entry_names_every_quarantined_file_given(clocked):
    tenant, clock = clocked

    result = run(tenant, clock, QUARANTINED)

    final = result.entries[-1]['HumanReadable']
    assert all(h in final for h in QUARANTINED), final
