"""Where the local runner must take the branch, or refuse the value, that XSOAR would: small playbooks built here,
no vendor involved."""
from __future__ import annotations

import io
import json
import re
import secrets
from pathlib import Path

import pytest
import yaml

from conftest import TEST_DATA
from warroom.context import as_list, get_path
from warroom.playbook.incidents import RESTORE_PLAYBOOK, IncidentFile, close_incident, print_outcome
from warroom.playbook.model import Playbook, PlaybookLibrary, Task, validation_problems
from warroom.playbook.runner import PlaybookRunner
from warroom.playbook.values import Scope, UnsupportedError, evaluate, interpolate, resolve

BAD_HASH = 'not-a-sha256'  # QuarantineRestoreReputationGate answers it with an error entry


def task(task_id, kind, name, nexttasks=None, **raw):
    body = {'name': name, 'type': kind, **raw.pop('body', {})}
    return Task(task_id, kind, name, {'type': kind, 'task': body, 'nexttasks': nexttasks or {}, **raw})


def playbook(*tasks):
    return Playbook('semantics', 'semantics', '0', {t.id: t for t in tasks})


def print_task(task_id, text):
    return task(task_id, 'regular', f'print {task_id}', {'#none#': ['99']}, body={'scriptName': 'Print'},
                scriptarguments={'value': {'simple': text}})


def script_condition(**raw):
    """A conditional task that asks a script ('yes' / else); the script fails on its argument."""
    return task('1', 'condition', 'ask the gate', {'yes': ['2'], '#default#': ['3'], **raw.pop('extra_next', {})},
                body={'scriptName': 'QuarantineRestoreReputationGate'},
                scriptarguments={'file_hash': {'simple': BAD_HASH}}, **raw)


def run(*tasks):
    start = task('0', 'start', '', {'#none#': ['1']})
    end = task('99', 'title', 'Done')
    return PlaybookRunner({}).run(playbook(start, *tasks, end), {'id': '1'}, {})


def printed(result):
    return [event.task for event in result.events if event.command == 'Print']


def note_task(task_id, next_id):
    return task(task_id, 'regular', f'note {task_id}', {'#none#': [next_id]}, body={'scriptName': 'Print'},
                scriptarguments={'value': {'simple': f'note {task_id}'}}, note=True)


@pytest.mark.parametrize('notes, outcome', [
    (None, 'Playbook completed: 1 task, 0 notes.\n'),  # the start task alone
    ([note_task('1', '99')], 'Playbook completed: 3 tasks, 1 note.\n'),
    ([note_task('1', '2'), note_task('2', '99')], 'Playbook completed: 4 tasks, 2 notes.\n'),
], ids=['one-task', 'one-note', 'two-notes'])
def test_the_outcome_counts_tasks_and_notes_in_the_singular_or_plural(notes, outcome):
    tasks = [task('0', 'start', '', {})]
    if notes:
        tasks = [task('0', 'start', '', {'#none#': ['1']}), *notes, task('99', 'title', 'Done')]
    stream = io.StringIO()
    print_outcome(PlaybookRunner({}).run(playbook(*tasks), {'id': '1'}, {}), stream)

    assert stream.getvalue() == outcome


def test_a_conditional_task_whose_script_returns_an_error_stops_the_playbook():
    # XSOAR admin guide, "Handle Errors in a Playbook": a conditional task that uses an automation stops the
    # playbook when the automation errors (unless it continues on an error path); it does not take "else".
    result = run(script_condition(), print_task('2', 'yes'), print_task('3', 'else'))

    assert result.failed and 'task 1' in result.error and 'QuarantineRestoreReputationGate' in result.error
    assert printed(result) == []


def test_a_conditional_task_whose_script_returns_an_error_takes_its_error_path():
    condition = script_condition(continueonerror=True, continueonerrortype='errorPath', extra_next={'#error#': ['4']})

    result = run(condition, print_task('2', 'yes'), print_task('3', 'else'), print_task('4', 'error'))

    assert not result.failed, result.error
    assert printed(result) == ['4']


def test_a_conditional_task_that_continues_on_error_without_an_error_path_is_refused():
    result = run(script_condition(continueonerror=True), print_task('2', 'yes'), print_task('3', 'else'))

    assert result.failed and 'continues on error' in result.error and printed(result) == []


CONTEXT = {'File': [{'SHA256': 'a' * 64, 'Name': 'one.exe'}, {'SHA256': 'b' * 64, 'Name': 'two.exe'}]}


@pytest.mark.parametrize('path', [
    "File(val.SHA256 == '" + 'a' * 64 + "').Name",  # a DT selector
    'File.[0].Name',  # an index
    '.=val.File.length',  # a DT expression
    'File.Name=two.exe',
])
def test_a_dt_expression_the_runner_does_not_evaluate_is_refused_not_read_as_missing(path):
    # XSOAR evaluates these (a DT selector picks File items, ".=" runs an expression); reading them as a dotted
    # path finds nothing and would send the playbook down its "empty" branch, where XSOAR takes the other one.
    scope = Scope({}, {}, CONTEXT)
    for attempt in (lambda: interpolate('${' + path + '}', scope), lambda: interpolate('names: ${' + path + '}', scope),
                    lambda: resolve({'simple': path}, scope, is_context=True),
                    lambda: resolve({'complex': {'root': path}}, scope),
                    lambda: resolve({'complex': {'root': 'File', 'accessor': path}}, scope)):
        with pytest.raises(UnsupportedError, match='DT'):
            attempt()


def test_plain_dotted_paths_and_incident_fields_still_read():
    scope = Scope({'xdrfileartifacts': [{'file sha256': 'c'}]}, {'Hash': 'd'}, CONTEXT)
    assert interpolate('${File.Name}', scope) == ['one.exe', 'two.exe']
    assert resolve({'simple': 'incident.xdrfileartifacts.file sha256'}, scope, is_context=True) == 'c'
    assert resolve({'complex': {'root': 'inputs.Hash'}}, scope) == 'd'


def value_condition(*labels):
    """A conditional task whose labels each hold when their own incident field is set."""
    return task('1', 'condition', 'which way', {label: [str(n)] for n, label in enumerate(labels, 2)},
                conditions=[{'label': label, 'condition': [[{'operator': 'isNotEmpty', 'iscontext': True,
                                                             'left': {'value': {'simple': f'incident.{label}'},
                                                                      'iscontext': True}}]]} for label in labels])


def run_on(incident, *tasks):
    start = task('0', 'start', '', {'#none#': ['1']})
    end = task('99', 'title', 'Done')
    return PlaybookRunner({}).run(playbook(start, *tasks, end), dict(incident, id='1'), {})


def test_a_condition_with_two_branches_matching_at_once_is_refused_not_guessed():
    # Which branch XSOAR follows when several labels hold (the first, or every one) is not documented: a playbook
    # must make its conditions exclusive, and the runner refuses rather than pick one.
    tasks = (value_condition('a', 'b'), print_task('2', 'a'), print_task('3', 'b'))

    both = run_on({'a': 'x', 'b': 'y'}, *tasks)
    one = run_on({'b': 'y'}, *tasks)

    assert both.failed and 'a, b all match' in both.error and printed(both) == []
    assert not one.failed and printed(one) == ['3']


def _stand_in_that_keeps(read):
    """A stand-in script module whose main keeps what ``read(demisto)`` gave it, in its ``seen``."""
    class StandIn:
        seen: list = []

        @classmethod
        def main(cls, demisto):
            cls.seen.append(read(demisto))
            demisto.results('ok')
    return StandIn


_SeesTheIncident = _stand_in_that_keeps(lambda demisto: demisto.incident())


INCIDENT = {'id': '7', 'type': 'Huawei Cloud HSS Event', 'CustomFields': {'huaweihsshostid': 'host-1'}}


