"""XSOAR's timeout for an automation script, in the war room and in the post-processing script.

What the public sources say (README, "Running them locally"): XSOAR stops a script that runs past its timeout, and the
time its ``executeCommand`` calls take counts (CommonServerPython's ``safe_sleep`` counts the time left from the
script's start on the wall clock); a script YAML that sets no ``timeout`` gets the server's default, which
CommonServerPython's ``content_profiler`` takes as 5 minutes when the calling context's ``TimeoutDuration``
(nanoseconds) is missing. A post-processing script that ends in an error blocks the close.

Every run here is timed on a test clock that the integration's waits for its turns move: a throttled vendor makes a
run last as long as it would, and no test waits for it.
"""
from __future__ import annotations

import pytest
from hypothesis import example, given, strategies as st

import facts
from commonmark_reading import as_commonmark_reads
from conftest import (TEST_DATA, FakeClock, MovedWallClock, integration_on_clock, seed_holders, start_hss_tenant,
                      start_tenant)
from warroom.context import as_list, get_path
from warroom.emulator.faults import FaultPlan
from warroom.playbook.incidents import POST_PROCESSING_SCRIPT, IncidentFile, close_incident
from warroom.playbook.model import Playbook
from warroom.playbook.runner import PlaybookRun, PlaybookRunner, ScriptDemisto, _Frame, _load_script
from warroom.playbook.values import Scope, UnsupportedError

GATE = 'QuarantineRestoreReputationGate'
HOLDERS = seed_holders()
# The timeout XSOAR gives a script that sets none (facts.py); the pack's scripts set no timeout of their own.
XSOAR_DEFAULT_SCRIPT_TIMEOUT = facts.XSOAR_DEFAULT_SCRIPT_TIMEOUT_SECONDS
# Cortex XDR asks every request to wait: each run waits for its turns as long as a run may, and sends nothing.
THROTTLED = 'sequence=429*1000;retry-after=20'


@pytest.fixture
def clocked(monkeypatch):
    """(a test clock, a Cortex XDR tenant whose restores take 100 s on it): the integration waits for its turns on
    that clock, and the pack's scripts read it as the time."""
    clock = FakeClock()
    xdr = start_tenant(stage_seconds=100, clock=clock, wall_clock=integration_on_clock(monkeypatch, clock).time)
    for name in (POST_PROCESSING_SCRIPT, GATE):
        monkeypatch.setattr(_load_script(name), 'time', MovedWallClock(clock), raising=False)
    yield clock, xdr
    xdr.server.stop()


def runner_on(clock, xdr, **options):
    return PlaybookRunner(xdr.params(), time_scale=0, sleep=clock.advance, clock=clock, **options)


def xdr_close(hashes):
    return close_incident({'id': '9', 'type': 'Cortex XDR Incident', 'CustomFields': {'filesha256': hashes}},
                          'False Positive', 'fp')


def test_a_script_that_runs_past_its_timeout_ends_in_xsoar_s_error_and_nothing_it_returned_arrives(clocked,
                                                                                                    monkeypatch):
    """The reputation gate reads again a restore its record shows running; Cortex XDR throttles that read, so the
    gate runs as long as the read may (about 3 minutes), past a timeout an admin set to 1 minute. The gate's own
    guard, which starts no read it has no time for, is set aside: what is timed here is the war room."""
    clock, xdr = clocked
    monkeypatch.setattr(_load_script(GATE), 'CALL_SECONDS', 0)
    file_hash = sorted(HOLDERS)[0]
    first = runner_on(clock, xdr).run_post_processing(POST_PROCESSING_SCRIPT, xdr_close([file_hash]), {})
    [running] = as_list(get_path(first.context, 'CortexXDR.RestoredFile'))
    assert running['status'] == 'IN_PROGRESS'
    xdr.gateway.inject_faults(FaultPlan.parse(THROTTLED))
    runner = runner_on(clock, xdr, script_timeout=60)
    frame = _Frame(Playbook('test', 'test', '0', {}), Scope({}, {}, {}), runner._war_room({}), PlaybookRun({}))
    began = clock()

    entries = runner._execute(frame, GATE, {'restore_command': 'restore-file', 'file_hash': [file_hash],
                                            'restored_before': [running]})

    assert clock() - began > 60  # the read it waited for took that long
    [entry] = entries
    assert entry['Type'] == 4 and GATE in entry['Contents'] and 'timeout of 60 s' in entry['Contents']
    assert get_path(frame.scope.context, 'QuarantineRestore') is None  # the gate's verdict never arrived



