"""`make demo` (warroom/demo.py) against the emulators on 127.0.0.1: what it shows and how it exits."""
from __future__ import annotations

import contextlib
import re
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from conftest import HSS_SEED, ROOT, load_json
import warroom.demo as demo
from warroom.emulator.faults import FaultPlan

# Every Cortex XDR request answered HTTP 500: the restore is refused, so restore-file returns an error entry.
XDR_DOWN = 'rate=1;kinds=500'


@pytest.fixture
def xdr_down(monkeypatch):
    """The demo's emulators, with Cortex XDR answering every request with a 500."""
    embedded = demo.embedded_vendors

    @contextlib.contextmanager
    def faulty(time_scale: float):
        with embedded(time_scale=time_scale, xdr_faults=FaultPlan.parse(XDR_DOWN)) as vendors:
            yield vendors

    monkeypatch.setattr(demo, 'embedded_vendors', faulty)


def test_make_demo_exits_non_zero_when_a_restore_it_shows_ended_in_an_error_entry(xdr_down, capsys):
    """A playbook's restore task that returns an error entry takes the task's error path: the playbook still runs to
    its end, but the demo showed the restore fail (an ERROR line, a note that the restore FAILED). `make demo` must
    then fail, not exit 0 as if every step had worked; and it says why on standard error."""
    code = demo.run_demo(0)

    out, err = capsys.readouterr()
    shown = re.findall(r'^\[.*?\] #\d+ .*?!restore-file .*? -> (error.*)$', out, re.MULTILINE)
    assert shown and all(outcome == 'error -> error path' for outcome in shown)  # what the analyst sees
    assert 'PLAYBOOK STOPPED' not in out  # the error path was taken: no playbook stopped
    assert code == 1
    [failed] = re.findall(r'^ERROR: (\d+ steps?) of the demo above failed', err, re.MULTILINE)
    assert int(failed.split()[0]) > 1 and failed.endswith(' steps'), err  # every close through Cortex XDR failed


def test_a_close_from_the_dialog_whose_script_could_not_start_the_restore_is_a_failure(xdr_down, capsys):
    """The samples closed from the Close dialog are there to show the post-processing script starting their restores
    and the analyst following each: a note that says the restore could not start (Cortex XDR refused it) gives no
    line to follow, and the demo showed nothing restored. That close counts as a failure of the demo."""
    with demo.embedded_vendors(time_scale=0) as vendors:
        runner = demo.PlaybookRunner(vendors.params, library=demo.PlaybookLibrary(), time_scale=0,
                                     on_event=demo.print_event)
        failures = {name: demo.close_sample(demo.INCIDENTS / name, runner, vendors, 0)
                    for name in sorted(demo.CLOSED_BY_DIALOG)}

    out = capsys.readouterr().out
    # (one file each: its refusal's record rides on the error entry, so the note gives the record's line)
    assert out.count('`!restore-file` did not start a restore of') == len(demo.CLOSED_BY_DIALOG)
    assert all(failed for failed in failures.values()), failures


HSS_SEED_FILES = [(host['host_name'], item) for host in load_json(HSS_SEED)['hosts'] for item in host['isolated_files']]
EVENT_LEAD_S = 4  # test_data/hss/README.md: each event occurred 4 s before HSS isolated its file
LISTED = re.compile(r'\((?P<name>[^,]+), alarm (?P<alarm>\S+), (?P<when>\d{4}-\d\d-\d\d \d\d:\d\d) UTC'
                    r'(?P<now>[^)]*)\)$')


