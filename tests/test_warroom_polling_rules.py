"""The war room schedules a polling run only as XSOAR would.

Sources: demisto/content-docs docs/integrations/scheduled-commands.md (the "polling: true" YAML prerequisite;
PollResult.args_for_next_run must be declared in the yml, hidden, "that way the polling command will recognize the
argument for the next run"; "it will never be less than 10 seconds"; an error result ends the sequence) and
CommonServerPython's ScheduledCommand.to_results (NextRun and Timeout written as str(seconds)).

Each test stands in a scripted integration for restore_integration.main, so the rule is tested alone.
"""
from __future__ import annotations

import copy

import pytest

import restore_integration
from facts import ENTRY_ERROR  # XSOAR's error entry type (4), not the war room's constant
from warroom.runtime import DemistoMisuse, WarRoom
from warroom.spec import ArgumentError, load_spec, parse_spec

HASH = 'a' * 64


def poll_entry(**fields) -> dict:
    entry = {'Type': 1, 'ContentsFormat': 'text', 'Contents': 'checking', 'HumanReadable': 'checking',
             'PollingCommand': 'restore-file', 'NextRun': '10', 'Timeout': '600',
             'PollingArgs': {'file_hash': HASH, 'action_id': '[1]'}}
    entry.update(fields)
    return {name: value for name, value in entry.items() if value is not None}


DONE = {'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done', 'HumanReadable': 'done'}


@pytest.fixture
def scripted(monkeypatch):
    """Replaces the integration with one that returns the given runs' entries in turn; records each run's args."""
    calls: list[tuple[str, dict]] = []

    def install(*runs: list[dict]):
        queue = list(runs)

        def fake_main(demisto):
            calls.append((demisto.command(), dict(demisto.args())))
            demisto.results(queue.pop(0) if queue else [DONE])
        monkeypatch.setattr(restore_integration, 'main', fake_main)
        return calls
    return install


def war_room(spec=None, sleeps: list | None = None) -> WarRoom:
    options = {'spec': spec} if spec is not None else {}
    return WarRoom(params={}, time_scale=1, sleep=(sleeps.append if sleeps is not None else lambda _: None),
                   **options)


def last_error(result) -> str:
    assert result.entries[-1]['Type'] == ENTRY_ERROR
    return result.entries[-1]['Contents']


def test_polling_args_not_declared_in_integration_yml_are_not_passed_to_the_next_run(scripted):
    calls = scripted([poll_entry(PollingArgs={'file_hash': HASH, 'action_id': '[1]', 'cursor': 'x'})])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1  # no second run with an argument XSOAR would not hand over
    assert 'cursor' in last_error(result)


def test_a_polling_run_without_a_required_argument_is_refused(scripted):
    calls = scripted([poll_entry(PollingArgs={'action_id': '[1]'})])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert 'file_hash is required' in last_error(result)


@pytest.mark.parametrize('builtin', ['execution-timeout', 'using', 'debug-mode'])
def test_a_built_in_argument_carried_in_polling_args_is_refused(scripted, builtin):
    # XSOAR recognizes only the arguments integration.yml declares in a next run's PollingArgs (scheduled-commands.md,
    # "add it to the yml file with the attribute hidden: true"); the built-in ones are the task's, never declared.
    calls = scripted([poll_entry(PollingArgs={'file_hash': HASH, 'action_id': '[1]', builtin: '1'})])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert builtin in last_error(result) and 'PollingArgs' in last_error(result)


@pytest.mark.parametrize('blank', ['', '  ', [' ']])
def test_a_required_argument_given_blank_is_refused_typed_or_in_polling_args(scripted, blank):
    # "empty/missing" is what a mandatory argument may not be (demisto/content pull request 748)
    calls = scripted([poll_entry(PollingArgs={'file_hash': blank, 'action_id': '[1]'})])
    with pytest.raises(ArgumentError, match='file_hash is required'):
        war_room().run('restore-file', {'file_hash': blank})
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert 'file_hash is required' in last_error(result)