@pytest.mark.parametrize('via', ['playbook', 'post-processing'])
def test_a_script_gets_the_incident_as_xsoar_gives_it_with_custom_fields_under_customfields(monkeypatch, via):
    # demisto/content's scripts read custom fields as demisto.incident().get('CustomFields', {}).get(<cliName>):
    # XSOAR lifts them to the top only for ${incident.<cliName>} in a playbook, not for a script's demisto.incident().
    monkeypatch.setattr('warroom.playbook.runner._load_script', lambda name: _SeesTheIncident)
    _SeesTheIncident.seen = []
    runner = PlaybookRunner({})
    if via == 'playbook':
        ask = task('1', 'regular', 'a script', {'#none#': ['99']}, body={'scriptName': 'SeesTheIncident'})
        start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
        result = runner.run(playbook(start, ask, end), INCIDENT, {})
    else:
        result = runner.run_post_processing('SeesTheIncident', INCIDENT, {})

    assert not result.failed, result.error
    [seen] = _SeesTheIncident.seen
    assert seen['CustomFields'] == INCIDENT['CustomFields'] and 'huaweihsshostid' not in seen


class _WritesThroughItsCopies:
    """A stand-in script that notes what demisto gave it, edits it, then returns an entry."""

    entry: dict = {}
    seen: list = []

    @classmethod
    def main(cls, demisto):
        cls.seen.append(('Edited' in demisto.context(), demisto.incident().get('name')))
        demisto.context()['Edited'] = True
        demisto.incident()['name'] = 'edited'
        demisto.results(cls.entry)


def run_stand_in(monkeypatch, module, context, steps=1, only_named=False):
    """A playbook of ``steps`` tasks, one after the other, each running the stand-in ``module`` (``only_named``: as
    the script StandIn only, so that the stand-in's executeCommand of another name reaches that command)."""
    monkeypatch.setattr('warroom.playbook.runner._load_script',
                        lambda name: module if name == 'StandIn' or not only_named else None)
    scripts = [task(str(n), 'regular', f'a script {n}', {'#none#': [str(n + 1) if n < steps else '99']},
                    body={'scriptName': 'StandIn'}) for n in range(1, steps + 1)]
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    return PlaybookRunner({}).run(playbook(start, *scripts, end), dict(INCIDENT), context)


def test_a_script_reads_copies_of_the_context_and_incident_as_xsoar_sends_them(monkeypatch):
    # XSOAR hands a script its context and incident over its channel, as JSON: editing them changes nothing, neither
    # the incident's context nor what the next script is given.
    _WritesThroughItsCopies.entry = {'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done'}
    _WritesThroughItsCopies.seen = []

    result = run_stand_in(monkeypatch, _WritesThroughItsCopies, {'Kept': 1}, steps=2)

    assert not result.failed, result.error
    assert result.context == {'Kept': 1}
    assert _WritesThroughItsCopies.seen == [(False, INCIDENT.get('name'))] * 2  # the second saw no edit either


def test_an_entry_a_script_returns_that_is_not_json_fails_its_task(monkeypatch):
    # demisto.results sends the entry to the server as JSON: a set cannot go.
    _WritesThroughItsCopies.entry = {'Type': 1, 'ContentsFormat': 'json', 'Contents': {'hosts': {'a', 'b'}}}

    result = run_stand_in(monkeypatch, _WritesThroughItsCopies, {})

    assert result.failed and 'JSON' in result.error


_SeesItsArguments = _stand_in_that_keeps(lambda demisto: demisto.args())


@pytest.mark.parametrize('kind', ['command', 'script'])
def test_an_empty_list_a_task_argument_takes_from_context_reaches_the_command_or_script_as_an_empty_list(
        monkeypatch, kind):
    """XSOAR hands a run the arguments of its calling context as the task resolved them, decoded from JSON
    (DemistoClassApiModuleClasses.py): no public source says it drops an empty list, so the war room hands it on, the
    strict reading, and each command or script must take [] as no value. The runner dropped it, so none ever met it."""
    _SeesItsArguments.seen = []
    monkeypatch.setattr('warroom.playbook.runner._load_script', lambda name: _SeesItsArguments)
    monkeypatch.setattr('restore_integration.main', _SeesItsArguments.main)
    body = {'script': '|||restore-file', 'iscommand': True} if kind == 'command' else {'scriptName': 'SeesIt'}
    given = task('1', 'regular', 'a task', {'#none#': ['99']}, body=body,
                 scriptarguments={'file_hash': {'simple': 'a' * 64}, 'endpoint_id': {'simple': '${Endpoints}'}})
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')

    result = PlaybookRunner({}).run(playbook(start, given, end), {'id': '1'}, {'Endpoints': []})

    assert not result.failed, result.error
    [seen] = _SeesItsArguments.seen
    assert seen['endpoint_id'] == []


@pytest.mark.parametrize('text, read', [
    ('closed as ${inputs.CloseReasn}', 'input CloseReasn'),  # misspelt: it reads as nothing, the "empty" branch taken
    ('closed as inputs.CloseReason said', 'input CloseReason said'),  # validate reads words after inputs. as the key
    ('${inputs.Reasn} by ${inputs.Analyst}', 'inputs Analyst, Reasn'),
])
def test_a_playbook_that_reads_an_input_it_does_not_declare_is_refused_before_any_task_runs(text, read):
    # demisto-sdk's validate (PB119, "Inputs [...] were used but not provided for this playbook") refuses it; it finds
    # the inputs a playbook reads in its text, descriptions included.
    result = run(print_task('1', text))

    assert result.failed and f'it reads {read} that' in result.error and 'PB119' in result.error
    assert result.events == []


@pytest.mark.parametrize('keys, named', [(['RestoreSuspicious'], 'input RestoreSuspicious'),
                                         (['RestoreSuspicious', 'Quiet'], 'inputs Quiet, RestoreSuspicious')])
def test_a_playbook_that_declares_an_input_no_task_reads_is_refused_before_any_task_runs(keys, named):
    # demisto-sdk's validate (PB118, "contains inputs that are not used in any of its tasks") refuses it: what a
    # caller gives that input (RestoreSuspicious, say) would be ignored.
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    book = Playbook('semantics', 'semantics', '0', {t.id: t for t in (start, print_task('1', 'x'), end)},
                    inputs=[{'key': key, 'value': {'simple': 'false'}} for key in keys])

    result = PlaybookRunner({}).run(book, {'id': '1'}, {})

    assert result.failed and f'no task reads its {named} (PB118)' in result.error, result.error
    assert result.events == []


@pytest.mark.parametrize('nexttasks', [
    {'a': ['2'], '#default#': ['99']},  # label b has no branch: a run where it holds would stop there
    {'a': ['2'], 'b': ['3'], 'c': ['3']},  # branch c has no label: never taken
])
def test_a_condition_whose_labels_and_branches_differ_is_refused_before_any_task_runs(nexttasks):
    # demisto-sdk's validate, PB122: "Playbook conditional task with ID: ... has unhandled conditions".
    condition = value_condition('a', 'b')
    condition.raw['nexttasks'] = nexttasks

    result = run_on({'b': 'y'}, condition, print_task('2', 'a'), print_task('3', 'b'))

    assert result.failed and 'unhandled conditions' in result.error and 'PB122' in result.error
    assert result.events == []


def test_a_condition_that_asks_a_script_with_one_branch_only_is_refused():
    # demisto-sdk's validate, PB124: a script condition needs at least two branches.
    condition = script_condition()
    condition.raw['nexttasks'] = {'yes': ['2']}

    result = run(condition, print_task('2', 'yes'))

    assert result.failed and 'PB124' in result.error and result.events == []


def test_the_pack_s_playbooks_pass_the_checks_demisto_sdk_s_validate_makes_of_inputs_and_branches():
    for playbook in PlaybookLibrary():
        assert validation_problems(playbook) == [], playbook.name


def one_task_run(monkeypatch, kind, arguments, context):
    """Runs one task, the pack's restore-file (``command``) or QuarantineRestoreSummary (``script``), both stand-ins
    that keep the arguments of each run, with ``arguments`` as its scriptarguments."""
    _SeesItsArguments.seen = []
    monkeypatch.setattr('warroom.playbook.runner._load_script', lambda name: _SeesItsArguments)
    monkeypatch.setattr('restore_integration.main', _SeesItsArguments.main)
    body = ({'script': '|||restore-file', 'iscommand': True} if kind == 'command' else
            {'scriptName': 'QuarantineRestoreSummary'})
    given = task('1', 'regular', 'a task', {'#none#': ['99']}, body=body, scriptarguments=arguments)
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    return PlaybookRunner({}).run(playbook(start, given, end), {'id': '1'}, context)