# TimeoutDuration values no Go time.Duration (int64 nanoseconds, the type XSOAR's server keeps it in) can hold: what
# the calling context's JSON can still bring (1e400 reads as Infinity, Python's json takes NaN), or a broken server's.
NOT_A_DURATION = [float('inf'), float('nan'), '1e400', 2 ** 63, 1e30]


@pytest.fixture
def calling_context_says(monkeypatch):
    """Sets the TimeoutDuration the pack's scripts read in their calling context, while the war room times them against
    the timeout it was given (a broken server: no emulator can send this)."""
    said = {}
    real_init = ScriptDemisto.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        if said:
            self.callingContext = {'context': {'TimeoutDuration': said['value']}}
    monkeypatch.setattr(ScriptDemisto, '__init__', init)
    return lambda value: said.update(value=value)


@pytest.mark.parametrize('duration', ['as the war room gives it', *NOT_A_DURATION], ids=repr)
def test_a_throttled_reclose_writes_its_note_within_the_timeout_and_names_the_restore_it_had_no_time_to_start(
        clocked, calling_context_says, duration):
    """A reopened incident closed again while Cortex XDR throttles: reading again the first close's restore, still
    running, takes the reputation gate about 3 minutes, and a restore of the other file would take as long, past
    XSOAR's 5 minutes. The script does not start it: the close goes on, and the note gives the command to run. So
    too when the calling context gives a TimeoutDuration no server could mean: the scripts keep to XSOAR's default."""
    clock, xdr = clocked
    earlier, later = sorted(h for h, holders in HOLDERS.items() if holders)[:2]
    first = runner_on(clock, xdr).run_post_processing(POST_PROCESSING_SCRIPT, xdr_close([earlier]), {})
    assert not first.failed, first.error
    xdr.gateway.inject_faults(FaultPlan.parse(THROTTLED))
    if duration in NOT_A_DURATION:
        calling_context_says(duration)
    began = clock()

    run = runner_on(clock, xdr).run_post_processing(POST_PROCESSING_SCRIPT, xdr_close([earlier, later]), first.context)

    assert not run.failed, run.error
    assert clock() - began <= XSOAR_DEFAULT_SCRIPT_TIMEOUT
    assert all(later in xdr.backend.quarantined(endpoint) for endpoint in HOLDERS[later])  # never sent
    lines = run.notes[-1].splitlines()
    [at] = [at for at, line in enumerate(lines) if f'!restore-file file_hash={later}' in line]  # the by-hand command
    assert 'not run' in lines[at - 1] and f'{XSOAR_DEFAULT_SCRIPT_TIMEOUT} s' in lines[at - 1], lines[at - 1]
    assert [line for line in run.notes[-1].splitlines() if earlier in line and 'still running' in line]


def test_a_reclose_given_a_longer_timeout_by_xsoar_sends_the_restore_it_had_no_time_for_in_five_minutes(clocked):
    """The same close where XSOAR gives the script 10 minutes (an admin set them on its Automation page): the calling
    context says so, and the script uses them. Cortex XDR throttles that restore too, so it ends unsent, by its 429."""
    clock, xdr = clocked
    earlier, later = sorted(h for h, holders in HOLDERS.items() if holders)[:2]
    first = runner_on(clock, xdr).run_post_processing(POST_PROCESSING_SCRIPT, xdr_close([earlier]), {})
    xdr.gateway.inject_faults(FaultPlan.parse(THROTTLED))
    runner = runner_on(clock, xdr, script_timeout=10 * 60)

    run = runner.run_post_processing(POST_PROCESSING_SCRIPT, xdr_close([earlier, later]), first.context)

    assert not run.failed, run.error
    [record] = [r for r in as_list(get_path(run.context, 'CortexXDR.RestoredFile')) if r['file_hash'] == later]
    assert '429' in record['error']  # sent, and throttled to the end of its run
    assert not [line for line in run.notes[-1].splitlines() if 'not run' in line and earlier not in line]