def test_declared_hidden_polling_args_reach_the_next_run_as_written(scripted):
    calls = scripted([poll_entry()])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert not result.failed
    assert calls[1] == ('restore-file', {'file_hash': HASH, 'action_id': '[1]'})  # no default filled in


def test_a_command_without_polling_true_in_integration_yml_schedules_no_next_run(scripted):
    raw = copy.deepcopy(load_spec().raw)
    for command in raw['script']['commands']:
        command['polling'] = False
    calls = scripted([poll_entry()])
    result = war_room(spec=parse_spec(raw)).run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert 'polling: true' in last_error(result)


@pytest.mark.parametrize('asked, waited', [('1', 10), ('9', 10), ('11', 11)])
def test_next_run_is_never_shorter_than_ten_seconds(scripted, asked, waited):
    # XSOAR's scheduled commands run 10 s apart at the least: a shorter NextRun waits 10 s, a longer one as asked
    sleeps: list = []
    scripted([poll_entry(NextRun=asked)])
    war_room(sleeps=sleeps).run('restore-file', {'file_hash': HASH})
    assert sleeps == [waited]


@pytest.mark.parametrize('next_run', [None, ''])
def test_a_next_run_needs_next_run_seconds_as_scheduled_command_writes_them(scripted, next_run):
    entry = poll_entry(NextRun=next_run)
    if next_run is None:
        entry.pop('NextRun', None)
    calls = scripted([entry])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert 'NextRun' in last_error(result)


def test_a_timeout_given_as_empty_text_schedules_the_next_run_under_the_default_timeout(scripted):
    """XSOAR's own entries carry an empty Timeout (demistomock's executeCommand entry: 'Timeout': ''), which the
    entry checks pass; a next run needs PollingCommand and NextRun only, so it is scheduled, not refused."""
    calls = scripted([poll_entry(Timeout='')])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert not result.failed, result.entries[-1]
    assert len(calls) == 2


@pytest.mark.parametrize('command', [None, ''])
def test_an_entry_whose_polling_command_is_empty_as_xsoars_own_are_schedules_nothing_and_is_no_error(scripted, command):
    """XSOAR's own entries carry 'PollingCommand': '' (and 'NextRun': '', 'Timeout': ''), which the entry checks pass:
    such an entry is a result, not a schedule; the sequence ends there, done."""
    calls = scripted([dict(poll_entry(NextRun='', Timeout=''), PollingCommand=command, PollingArgs=None)])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert not result.failed, result.entries[-1]


@pytest.mark.parametrize('field, value', [('NextRun', 10), ('NextRun', 'soon'), ('NextRun', '-5'), ('Timeout', 600)])
def test_next_run_and_timeout_must_be_text_holding_seconds_as_scheduled_command_writes_them(scripted, field, value):
    """Refused as the entry is returned, as any field XSOAR would not take (test_xsoar_strictness): no next run."""
    calls = scripted([poll_entry(**{field: value})])
    with pytest.raises(DemistoMisuse, match=field):
        war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1


def test_an_error_entry_before_the_last_ends_the_polling_sequence(scripted):
    error = {'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': 'one file failed'}
    calls = scripted([error, poll_entry()])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1 and result.failed