# restore-file's endpoint_id and QuarantineRestoreSummary's vendor are not declared isArray; restore-file's file_hash
# is.
NOT_ARRAY = {'command': 'endpoint_id', 'script': 'vendor'}
OTHER = {'command': {'file_hash': {'simple': 'a' * 64}}, 'script': {}}


@pytest.mark.parametrize('kind', ['command', 'script'])
def test_a_list_given_to_an_argument_not_declared_isarray_runs_the_task_once_per_item(monkeypatch, kind):
    """XSOAR iterates a task over a list it gives to an argument that does not take one: "When the task's input is an
    array, it is iterated automatically" (Cortex XSOAR 6.x Administrator Guide, "Configure a Sub-Playbook Loop"), "the
    playbook will run the command once for each domain" (a maintainer in demisto/content pull request 14779). The
    runner handed the list whole to one run, which XSOAR never does."""
    items = ['xdr', 'hss'] if kind == 'script' else ['endpoint-1', 'endpoint-2']
    arguments = {NOT_ARRAY[kind]: {'simple': '${Items}'}, **OTHER[kind]}

    result = one_task_run(monkeypatch, kind, arguments, {'Items': items})

    assert not result.failed, result.error
    assert [seen[NOT_ARRAY[kind]] for seen in _SeesItsArguments.seen] == items
    if kind == 'command':  # an argument that takes a list keeps it whole in every run
        assert [seen['file_hash'] for seen in _SeesItsArguments.seen] == ['a' * 64] * 2


@pytest.mark.parametrize('value', [{'simple': '${Items}'}, {'complex': {'root': 'Items',
                                                                         'transformers': [{'operator': 'uniq'}]}}])
@pytest.mark.parametrize('kind', ['command', 'script'])
def test_a_one_item_list_given_to_an_argument_not_declared_isarray_reaches_it_as_the_item(monkeypatch, kind, value):
    # Iterated, a one-item list is one run with its item (a transformer's answer stays a list until then).
    item = 'xdr' if kind == 'script' else 'endpoint-1'

    result = one_task_run(monkeypatch, kind, {NOT_ARRAY[kind]: value, **OTHER[kind]}, {'Items': [item]})

    assert not result.failed, result.error
    [seen] = _SeesItsArguments.seen
    assert seen[NOT_ARRAY[kind]] == item


def test_a_list_given_to_an_argument_declared_isarray_reaches_one_run_whole(monkeypatch):
    hashes = ['a' * 64, 'b' * 64]

    result = one_task_run(monkeypatch, 'command', {'file_hash': {'simple': '${Items}'}}, {'Items': hashes})

    assert not result.failed, result.error
    [seen] = _SeesItsArguments.seen
    assert seen['file_hash'] == hashes


def test_lists_given_to_two_arguments_not_declared_isarray_are_refused_not_paired_by_guess(monkeypatch):
    # How XSOAR pairs the items of two such lists in one task is not documented: the runner refuses to guess.
    arguments = {'endpoint_id': {'simple': '${Items}'}, 'incident_id': {'simple': '${Numbers}'},
                 'file_hash': {'simple': 'a' * 64}}

    result = one_task_run(monkeypatch, 'command', arguments, {'Items': ['e-1', 'e-2'], 'Numbers': ['1', '2']})

    assert result.failed and 'endpoint_id' in result.error and 'incident_id' in result.error
    assert _SeesItsArguments.seen == []


def test_a_task_iterated_over_a_list_fails_on_the_first_run_that_returns_an_error(monkeypatch):
    class FailsOnTheFirst:
        seen: list = []

        @classmethod
        def main(cls, demisto):
            cls.seen.append(demisto.args()['vendor'])
            demisto.results({'Type': 4, 'ContentsFormat': 'text', 'Contents': 'failed'})
    monkeypatch.setattr('warroom.playbook.runner._load_script', lambda name: FailsOnTheFirst)
    given = task('1', 'regular', 'a task', {'#none#': ['99']}, body={'scriptName': 'QuarantineRestoreSummary'},
                 scriptarguments={'vendor': {'simple': '${Items}'}})
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')

    result = PlaybookRunner({}).run(playbook(start, given, end), {'id': '1'}, {'Items': ['xdr', 'hss']})

    assert result.failed and FailsOnTheFirst.seen == ['xdr']


def test_a_conditional_task_xsoar_would_run_once_per_item_of_a_list_is_refused(monkeypatch):
    # Which of the runs' answers picks the branch is not documented: the runner refuses to guess.
    monkeypatch.setattr('warroom.playbook.runner._load_script', lambda name: _SeesItsArguments)
    _SeesItsArguments.seen = []
    ask = task('1', 'condition', 'ask', {'yes': ['99'], '#default#': ['99']},
               body={'scriptName': 'QuarantineRestoreReputationGate'},
               scriptarguments={'restore_command': {'simple': '${Items}'}})
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')

    items = {'Items': ['restore-file', 'hss-restore-isolated']}  # restore_command is not declared isArray
    result = PlaybookRunner({}).run(playbook(start, ask, end), {'id': '1'}, items)

    assert result.failed and 'once per item' in result.error and _SeesItsArguments.seen == []


class _ReadsTheContextAroundACommand:
    """A stand-in script that reads its context, runs a command that writes context, and reads its context again."""

    seen: list = []

    @classmethod
    def main(cls, demisto):
        before = demisto.context()
        entries = demisto.executeCommand('xdr-get-incident-extra-data', {'incident_id': '414'})
        cls.seen.append((before, entries[0]['EntryContext'], demisto.context()))
        demisto.results('ok')


def test_a_script_s_context_is_the_one_it_was_started_with_not_what_its_commands_wrote_since(monkeypatch):
    """XSOAR's demisto.context() in a script is the ExecutionContext of the calling context the script was started
    with (demisto/content Packs/ApiModules/Scripts/DemistoClassApiModule/DemistoClassApiModuleClasses.py,
    DemistoGeneral.context; callingContext is set once, in __init__, and executeCommand's replies do not touch it):
    what a command the script runs writes to the incident's context is in the command's entries, not in the script's
    context. The war room handed the script the live context, so a script that read its commands' outputs there
    passed locally and read nothing in XSOAR."""
    _ReadsTheContextAroundACommand.seen = []

    result = run_stand_in(monkeypatch, _ReadsTheContextAroundACommand, {'Kept': 1}, only_named=True)

    assert not result.failed, result.error
    [(before, written, after)] = _ReadsTheContextAroundACommand.seen
    assert before == after == {'Kept': 1}
    assert any(key.startswith('PaloAltoNetworksXDR.Incident') for key in written)
    assert 'PaloAltoNetworksXDR' in result.context  # the incident's context holds it: the server wrote it there


def test_a_script_another_script_runs_afterwards_starts_with_what_the_commands_wrote(monkeypatch):
    # A new run gets a new calling context: the next task's script reads what the first one's command wrote.
    _ReadsTheContextAroundACommand.seen = []

    result = run_stand_in(monkeypatch, _ReadsTheContextAroundACommand, {}, steps=2, only_named=True)

    assert not result.failed, result.error
    assert 'PaloAltoNetworksXDR' in _ReadsTheContextAroundACommand.seen[1][0]



def test_a_script_s_executecommand_calls_are_events_of_the_run_marked_as_the_script_s_in_run_order(monkeypatch):
    """A test looking in run.events for a command a script ran found nothing: a script's executeCommand calls were
    recorded nowhere. Each is an event now, made when the call is, under the script's task and marked with the
    script's name (caller); the tasks' own events are as they were, and the count of tasks leaves the calls out."""
    _ReadsTheContextAroundACommand.seen = []

    result = run_stand_in(monkeypatch, _ReadsTheContextAroundACommand, {}, steps=2, only_named=True)

    assert not result.failed, result.error
    call = ('StandIn', 'xdr-get-incident-extra-data', {'incident_id': '414'})
    assert [(e.task, e.caller, e.command, e.args) for e in result.events] == [
        ('0', '', '', {}), ('1', *call), ('1', '', 'StandIn', {}), ('2', *call), ('2', '', 'StandIn', {}),
        ('99', '', '', {})]
    assert {(e.kind, e.outcome, len(e.entries)) for e in result.events if e.caller} == {('executeCommand', 'done', 0)}
    stream = io.StringIO()
    print_outcome(result, stream)
    assert stream.getvalue() == 'Playbook completed: 4 tasks, 0 notes.\n'