def test_a_reclose_whose_reputation_check_reads_long_writes_its_note_within_the_script_s_own_timeout(clocked):
    """XSOAR times the gate the on-close script calls on its own timeout, and the script's on the script's, which
    counts the gate's run. An incident of both vendors closed again: the Cortex XDR part takes 100 s (its requests
    throttled), then the HSS part's gate reads again the copy the first close left restoring, by two checks (HSS
    listed it once without its path): the first 100 s, the second as long as HSS throttles it. The gate may not use
    its own 5 minutes: the note comes within the script's, and says which check it had no time for, to run by hand."""
    clock, xdr = clocked
    hss = start_hss_tenant()
    try:
        x, h = (IncidentFile.load(TEST_DATA / 'incidents' / f'{vendor}_false_positive.json')
                for vendor in ('xdr', 'hss'))
        both = dict(x.incident, CustomFields={**x.incident['CustomFields'], **h.incident['CustomFields']})
        params = {**hss.params(), **xdr.params()}
        runner = PlaybookRunner(params, time_scale=0, sleep=clock.advance, clock=clock)
        first = runner.run_post_processing(POST_PROCESSING_SCRIPT, close_incident(both, 'False Positive'),
                                           {**x.context, **h.context})
        assert not first.failed, first.error
        [row] = as_list(get_path(first.context, 'HuaweiHSS.RestoredFile'))
        assert row['outcome'] == 'restoring'
        pathless = {name: value for name, value in row.items() if name != 'file_path'}
        context = dict(first.context, HuaweiHSS={'RestoredFile': [row, pathless]})
        xdr.gateway.inject_faults(FaultPlan.parse('sequence=429*5;retry-after=20'))
        hss.gateway.inject_faults(FaultPlan.parse('sequence=429*5,ok,429*1000;retry-after=20'))
        began = clock()

        run = PlaybookRunner(params, time_scale=0, sleep=clock.advance, clock=clock).run_post_processing(
            POST_PROCESSING_SCRIPT, close_incident(both, 'False Positive'), context)

        assert not run.failed, run.error
        assert clock() - began <= XSOAR_DEFAULT_SCRIPT_TIMEOUT
        [line] = [line for line in run.notes[-1].splitlines() if line.startswith('- `!hss-restore-isolated`')]
        check = line.split('Check it first: ')[1]
        assert 'no time was left' in line and as_commonmark_reads(check)[0][0].startswith(
            '!hss-restore-isolated host_id='), line
    finally:
        hss.stack.close()


def gate_on_two_endpoints_left_running(clock, xdr):
    """The Cortex XDR playbook given two endpoints on a reopened incident, each with a restore the first close left
    running, run while Cortex XDR throttles every request: (the run, the file, the endpoints, the actions sent before
    it, the records the first restores left)."""
    [file_hash] = [h for h, holders in sorted(HOLDERS.items()) if len(holders) >= 2][:1]
    endpoints = sorted(HOLDERS[file_hash])[:2]
    context = {}
    for endpoint in endpoints:  # a restore on each endpoint, left running (a restore takes 100 s on this clock)
        started = runner_on(clock, xdr)._war_room(context).run('restore-file', {
            'file_hash': file_hash, 'endpoint_id': endpoint, 'polling': 'false'})
        assert not started.failed, started.entries[-1]
        context = started.context
    records = as_list(get_path(context, 'CortexXDR.RestoredFile'))
    assert [r['status'] for r in records] == ['IN_PROGRESS'] * 2
    sent = len(xdr.backend.actions)
    xdr.gateway.inject_faults(FaultPlan.parse(THROTTLED))
    runner = runner_on(clock, xdr)
    playbook = runner.library.get('Quarantine Restore - Cortex XDR')
    for declared in playbook.inputs:  # EndpointID from the context, as a caller gives a list
        if declared['key'] == 'EndpointID':
            declared['value'] = {'complex': {'root': 'Endpoints'}}
    incident = close_incident({'id': '9', 'CustomFields': {'filesha256': file_hash}}, 'False Positive', 'fp')
    return runner.run(playbook, incident, dict(context, Endpoints=endpoints)), file_hash, endpoints, sent, records


def test_the_gate_judging_several_endpoints_reads_again_only_what_its_timeout_leaves_time_for(clocked):
    """The gate reads each endpoint's restore again (a restore-file check each), and Cortex XDR throttles them, so each
    read takes about 3 minutes, two past XSOAR's 5. The gate must not run past its timeout (the playbook's task would
    fail with XSOAR's error): a read it has no time for leaves the record as it is, still running, so the file is not
    sent again there."""
    clock, xdr = clocked

    run, file_hash, endpoints, sent, _ = gate_on_two_endpoints_left_running(clock, xdr)

    assert not run.failed, run.error
    assert 'timeout' not in ' '.join(str(e.get('Contents')) for e in run.entries if e.get('Type') == 4)
    assert len(xdr.backend.actions) == sent  # sent again on neither endpoint
    assert all(file_hash in xdr.backend.quarantined(endpoint) for endpoint in endpoints)
    notes = '\n'.join(run.notes)
    assert all(f'endpoint_id={endpoint}' in notes for endpoint in endpoints), notes