def test_the_demo_s_isolated_files_are_dated_and_a_copy_hss_restored_already_says_so(capsys):
    """The demo opens with the files HSS isolated (its unhandled host security events), then counts the incidents
    fetch-incidents made of them. The seed's events are of two ages: the updater's, minutes old, which the first fetch
    takes, and older ones of a fixed date, which it does not; and one of those copies HSS lists restored already.
    Undated, the list read as eight files to restore against four incidents, and the restored copy as isolated (then
    'restored' in the final table, though nothing in the demo restored it). Each line gives its event's time; the
    copy no longer isolated says what it is."""
    started = datetime.now(timezone.utc)
    assert demo.run_demo(0) == 0
    finished = datetime.now(timezone.utc)

    out = capsys.readouterr().out
    title, *header = out.split('\n=== fetch-incidents: ')[0].splitlines()
    # the list holds a copy HSS restored already: its title must not say every file listed is isolated
    assert 'isolated these files' not in title and 'a copy no longer isolated says so' in title, title
    assert len(header) == len(HSS_SEED_FILES)  # every seed file was isolated by an event
    for host_name, item in HSS_SEED_FILES:
        [line] = [line for line in header if line.startswith(f'    {host_name}: {item["file_path"]} (')]
        listed = LISTED.search(line)
        assert listed and listed['name'] == item['event_name'], line
        when = datetime.strptime(listed['when'], '%Y-%m-%d %H:%M').replace(tzinfo=timezone.utc)
        if 'isolated_minutes_ago' in item:  # minutes before the emulator started, within this run
            ago = timedelta(minutes=item['isolated_minutes_ago'], seconds=EVENT_LEAD_S)
            earliest, latest = started - ago, finished - ago
        else:
            earliest = latest = datetime.fromtimestamp(item['update_time'] / 1000 - EVENT_LEAD_S, timezone.utc)
        assert earliest - timedelta(minutes=1) < when <= latest, line  # to the minute
        if item['isolation_status'] == 'isolated':
            assert listed['now'] == '', line
        else:
            assert item['isolation_status'] in listed['now'], line
    recent = sum('isolated_minutes_ago' in item for _, item in HSS_SEED_FILES)
    [first_fetch] = [param['defaultvalue'] for param in yaml.safe_load((ROOT / 'integration.yml').read_text())[
        'configuration'] if param['name'] == 'first_fetch']
    assert recent > 1 and f'\n=== fetch-incidents: {recent} incidents created (a first fetch: the events of the ' \
                          f'last {first_fetch})\n' in out


HELD_BACK = re.compile(r'\*\*Held back\*\*: `(?P<what>[^`]+)` (?:\(on host \S+, SHA256 (?P<sha256>[0-9a-f]{64})\) )?is '
                       r'scored malicious')


def test_no_file_a_note_of_the_demo_holds_back_as_scored_malicious_is_restored_by_another_close_of_the_same_run(
        capsys):
    """README, "Reputation check before every restore": malicious (3) is never restored automatically. The demo closes
    every sample in one run against one tenant: a file a sample's note holds back as scored malicious must not be the
    file another sample restores, or the run shows it held back, then back on its endpoint or host in the final
    tables."""
    assert demo.run_demo(0) == 0

    out = capsys.readouterr().out
    held = {match['sha256'] or match['what'] for match in HELD_BACK.finditer(out)}
    assert held  # xdr_known_bad*.json, hss_path_known_bad.json
    xdr_table = out.split('### Emulated Cortex XDR tenant after the playbooks\n')[1].split('\n\n')[0]
    hss_table = out.split('### Emulated HSS project after the playbooks\n')[1].split('\n\n')[0]
    back = {cell for row in xdr_table.splitlines()[2:] for cell in row.split('|')[2].split(', ')}
    back |= {row.split('|')[3] for row in hss_table.splitlines()[2:] if row.split('|')[4] in ('restored', 'restoring')}
    assert {sha256 for sha256 in held if sha256[:12] in back} == set()


def test_the_demo_opens_saying_its_polling_waits_are_scaled_and_what_an_entry_s_seconds_mean_in_real_time(capsys):
    """The demo runs the emulators' polling at a tenth of its length: an entry "after 600 s" came a minute into a
    demo that takes about 90 s, which reads as a wrong count unless the demo says so before its first entry."""
    demo.print_clock(0.1)
    demo.print_clock(1)  # the real clock: nothing to say

    out = capsys.readouterr().out
    assert out == ('Polling waits here take 0.1x the time the entries give (--time-scale 0.1): a check an entry '
                   'dates "after 100 s" comes about 10 s after its restore started.\n'), out