VT = 'VirusTotal (API v3)'  # has recorded replies of the generic !file in test_data/xsoar/replies
VT_HASH = 'ee62bd9703ccc64f54b25e9f8b7d153897c93cc1cb3c18759bbcec29c8bdfff4'


@pytest.mark.parametrize('enabled, outcome', [({VT}, 'done'), (set(), 'error')])
def test_a_task_that_names_the_brand_of_a_generic_command_runs_only_on_an_enabled_instance_of_it(enabled, outcome):
    """A task's `Brand|||command` names the integration that runs it (the task editor's choice of the command's
    integration; the admin guide's "Playbook Task Fields"). XSOAR runs a command on enabled instances only, so with
    none of that brand enabled no instance runs it: an error entry as for any command none runs (others.no_instance;
    the wording is ours), or a skip with skipunavailable. The runner answered a generic command (!file) from the named
    brand's recordings whether or not that brand had an enabled instance."""
    from warroom.playbook.others import OtherIntegrations
    ask = task('1', 'regular', 'reputation', {'#none#': ['99']}, continueonerror=True,
               body={'script': f'{VT}|||file', 'iscommand': True}, scriptarguments={'file': {'simple': VT_HASH}})
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')

    result = PlaybookRunner({}, others=OtherIntegrations(enabled=set(enabled))).run(
        playbook(start, ask, end), {'id': '1'}, {})

    [event] = [event for event in result.events if event.task == '1']
    assert event.outcome.startswith(outcome), event.outcome
    assert ('DBotScore' in result.context) == (outcome == 'done')


def test_a_task_that_names_a_disabled_brand_and_skips_when_unavailable_is_skipped_though_another_brand_runs_it(
        tmp_path):
    # Another enabled brand answers !file; the task names VirusTotal, which has no enabled instance: skipped.
    from warroom.playbook.others import REPLIES_DIR, OtherIntegrations
    other = tmp_path / 'Other Reputation' / 'file'
    other.mkdir(parents=True)
    (other / f'{VT_HASH}.json').write_text((REPLIES_DIR / VT / 'file' / f'{VT_HASH}.json').read_text())
    ask = task('1', 'regular', 'reputation', {'#none#': ['99']}, skipunavailable=True,
               body={'script': f'{VT}|||file', 'iscommand': True}, scriptarguments={'file': {'simple': VT_HASH}})
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    others = OtherIntegrations(enabled={'Quarantine Restore', 'Other Reputation'}, replies_dir=tmp_path)

    result = PlaybookRunner({}, others=others).run(playbook(start, ask, end), {'id': '1'}, {})

    [event] = [event for event in result.events if event.task == '1']
    assert event.outcome.startswith('skipped') and 'DBotScore' not in result.context


def test_a_condition_whose_labels_do_not_hold_and_that_has_no_else_branch_stops_the_playbook():
    """A condition task whose outcome has no branch leaves XSOAR nowhere to go: "Playbook will stop if task doesn't
    return yes / no ... User should be able to see that their incident is paused and why" (a maintainer in demisto/
    content pull request 391, on a condition without an else branch). The runner took the missing else branch as the
    end of the playbook and reported the run as done."""
    only_a = value_condition('a')  # one label, no else branch

    result = run_on({'b': 'y'}, only_a, print_task('2', 'a'))

    assert result.failed and 'task 1' in result.error and 'no branch' in result.error
    assert printed(result) == []


@pytest.mark.parametrize('brand, answer', [('Quarantine Restore', 'yes'), ('No Such Integration', 'no')])
def test_a_condition_that_asks_a_script_whose_answer_has_no_branch_stops_the_playbook(brand, answer):
    # The same for a script's answer: IsIntegrationAvailable answers yes or no; a condition with branches for
    # neither (and no else) stops, and each answer that has a branch takes it.
    ask = task('1', 'condition', 'enabled?', {answer: ['2'], 'maybe': ['3']},
               body={'scriptName': 'IsIntegrationAvailable'}, scriptarguments={'brandname': {'simple': brand}})
    other = task('1', 'condition', 'enabled?', {'maybe': ['3'], 'perhaps': ['2']},
                 body={'scriptName': 'IsIntegrationAvailable'}, scriptarguments={'brandname': {'simple': brand}})

    taken = run(ask, print_task('2', answer), print_task('3', 'maybe'))
    stopped = run(other, print_task('2', 'perhaps'), print_task('3', 'maybe'))

    assert not taken.failed and printed(taken) == ['2']
    assert stopped.failed and f'"{answer}"' in stopped.error and 'no branch' in stopped.error
    assert printed(stopped) == []


FIRST = {'operator': 'FirstArrayElement'}


@pytest.mark.parametrize('context', [{}, {'Ids': []}, {'Ids': None}])
def test_firstarrayelement_of_nothing_is_an_empty_list_not_null(context):
    """FiltersAndTransformers' FirstArrayElement (demisto/content Packs/FiltersAndTransformers/Scripts/
    FirstArrayElement/FirstArrayElement.py, and its .js): a list's first item; null becomes [], and an empty list is
    returned as it came, []. The runner gave null for both, so a task argument from it was left out, where XSOAR
    hands the command an empty list."""
    scope = Scope({}, {}, context)

    assert resolve({'complex': {'root': 'Ids', 'transformers': [FIRST]}}, scope) == []


@pytest.mark.parametrize('ids, first', [(['412', '413'], '412'), ('412', '412'), ([['a', 'b'], 'c'], ['a', 'b'])])
def test_firstarrayelement_gives_a_list_s_first_item_and_a_single_value_as_it_is(ids, first):
    scope = Scope({}, {}, {'Ids': ids})

    assert resolve({'complex': {'root': 'Ids', 'transformers': [FIRST]}}, scope) == first


LAST = {'operator': 'LastArrayElement'}


@pytest.mark.parametrize('ids, last', [(['412', '413'], '413'), ('412', '412'), (['a', ['b', 'c']], ['b', 'c']),
                                       ([], []), (None, [])])
def test_lastarrayelement_gives_a_list_s_last_item_a_single_value_as_it_is_and_nothing_as_an_empty_list(ids, last):
    """FiltersAndTransformers' LastArrayElement (demisto/content Packs/FiltersAndTransformers/Scripts/
    LastArrayElement/LastArrayElement.py, and its .js): a list of items gives its last one; null becomes [], and an
    empty list is returned as it came. The runner refused the transformer by name."""
    scope = Scope({}, {}, {'Ids': ids})

    assert resolve({'complex': {'root': 'Ids', 'transformers': [LAST]}}, scope) == last


def test_the_xdr_playbook_on_an_incident_with_no_cortex_xdr_id_hands_restore_file_the_empty_list_xsoar_gives(vendors):
    # An incident an analyst made by hand, naming the file by its File SHA256 only: with no XDR Incident ID and no
    # mirror ID, QuarantineRestoreXdrIncidentId writes no ID, and the restore task hands restore-file no incident_id
    # (or, where XSOAR gives an empty value as [], one restore-file takes as no incident): Cortex XDR's request names
    # none.
    from conftest import TEST_DATA
    from warroom.playbook.incidents import IncidentFile, close_incident
    xdr, hss = vendors
    sample = IncidentFile.load(TEST_DATA / 'incidents' / 'xdr_false_positive.json')
    fields = dict(sample.incident['CustomFields'])
    file_hash = fields.pop('xdrfileartifacts')[0]['file_sha256']
    fields.pop('xdrincidentid')
    by_hand = {key: value for key, value in sample.incident.items() if key not in ('CustomFields', 'dbotMirrorId')}
    incident = close_incident({**by_hand, 'CustomFields': {**fields, 'filesha256': [file_hash]}}, 'False Positive', '')
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None)

    result = runner.run('Quarantine Restore - Cortex XDR', incident, {})

    assert not result.failed, result.error
    [restore] = [event for event in result.events if event.command == 'restore-file']
    assert restore.args.get('incident_id') in (None, []) and restore.outcome == 'done'
    [sent] = [r.body for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]
    assert sent == {'request_data': {'file_hash': file_hash}}