def test_a_running_restore_the_gate_has_no_time_to_read_again_is_said_not_read_with_the_check_to_run(clocked):
    """Of the two endpoints' restores, the gate has time to read one again (throttled: not read) and none for the
    other. Neither line may say the restore "is still running" as if it had been read now: each says it was not read
    again and why (for the second, no time left), with the check that reads it (its action_id, without polling) and
    the command that restores the file by hand on that endpoint."""
    clock, xdr = clocked

    run, file_hash, endpoints, _, records = gate_on_two_endpoints_left_running(clock, xdr)

    assert not run.failed, run.error
    lines = [line for line in '\n'.join(run.notes).splitlines() if f'was not run again for `{file_hash}`' in line]
    assert len(lines) == len(endpoints), lines
    for record in records:
        [line] = [line for line in lines if f'endpoint_id={record["endpoint_id"]}`' in line]
        assert 'is still running' not in line and 'was not read again now' in line, line
        assert f'`!restore-file file_hash={file_hash} action_id=[{record["action_id"]}] endpoint_id=' \
               f'{record["endpoint_id"]} polling=false`' in line, line  # the follow command, without polling
        assert f'`!restore-file file_hash={file_hash} endpoint_id={record["endpoint_id"]}`' in line, line
    assert [line for line in lines if 'as no time was left' in line], lines


@pytest.mark.parametrize('duration', NOT_A_DURATION, ids=repr)
def test_a_gate_given_a_timeout_duration_no_duration_can_hold_reads_again_only_what_the_default_leaves_time_for(
        clocked, calling_context_says, duration):
    """The gate, like the on-close script, keeps to XSOAR's default when the calling context gives a TimeoutDuration no
    server could mean: it reads again neither endpoint's restore past it, and sends neither again."""
    clock, xdr = clocked
    calling_context_says(duration)

    run, file_hash, endpoints, sent, _ = gate_on_two_endpoints_left_running(clock, xdr)

    assert not run.failed, run.error
    assert len(xdr.backend.actions) == sent
    assert 'as no time was left' in '\n'.join(run.notes)


def test_a_script_whose_yaml_sets_a_timeout_is_refused_as_the_unit_xsoar_reads_it_in_is_not_documented(monkeypatch):
    """XSOAR exports a script's timeout as a Go duration of the seconds the Automation page was given (demisto/content
    pull request 1283, "300ns" for 300 seconds); what it makes of a plain 300 no public source says."""
    from warroom.playbook import runner
    script = 'SetsItsOwnTimeout'
    monkeypatch.setattr(runner, 'SCRIPTS_DIR', TEST_DATA / 'misbehaving')
    assert runner._script_yaml(script)['timeout'] == 300

    try:
        with pytest.raises(UnsupportedError, match=f'script "{script}" sets timeout: 300;'):
            PlaybookRunner(params={}).run_post_processing(script, {'id': '1', 'closeReason': 'Resolved'})
    finally:
        runner._script_yaml.cache_clear()  # its cache holds the misbehaving folder's reading: not for later tests


@pytest.mark.parametrize('script', [POST_PROCESSING_SCRIPT, GATE])
@given(duration=st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                       st.integers().map(str), st.floats().map(str)))
@example(duration=float('inf'))
@example(duration=2 ** 63)
@example(duration=2 ** 63 - 1)
@example(duration=10 ** 400)
def test_a_script_takes_its_timeout_from_a_timeout_duration_a_go_duration_can_hold_else_the_default(script, duration):
    """TimeoutDuration is a Go time.Duration: nanoseconds, above 0 and within an int64. Anything else in the
    calling context is no timeout a server gave, and the script keeps to XSOAR's default."""
    runtime = ScriptDemisto({}, {}, {})
    runtime.callingContext = {'context': {'TimeoutDuration': duration}}
    try:
        nanoseconds = float(duration)
    except (TypeError, ValueError, OverflowError):
        nanoseconds = float('nan')

    seconds = _load_script(script).timeout_of(runtime)

    assert seconds == (nanoseconds / 1e9 if 0 < nanoseconds < 2 ** 63 else XSOAR_DEFAULT_SCRIPT_TIMEOUT)


@pytest.mark.parametrize('given, seconds', [('120', 120), (90.5, 90.5), ('600', 300), ('', 300), (None, 300)])
def test_the_gate_keeps_to_the_seconds_its_caller_leaves_it_when_fewer_than_its_own_timeout(given, seconds):
    gate = _load_script(GATE)
    assert gate.time_given({'seconds_left': given}, 300) == seconds


@pytest.mark.parametrize('given', ['soon', ['120'], {'seconds': 120}])
def test_the_gate_refuses_by_name_seconds_left_that_are_not_a_number(given):
    gate = _load_script(GATE)
    with pytest.raises(gate.GateError, match='seconds_left'):
        gate.time_given({'seconds_left': given}, 300)