def test_a_polling_command_this_integration_does_not_have_is_refused(scripted):
    calls = scripted([poll_entry(PollingCommand='restore-everything')])
    result = war_room().run('restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert 'restore-everything' in last_error(result)


def test_a_scripts_execute_command_runs_a_polling_command_once_and_schedules_nothing(scripted):
    """content-docs scheduled-commands.md: through demisto.executeCommand a command that returns a schedule result
    "will not schedule a command execution. However, its result will contain the schedule metadata"."""
    from warroom.playbook.model import Playbook
    from warroom.playbook.runner import PlaybookRun, PlaybookRunner, _Frame
    from warroom.playbook.values import Scope

    calls = scripted([poll_entry()])
    runner = PlaybookRunner(params={}, sleep=lambda _: None)
    frame = _Frame(Playbook('test', 'test', '0', {}), Scope({}, {}, {}), runner._war_room({}), PlaybookRun({}))
    entries = runner._execute(frame, 'restore-file', {'file_hash': HASH})
    assert len(calls) == 1
    assert entries[-1]['PollingCommand'] == 'restore-file' and entries[-1]['NextRun'] == '10'


def test_polling_cut_by_its_timeout_under_a_scaled_clock_says_how_much_real_time_passed(scripted):
    scripted(*[[poll_entry(Timeout='30')]] * 10)  # a command that polls on past its timeout
    room = WarRoom(params={}, time_scale=0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': HASH})

    message = last_error(result)
    assert 'timeout of 30 s ran out' in message
    polled = float(message.split('stopped after ')[1].split(' s of polling time')[0])
    assert polled <= 30 < polled + 10 + 1  # the waits as scheduled (10 s each) and the runs' own time
    real = float(message.split('(')[1].split(' s of real time')[0])
    assert real < 30 and 'at time scale 0' in message  # never more time than passed


class RunClock:
    """A clock that waits between runs move, and each run moves by the seconds it is said to take."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def slow_runs(monkeypatch, clock: RunClock, seconds: float, runs: list[list[dict]]) -> list:
    """The integration stood in by runs that each take ``seconds`` on ``clock``."""
    calls: list = []
    queue = list(runs)

    def fake_main(demisto):
        calls.append(dict(demisto.args()))
        clock.now += seconds
        demisto.results(queue.pop(0) if queue else [DONE])
    monkeypatch.setattr(restore_integration, 'main', fake_main)
    return calls


def test_the_polling_timeout_counts_the_time_its_runs_take_not_only_the_waits_between_them(monkeypatch):
    """ScheduledCommand's timeout_in_seconds is the "Number of seconds until the polling sequence timeouts"
    (scheduled-commands.md): time passes while a run works, too. Runs of 4 s, 10 s apart, a 30 s timeout: the runs
    start at 0, 14 and 28 s; a fourth would start at 42 s."""
    clock = RunClock()
    calls = slow_runs(monkeypatch, clock, 4, [[poll_entry(Timeout='30')]] * 10)
    room = WarRoom(params={}, time_scale=1, sleep=clock.sleep, clock=clock)

    result = room.run('restore-file', {'file_hash': HASH})

    assert len(calls) == 3 and result.failed
    assert 'timeout of 30 s' in last_error(result)


def test_a_run_still_going_when_the_polling_timeout_passes_ends_the_sequence_with_xsoars_timeout_error(monkeypatch):
    """Runs of 8 s, 10 s apart, a 20 s timeout: the second run starts at 18 s, within the timeout, and ends at 26 s,
    past it. What XSOAR does with such a run is not documented: the war room takes the strict reading, as for the
    execution timeout: the sequence ends in XSOAR's timeout error, and what the late run returned does not count."""
    clock = RunClock()
    late = dict(DONE, Contents='restored', HumanReadable='restored')
    calls = slow_runs(monkeypatch, clock, 8, [[poll_entry(Timeout='20')], [late]])
    room = WarRoom(params={}, time_scale=1, sleep=clock.sleep, clock=clock)

    result = room.run('restore-file', {'file_hash': HASH})

    assert len(calls) == 2 and result.failed
    assert 'timeout of 20 s' in last_error(result)
    assert all(entry.get('Contents') != 'restored' for entry in result.entries)


def test_a_later_run_cannot_lengthen_the_polling_timeout_its_sequence_started_with(monkeypatch):
    """Which Timeout XSOAR keeps when a later run gives another is not documented: the war room keeps the shortest."""
    clock = RunClock()
    calls = slow_runs(monkeypatch, clock, 0, [[poll_entry(Timeout='20')]] + [[poll_entry(Timeout='600')]] * 10)
    room = WarRoom(params={}, time_scale=1, sleep=clock.sleep, clock=clock)

    result = room.run('restore-file', {'file_hash': HASH})

    assert len(calls) == 3 and 'timeout of 20 s' in last_error(result)