def string_condition(operator, left, right):
    """A conditional task whose one label holds when ``left`` (a context path) compares to ``right`` (a literal)."""
    return task('1', 'condition', 'compare', {'yes': ['2'], '#default#': ['3']},
                conditions=[{'label': 'yes', 'condition': [[{
                    'operator': operator, 'left': {'value': {'simple': left}, 'iscontext': True},
                    'right': {'value': {'simple': right}}}]]}])


OBJECT = {'some': 'object'}  # the Cortex XSOAR Administrator Guide's own example


@pytest.mark.parametrize('operator', ['isEqualString', 'isNotEqualString', 'containsString', 'inList', 'notInList'])
@pytest.mark.parametrize('held', [OBJECT, ['a', OBJECT]])
def test_a_string_condition_on_an_object_fails_the_task_as_xsoar_cannot_cast_it(operator, held):
    """"Filters try to cast the transformed value and arguments to the appropriate type. The task fails if casting
    fails. For example, "a" Equals {"some": "object"} => Error" (Cortex XSOAR 6.x Playbook Design Guide and
    Administrator Guide, "Filter Operators"). The runner compared the object's Python text instead, and took a branch
    where XSOAR fails the task."""
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    book = playbook(start, string_condition(operator, 'Held', 'a'), print_task('2', 'yes'), print_task('3', 'else'),
                    end)

    result = PlaybookRunner({}).run(book, {'id': '1'}, {'Held': held})

    assert result.failed and 'task 1' in result.error and 'cast' in result.error
    assert printed(result) == []


def test_a_filter_comparing_an_object_as_a_string_fails_the_value_as_xsoar_cannot_cast_it():
    scope = Scope({}, {}, {'Incident': [{'incident_id': OBJECT, 'name': 'x'}]})
    spec = {'complex': {'root': 'Incident', 'accessor': 'name', 'filters': [[{
        'operator': 'isEqualString', 'left': {'value': {'simple': 'Incident.incident_id'}, 'iscontext': True},
        'right': {'value': {'simple': '412'}}}]]}}

    with pytest.raises(UnsupportedError, match='cast'):
        resolve(spec, scope)


@pytest.mark.parametrize('operator', ['isEqualString', 'containsString'])
def test_strings_still_compare_and_a_list_on_the_left_passes_when_one_item_does(operator):
    # "If the filter's left-side value expects a single item, but receives a list, the filter passes if at least one
    # item meets the requirements. For example, ["a", "b", "c"] Equals "b" => true." (same pages)
    scope = Scope({}, {}, {'Held': ['a', 'b', 'c'], 'Number': 412})
    for left, right, expected in (('Held', 'b', True), ('Held', 'd', False), ('Number', '412', True)):
        condition = {'operator': operator, 'left': {'value': {'simple': left}, 'iscontext': True},
                     'right': {'value': {'simple': right}}}
        assert evaluate(condition, scope) is expected, (left, right)



# Whether XSOAR reads every term of a condition (the terms of a group are ORed, the groups ANDed) or stops at the first
# that decides is not documented: the Playbook Design Guide's "Filter Operators" and "Create a Conditional Task" pages
# say nothing of it, and no demisto/content, demisto-sdk or content-docs text found in session 45 does either. The
# strict reading: every term is read, and one the runner refuses stops the run, whichever term decided.
RECORD_ID = {'value': {'simple': 'Record.action_id'}, 'iscontext': True}
ID_IS_EMPTY = {'operator': 'isEmpty', 'left': RECORD_ID}
ID_IS_NOT_EMPTY = {'operator': 'isNotEmpty', 'left': RECORD_ID}
ID_NOT_EARLIER = {'operator': 'notInList', 'left': RECORD_ID, 'right': {'value': {'simple': 'earlier-action'}}}


def grouped_condition(*groups):
    """A conditional task whose one label holds when its groups of terms do."""
    return task('1', 'condition', 'compare', {'yes': ['2'], '#default#': ['3']},
                conditions=[{'label': 'yes', 'condition': [list(group) for group in groups]}])


def run_grouped(context, *groups):
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    book = playbook(start, grouped_condition(*groups), print_task('2', 'yes'), print_task('3', 'else'), end)
    return PlaybookRunner({}).run(book, {'id': '1'}, context)


@pytest.mark.parametrize('group', [(ID_IS_EMPTY, ID_NOT_EARLIER), (ID_NOT_EARLIER, ID_IS_EMPTY)])
def test_every_term_of_an_or_group_is_read_so_one_refused_stops_the_run_though_another_decided_it(group):
    # isEmpty holds for a record without an action ID; Not in list of nothing is what XSOAR's documents leave open
    result = run_grouped({'Record': {'status': 'FAILED'}}, group)

    assert result.failed and 'task 1' in result.error and 'nothing on the left' in result.error
    assert 'term' in result.error and 'notInList' in result.error
    assert printed(result) == []


def test_every_group_is_read_so_one_refused_stops_the_run_though_an_earlier_group_decided_it():
    # A demisto/content guard, isNotEmpty in a group of its own before the term that reads the key (pull request
    # 40255), decides the condition only if XSOAR stops at the first group that is false: not documented
    result = run_grouped({'Record': {'status': 'FAILED'}}, [ID_IS_NOT_EMPTY], [ID_NOT_EARLIER])

    assert result.failed and 'task 1' in result.error and 'nothing on the left' in result.error
    assert printed(result) == []


@pytest.mark.parametrize('action_id, branch', [('7', ['2']), ('earlier-action', ['3'])])
def test_a_condition_whose_every_term_can_be_read_takes_its_branch(action_id, branch):
    result = run_grouped({'Record': {'action_id': action_id}}, [ID_IS_EMPTY, ID_NOT_EARLIER], [ID_IS_NOT_EMPTY])

    assert not result.failed and printed(result) == branch


def test_every_term_of_a_filter_is_read_so_one_refused_fails_the_value_though_another_decided_it():
    scope = Scope({}, {}, {'Record': [{'status': 'FAILED'}, {'action_id': '7'}]})
    filtered = {'complex': {'root': 'Record', 'accessor': 'status', 'filters': [[ID_IS_EMPTY, ID_NOT_EARLIER]]}}

    with pytest.raises(UnsupportedError, match='nothing on the left'):
        resolve(filtered, scope)


def with_raw(base, **raw):
    base.raw.update(raw)
    return base


ANY_FILE = {'complex': {'root': 'File.SHA256'}}


@pytest.mark.parametrize('odd, what', [
    (with_raw(print_task('1', 'x'), fieldMapping=[{'incidentfield': 'filesha256', 'output': ANY_FILE}]),
     'fieldMapping'),  # the task's outputs written to incident fields
    (with_raw(print_task('1', 'x'), nexttasks={'yes': ['99']}), '"yes"'),  # a branch label a regular task never gives
    (task('1', 'playbook', 'loop', {'#none#': ['99']}, body={'playbookName': 'Quarantine Restore - Cortex XDR'},
          loop={'iscommand': False, 'scriptId': 'IsIntegrationAvailable', 'exitCondition': '', 'wait': 1, 'max': 5,
                'scriptArguments': {'brandname': {'simple': 'Cortex XDR - IR'}}}), 'loop'),
    (task('1', 'playbook', 'loop', {'#none#': ['99']}, body={'playbookName': 'Quarantine Restore - Cortex XDR'},
          loop={'iscommand': False, 'exitCondition': '', 'wait': 1, 'max': 5, 'builtincondition': [[{
              'operator': 'isNotEmpty', 'left': {'value': {'simple': 'File'}, 'iscontext': True}}]]}), 'loop'),
    (task('1', 'playbook', 'loop', {'#none#': ['99']}, body={'playbookName': 'Quarantine Restore - Cortex XDR'},
          loop={'iscommand': False, 'forEach': True, 'exitCondition': '', 'wait': 1, 'max': 100}), 'forEach'),
])
def test_a_task_form_the_runner_does_not_interpret_is_refused_before_any_task_runs(odd, what):
    """What XSOAR does with these, the runner did not do, and ran on as if they were not there: a task's fieldMapping
    (its outputs written to incident fields), a sub-playbook loop "until" a script or a condition (demisto-sdk's
    playbook schema, demisto_sdk/commands/common/schemas/playbook.yml: loop.scriptId, loop.builtincondition), a
    regular task's branch other than #none# and #error# (it is never taken here). Refused, not guessed."""
    result = run(odd)

    assert result.failed and what in result.error and 'task 1' in result.error
    assert result.events == []


def test_a_playbook_input_read_by_a_query_is_refused_before_any_task_runs():
    # An input whose value XSOAR takes from a query (playbookInputQuery: indicators, say) and not from its value:
    # the runner read its value and ignored the query.
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    query = {'query': 'type:File and verdict:Benign', 'queryEntity': 'indicators', 'results': None, 'daterange': {}}
    book = Playbook('semantics', 'semantics', '0',
                    {t.id: t for t in (start, print_task('1', '${inputs.Files}'), end)},
                    inputs=[{'key': 'Files', 'value': {}, 'playbookInputQuery': query}])

    result = PlaybookRunner({}).run(book, {'id': '1'}, {})

    assert result.failed and 'playbookInputQuery' in result.error and 'Files' in result.error
    assert result.events == []


def test_a_branch_to_a_task_the_playbook_does_not_hold_stops_the_run_naming_it():
    result = run(task('1', 'title', 'section', {'#none#': ['7']}))

    assert result.failed and 'a task points to task 7, which does not exist' in result.error, result.error
    assert [event.task for event in result.events] == ['0', '1']  # the tasks before it ran


def test_a_task_of_a_type_the_runner_does_not_run_is_refused_before_any_task_runs():
    # A data collection task (type collection) asks people questions: the runner has no one to ask, so it says so
    # rather than pass over the task as if it were not there.
    result = run(task('1', 'collection', 'ask the analyst', {'#none#': ['2']}), print_task('2', 'next'))

    assert result.failed and 'is of type "collection", which the runner does not run' in result.error, result.error
    assert result.events == []


def test_the_pack_s_playbooks_use_no_task_form_the_runner_refuses():
    from warroom.playbook.model import unsupported_forms
    for book in PlaybookLibrary():
        assert unsupported_forms(book) == [], book.name


def failing_gate(**raw):
    """A regular task whose script returns an error entry (the gate refuses BAD_HASH): #none# to 2, #error# to 4."""
    return task('1', 'regular', 'gate', {'#none#': ['2'], '#error#': ['4'], **raw.pop('extra_next', {})},
                body={'scriptName': 'QuarantineRestoreReputationGate'},
                scriptarguments={'file_hash': {'simple': BAD_HASH}}, **raw)


@pytest.mark.parametrize('raw', [
    {'continueonerrortype': 'errorPath'},  # an error path set, but "continue on error" off
    {'continueonerror': False, 'continueonerrortype': 'errorPath'},
])
def test_a_task_that_errs_with_continue_on_error_off_stops_the_playbook_whatever_its_error_path(raw):
    """continueonerror is what lets a failed task go on; continueonerrortype then says where: demisto/content's
    GetFailedTasks (Packs/IntegrationsAndIncidentsHealthCheck/Scripts/GetFailedTasks/GetFailedTasks.py) reads a failed
    task's error handling as "Stop Playbook" unless continueOnError is set, and only then "Error Path" (#error#) or
    "Continue" (#none#). The runner took the error path on continueonerrortype alone."""
    result = run(failing_gate(**raw), print_task('2', 'next'), print_task('4', 'error path'))

    assert result.failed and 'task 1' in result.error and printed(result) == []


def test_a_task_that_errs_on_an_error_path_that_leads_to_no_task_goes_no_further():
    # GetFailedTasks calls it "Error Path (No Next Task)": the error path is taken, and it leads nowhere. The runner
    # went on down #none# instead, as if the task had been set to continue.
    gate = failing_gate(continueonerror=True, continueonerrortype='errorPath')
    del gate.raw['nexttasks']['#error#']

    result = run(gate, print_task('2', 'next'))

    assert result.failed and 'task 1' in result.error and 'error path' in result.error and printed(result) == []


def test_a_task_that_errs_and_continues_on_error_takes_its_error_path_or_goes_on():
    on_path = run(failing_gate(continueonerror=True, continueonerrortype='errorPath'), print_task('2', 'next'),
                  print_task('4', 'error path'))
    going_on = run(failing_gate(continueonerror=True), print_task('2', 'next'), print_task('4', 'error path'))

    assert not on_path.failed and printed(on_path) == ['4']
    assert not going_on.failed and printed(going_on) == ['2']


@pytest.mark.parametrize('read', [
    lambda scope: interpolate('${lists.Allowlist}', scope),
    lambda scope: interpolate('allowed: ${lists.Allowlist}', scope),
    lambda scope: resolve({'simple': 'lists.Allowlist'}, scope, is_context=True),
    lambda scope: resolve({'complex': {'root': 'lists.Allowlist', 'transformers': [{'operator': 'uniq'}]}}, scope),
])
def test_a_reference_to_an_xsoar_list_is_refused_not_read_as_a_missing_context_key(read):
    """"In a playbook, you can access the data in a list via the context button under Lists, or by using the path
    ${lists.<list_name>}" (Cortex XSOAR 6.10 Administrator Guide, "Work With Lists"): XSOAR reads the server's list.
    The runner, which holds no lists, read a context key named lists and found nothing (or what a context of that
    name held), so a playbook reading an allow list took its "empty" branch here and the other one in XSOAR."""
    scope = Scope({}, {}, {'lists': {'Allowlist': 'in the context, not a list'}})

    with pytest.raises(UnsupportedError, match='lists'):
        read(scope)


@pytest.mark.parametrize('operator', ['isEqualString', 'isNotEqualString', 'containsString'])
def test_a_string_operator_given_a_list_of_several_values_on_the_right_is_refused_not_read_as_any_of_them(operator):
    """XSOAR casts a string operator's argument (the right side) to a string ("Filters try to cast the transformed value
    and arguments to the appropriate type", "Filter Operators"); only the left side has the rule that a list passes
    when one item does. How it casts a list of several strings (an error, or their joined text) is not documented;
    the runner read it as "equals any of them", which neither is. Refused; one item still compares, and none is refused
    too (tests/test_playbook_values.py -k nothing_on_the_right)."""
    scope = Scope({}, {}, {'Held': 'b', 'Several': ['a', 'b'], 'One': ['b'], 'Nothing': []})

    def compare(right):
        return evaluate({'operator': operator, 'left': {'value': {'simple': 'Held'}, 'iscontext': True},
                         'right': {'value': {'simple': right}, 'iscontext': True}}, scope)

    with pytest.raises(UnsupportedError, match='right'):
        compare('Several')
    assert compare('One') == (operator != 'isNotEqualString')
    with pytest.raises(UnsupportedError, match='nothing on the right'):
        compare('Nothing')


@pytest.mark.parametrize('operator', ['toLowerCase', 'trim', 'splitAndTrim', 'join'])
@pytest.mark.parametrize('held', [OBJECT, ['A', OBJECT]])
def test_a_string_transformer_given_an_object_fails_as_xsoar_cannot_cast_it(operator, held):
    """"Transformers try to cast the transformed value (and arguments) to the necessary type. Tasks will fail if
    casting has failed, for example {"some": "object"} To upper case => Error." (Cortex XSOAR 6.x Playbook Design
    Guide and 6.10 Administrator Guide, "Transformers Operators"). The runner lower-cased, trimmed, split or joined the
    object's Python text."""
    scope = Scope({}, {}, {'Held': held})

    with pytest.raises(UnsupportedError, match='cast'):
        resolve({'complex': {'root': 'Held', 'transformers': [{'operator': operator}]}}, scope)


def test_a_value_the_runner_refuses_to_cast_or_compare_is_quoted_as_json_as_xsoar_shows_it():
    # The design guide writes the object as JSON ({"some": "object"} To upper case => Error), as XSOAR shows values.
    scope = Scope({}, {}, {'Held': {'some': 'object', 'ok': True}, 'Several': ['a', None], 'Text': 'b'})

    def compare(left, right):
        return evaluate({'operator': 'isEqualString', 'left': {'value': {'simple': left}, 'iscontext': True},
                         'right': {'value': {'simple': right}, 'iscontext': True}}, scope)

    with pytest.raises(UnsupportedError) as transformed:
        resolve({'complex': {'root': 'Held', 'transformers': [{'operator': 'toLowerCase'}]}}, scope)
    with pytest.raises(UnsupportedError) as compared:
        compare('Held', 'Text')
    with pytest.raises(UnsupportedError) as several:
        compare('Text', 'Several')
    assert 'toLowerCase was given {"some": "object", "ok": true}: XSOAR cannot cast' in str(transformed.value)
    assert 'a string operator was given {"some": "object", "ok": true}: XSOAR' in str(compared.value)
    assert 'the right side of a string operator is the list ["a", null]: how' in str(several.value)


SUMMARY_YML = Path(__file__).resolve().parents[1] / 'playbooks' / 'scripts' / 'QuarantineRestoreSummary' / \
    'QuarantineRestoreSummary.yml'


def summary_vendor_declaration():
    """QuarantineRestoreSummary's vendor argument as its YAML declares it: (predefined values, defaultValue)."""
    [vendor] = [arg for arg in yaml.safe_load(SUMMARY_YML.read_text())['args'] if arg['name'] == 'vendor']
    return [str(value) for value in vendor['predefined']], str(vendor['defaultValue'])


@pytest.mark.parametrize('arguments, refused', [
    ({'vendr': {'simple': 'xdr'}}, 'vendr'),  # a name the script does not declare: it would never read it
    ({'vendor': {'simple': 'xsoar'}}, 'vendor'),  # not one of its predefined values
])
def test_a_pack_script_given_an_argument_its_yaml_does_not_take_fails_its_task_before_it_runs(
        monkeypatch, arguments, refused):
    """The war room holds a pack script's arguments to its YAML as it holds a command's to integration.yml (spec.py:
    unknown names, predefined values, required ones: a script "raising an error in the playbook" on a mandatory
    argument left empty, demisto/content pull request 748). It handed a script whatever the task gave, so a misspelt
    name ran the script on its default, in silence."""
    result = one_task_run(monkeypatch, 'script', arguments, {})

    assert result.failed and refused in result.error and 'QuarantineRestoreSummary' in result.error
    assert _SeesItsArguments.seen == []


def test_a_pack_script_s_declared_default_fills_an_argument_the_task_leaves_out(monkeypatch):
    # XSOAR fills an argument's defaultValue in when none is given, for a script as for a command (spec.check_args).
    predefined, default = summary_vendor_declaration()

    result = one_task_run(monkeypatch, 'script', {}, {})

    assert not result.failed, result.error
    [seen] = _SeesItsArguments.seen
    assert seen['vendor'] == default and default in predefined


class _CallsTheSummaryWithAMisspeltArgument:
    seen: list = []

    @classmethod
    def main(cls, demisto):
        cls.seen.append(demisto.executeCommand('QuarantineRestoreSummary', {'vendr': 'xdr'}))
        demisto.results('ok')


def test_a_pack_script_a_script_calls_with_an_argument_its_yaml_does_not_take_answers_with_an_error_entry(
        monkeypatch):
    _CallsTheSummaryWithAMisspeltArgument.seen, _SeesItsArguments.seen = [], []
    monkeypatch.setattr('warroom.playbook.runner._load_script', lambda name: (
        _CallsTheSummaryWithAMisspeltArgument if name == 'StandIn' else _SeesItsArguments))
    calls = task('1', 'regular', 'a script', {'#none#': ['99']}, body={'scriptName': 'StandIn'})
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')

    result = PlaybookRunner({}).run(playbook(start, calls, end), {'id': '1'}, {})

    assert not result.failed, result.error
    [[entry]] = _CallsTheSummaryWithAMisspeltArgument.seen
    assert entry['Type'] == 4 and 'vendr' in entry['Contents'] and _SeesItsArguments.seen == []


@pytest.mark.parametrize('nothing', [[], [''], ' ', None], ids=repr)
def test_a_required_argument_given_nothing_from_context_fails_the_task_before_the_command_runs(monkeypatch, nothing):
    """A mandatory argument "empty/missing" raises "an error in the playbook" (demisto/content pull request 748, which
    made AreValuesEqual's arguments optional for that reason). restore-file's file_hash is required (integration.yml):
    given an empty list or a list of blanks, the war room's check read it as text ("[]") and ran the command."""
    result = one_task_run(monkeypatch, 'command', {'file_hash': {'simple': '${Hashes}'}}, {'Hashes': nothing})

    assert result.failed and 'file_hash is required' in result.error
    assert _SeesItsArguments.seen == []


@pytest.mark.parametrize('brand, args, said', [
    (VT, {'incident_id': '414'}, 'belongs to Cortex XDR - IR, not VirusTotal'),  # a Brand|||command of another brand
    ('', {'incident_id': '414', 'execution-timeout': '60'}, 'takes no built-in argument execution-timeout here'),
    ('', {'incident_id': '414', 'execution-timeout': '60', 'extend-context': 'x=y'},
     'takes no built-in arguments execution-timeout, extend-context here'),
    ('', {'incident_id': '414', 'incidentid': '414'}, 'has no argument incidentid'),
    ('', {'incident_id': '414', 'incidentid': '414', 'limit': '1'}, 'has no arguments incidentid, limit'),
])
def test_another_integration_s_recorded_command_refuses_what_its_recording_cannot_answer(brand, args, said):
    # Its declared arguments come from test_data/xsoar/dependencies.json; the brand's recordings answer only them.
    from warroom.playbook.others import OtherIntegrations, ReplayError
    others = OtherIntegrations()
    assert others.run('', 'xdr-get-incident-extra-data', {'incident_id': '414'})  # the recording answers this
    with pytest.raises(ReplayError, match=re.escape(said)):
        others.run(brand, 'xdr-get-incident-extra-data', args)


def test_another_integration_s_command_without_its_required_argument_is_an_error_entry():
    from warroom.playbook.others import OtherIntegrations
    [entry] = OtherIntegrations().run('', 'xdr-get-incident-extra-data', {'alerts_limit': '10'})
    assert entry['Type'] == 4 and 'incident_id is required' in entry['Contents']


def test_a_recorded_reply_that_writes_a_context_path_its_command_does_not_declare_is_refused(tmp_path):
    # What a recording writes is held to the outputs test_data/xsoar/dependencies.json declares for the command.
    from warroom.playbook.others import OtherIntegrations, ReplayError
    replies = tmp_path / 'Cortex XDR - IR' / 'xdr-get-incident-extra-data'
    replies.mkdir(parents=True)
    (replies / '414.json').write_text(json.dumps([{'Type': 1, 'ContentsFormat': 'json', 'Contents': {},
                                                   'EntryContext': {'PaloAltoNetworksXDR.NoSuchOutput': 1}}]))
    with pytest.raises(ReplayError, match='does not declare as its outputs: PaloAltoNetworksXDR.NoSuchOutput'):
        OtherIntegrations(replies_dir=tmp_path).run('', 'xdr-get-incident-extra-data', {'incident_id': '414'})


REFUSED_REPLIES = Path(__file__).resolve().parents[1] / 'test_data' / 'xsoar' / 'refused_replies'


@pytest.mark.parametrize('reply, said', [
    ('undeclared_path', 'does not declare as its outputs: File.Size'),
    ('malicious_as_text', 'does not declare as its outputs: File.Malicious;'),  # declared: its Vendor, Description
    ('dotted_key_within_value', 'EntryContext key "Vendor.Name" within File.Malicious holds a dot'),
])
def test_a_recorded_reply_is_held_to_the_rules_of_this_pack_s_entries(reply, said):
    # An integration's entries are held to the same rules in XSOAR whichever pack it belongs to: the outputs its YAML
    # declares (here test_data/xsoar/dependencies.json's, !file's) and context keys a path can read back.
    from warroom.playbook.others import OtherIntegrations, ReplayError
    others = OtherIntegrations(enabled={VT}, replies_dir=REFUSED_REPLIES)
    with pytest.raises(ReplayError, match=re.escape(said)):
        others.run('', 'file', {'file': reply})


# A task's Quiet Mode setting (quietmode 1 on, 2 off, 0 the playbook's) decides whether its results reach the War
# Room (Cortex XSIAM Administrator Guide, "Playbook task fields"): a note of a quiet task is no note there.
@pytest.mark.parametrize('playbook_quiet, quietmode, is_note', [(False, 0, True), (False, 1, False),
                                                                (True, 0, False), (True, 2, True)])
def test_a_note_task_in_quiet_mode_writes_no_note_to_the_war_room(playbook_quiet, quietmode, is_note):
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')
    note = task('1', 'regular', 'note 1', {'#none#': ['99']}, body={'scriptName': 'Print'},
                scriptarguments={'value': {'simple': 'note 1'}}, note=True, quietmode=quietmode)
    book = Playbook('semantics', 'semantics', '0', {t.id: t for t in (start, note, end)}, quiet=playbook_quiet)

    result = PlaybookRunner({}).run(book, {'id': '1'}, {})

    assert not result.failed, result.error
    assert result.notes == (['note 1'] if is_note else [])


# A filter term's side may carry transformers of its own. Whether XSOAR runs them on the value of the item being
# filtered, or once on the whole list's (every item's field), is not documented (DEVELOPERS.md, "A filter term's
# side"): the runner does either (filter_sides), and the pack's playbooks must answer the same both ways.
FILTER_SIDE_READINGS = ('each item', 'whole list')
PACK_PLAYBOOKS = sorted((Path(__file__).resolve().parents[1] / 'playbooks').glob('*.yml'))


def placeholder_filter(root: str) -> dict:
    """Records whose ``status``, through SetIfEmpty, is the placeholder: a filter side that transforms the item."""
    status = {'complex': {'root': f'{root}.status', 'transformers': [
        {'operator': 'SetIfEmpty', 'args': {'defaultValue': {'value': {'simple': 'none given'}}}}]}}
    return {'complex': {'root': root, 'accessor': 'name', 'filters': [[
        {'operator': 'isEqualString', 'left': {'value': status, 'iscontext': True},
         'right': {'value': {'simple': 'none given'}}}]]}}


@pytest.mark.parametrize('reading, picked', [('each item', 'first'), ('whole list', [])])
def test_a_filter_side_that_transforms_the_item_reads_that_item_or_the_whole_list_as_the_runner_is_told(reading,
                                                                                                      picked):
    records = [{'name': 'first', 'status': ''}, {'name': 'second', 'status': 'done'}]
    scope = Scope({}, {}, {'Run': {'Record': records}}, filter_sides=reading)

    assert resolve(placeholder_filter('Run.Record'), scope) == picked


def filter_sides_reading_the_item(node, found: list, where: str = '') -> list:
    """Each filter term side, in a playbook's YAML, that reads the item being filtered and carries transformers."""
    if isinstance(node, dict):
        root = node.get('root')
        for group in node.get('filters') or () if isinstance(root, str) else ():
            for term in group:
                for side in ('left', 'right'):
                    value = ((term.get(side) or {}).get('value') or {}).get('complex') or {}
                    side_root = str(value.get('root', ''))
                    reads_item = side_root == root or side_root.startswith(root + '.')
                    if reads_item and value.get('transformers'):
                        found.append(f'{where}: {term.get("operator")} {side} {value["root"]}')
        for key, child in node.items():
            filter_sides_reading_the_item(child, found, f'{where}/{key}')
    elif isinstance(node, list):
        for position, child in enumerate(node):
            filter_sides_reading_the_item(child, found, f'{where}/{position}')
    return found


@pytest.mark.parametrize('path', PACK_PLAYBOOKS, ids=[path.stem for path in PACK_PLAYBOOKS])
def test_no_filter_side_of_the_pack_s_playbooks_transforms_the_item_being_filtered(path):
    # A side that transforms a value other than the item's (an input, another key) is the same for every item, so
    # both readings give it alike; one that transforms the item's field answers as XSOAR happens to read it.
    assert filter_sides_reading_the_item(yaml.safe_load(path.read_text()), []) == []


def closed_naming(file_hash: str) -> dict:
    """The False Positive sample closed naming ``file_hash`` alone (its XDR File Artifacts row)."""
    sample = IncidentFile.load(TEST_DATA / 'incidents' / 'xdr_false_positive.json')
    fields = sample.incident['CustomFields']
    artifacts = [dict(fields['xdrfileartifacts'][0], file_sha256=file_hash, filesha256=file_hash)]
    return close_incident(dict(sample.incident, CustomFields=dict(fields, xdrfileartifacts=artifacts)),
                          sample.close_reason)


@pytest.mark.parametrize('reading', FILTER_SIDE_READINGS)
def test_the_xdr_check_after_a_failed_restore_reads_this_run_s_records_alike_whichever_way_xsoar_reads_filter_sides(
        vendors, reading):
    """An earlier close's restore of one file was accepted as an action including no endpoint (endpoints_count 0), and
    this close's restore of another file is too. The check after the failed restore reads this run's record only (not
    the earlier action, whose ID the gate names) and gives the note that no endpoint held the file: so whether XSOAR
    runs a filter side's transformers on each record's action_id or on every record's at once."""
    from warroom.emulator.xdr import ReplyShapes
    xdr, hss = vendors
    xdr.backend.empty_restores = True
    xdr.backend.shapes = ReplyShapes(mixed=False)  # the documented reply, which gives endpoints_count
    earlier_file, this_file = secrets.token_hex(32), secrets.token_hex(32)  # hashes no endpoint holds
    runner = PlaybookRunner({**hss.params(), **xdr.params()}, time_scale=0, sleep=lambda _: None,
                            filter_sides=reading)

    first = runner.run(RESTORE_PLAYBOOK, closed_naming(earlier_file), {})
    again = runner.run(RESTORE_PLAYBOOK, closed_naming(this_file), first.context)

    assert not first.failed and not again.failed, [first.error, again.error]
    records = as_list(get_path(again.context, 'CortexXDR.RestoredFile'))
    assert sorted(record['file_hash'] for record in records) == sorted([earlier_file, this_file])
    assert all(record['action_id'] and record['endpoints_count'] == 0 for record in records)
    [note] = [note for note in again.notes if this_file in note]
    assert 'no quarantined copy' in note and 'endpoints_count 0' in note and earlier_file not in note


def _another_restorer(enabled=('Quarantine Restore', 'Other Restorer')):
    """The war room's integrations plus another enabled one that has a command of this pack's name, restore-file."""
    from warroom.playbook.others import OtherCommand, OtherIntegrations, load_other_commands
    shared = OtherCommand('Other Restorer', 'restore-file', ('file_hash',), ('file_hash',), frozenset())
    return OtherIntegrations(enabled=set(enabled), commands={**load_other_commands(), 'restore-file': shared})


@pytest.mark.parametrize('script', ['|||restore-file', 'Quarantine Restore|||restore-file'])
def test_a_task_without_a_brand_is_refused_when_another_enabled_integration_has_the_command(script):
    """XSOAR runs a task whose script names no brand ('|||command') on every enabled integration that has the command,
    so a second integration with a restore-file would be called too. The runner refuses it, naming both; a task that
    names this pack's brand runs here only. The runner ran a brandless task on this pack's integration alone."""
    ask = task('1', 'regular', 'restore', {'#none#': ['99']}, continueonerror=True,
               body={'script': script, 'iscommand': True},
               scriptarguments={'file_hash': {'simple': 'ab' * 32}, 'polling': {'simple': 'false'}})
    start, end = task('0', 'start', '', {'#none#': ['1']}), task('99', 'title', 'Done')

    result = PlaybookRunner({}, others=_another_restorer()).run(playbook(start, ask, end), {'id': '1'}, {})

    if script.startswith('|||'):
        assert result.failed and 'Other Restorer' in result.error
        assert 'Quarantine Restore|||restore-file' in result.error
    else:
        [event] = [event for event in result.events if event.task == '1']
        assert event.command == 'restore-file' and 'Other Restorer' not in str(event.entries)
