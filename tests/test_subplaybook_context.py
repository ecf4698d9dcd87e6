"""What a sub-playbook reads of its caller's context and what its caller gets back, by the calling task's
separatecontext, as the public sources found say XSOAR does: small playbooks built here, no vendor involved.

Sources:
- separatecontext true is the editor's "Private to sub-playbook" context (demisto/content
  Packs/CommonPlaybooks/Playbooks/playbook-GenericPolling.yml, description), false its "Shared globally" one (a
  reviewer in demisto/content pull request 28929).
- A private sub-playbook's data is kept apart from its caller's: "When a task in a main playbook accesses context
  data, it does not have direct access to sub-playbook data" (Cortex XSIAM documentation, "Use context data in a
  playbook", "Context data in sub-playbooks"); XSOAR keeps it under the incident context's key
  ``subplaybook-<currentPlaybookID>``, where GenericPollingScheduledTask writes a polling command's EntryContext for
  the sub-playbook that scheduled it, each key prefixed whole, DT included (demisto/content
  Packs/CommonScripts/Scripts/GenericPollingScheduledTask), and DeleteContext deletes with subplaybook=yes.
- What the caller gets back of it is what it declares as outputs: "Make sure that the data you want to get from a
  sub-playbook is defined in the outputs, so that it can be used outside of that playbook" (content-docs
  docs/playbooks/playbook-contributions.md); asked whether a sub-playbook's context keys the caller reads need its
  context "Shared globally", a reviewer answered "No, if it's in the sub playbook outputs than it's ok as private
  context" (demisto/content pull request 28929).
- A shared sub-playbook writes to its caller's context: the same author asked whether to share the context globally
  so that the caller could read keys the sub-playbook writes (pull request 28929), and demisto/content pull request
  35085 fixed a playbook that failed on "the subplaybook context not being shared globaly".
"""
from __future__ import annotations

import pytest

from warroom.playbook.model import Playbook, PlaybookLibrary, Task
from warroom.playbook.runner import PlaybookRunner

CHILD = 'child'
DECLARED, UNDECLARED = 'Declared.Value', 'Undeclared.Value'


def task(task_id, kind, name, nexttasks=None, **raw):
    body = {'name': name, 'type': kind, **raw.pop('body', {})}
    return Task(task_id, kind, name, {'type': kind, 'task': body, 'nexttasks': nexttasks or {}, **raw})


def set_task(task_id, key, value, follow):
    return task(task_id, 'regular', f'set {key}', {'#none#': [follow]}, body={'scriptName': 'Set'},
                scriptarguments={'key': {'simple': key}, 'value': {'simple': value}})


def print_task(task_id, text, follow):
    return task(task_id, 'regular', f'print {task_id}', {'#none#': [follow]}, body={'scriptName': 'Print'},
                scriptarguments={'value': {'simple': text}})


def child_playbook():
    """Writes a key it declares as an output and one it does not, and prints a key only its caller holds."""
    tasks = [task('0', 'start', '', {'#none#': ['1']}), set_task('1', DECLARED, 'out', '2'),
             set_task('2', UNDECLARED, 'kept inside', '3'), print_task('3', 'caller holds ${Caller.Value}', '99'),
             task('99', 'title', 'Done')]
    return Playbook(CHILD, CHILD, '0', {t.id: t for t in tasks}, outputs=[{'contextPath': 'Declared'}])


def run_caller(separate: bool, held: dict | None = None, outputs: str = 'add'):
    """A caller holding ``held`` (and Caller.Value c1) runs the child; ``outputs``: the runner's
    sub_playbook_outputs."""
    library = PlaybookLibrary()
    library.add(child_playbook())
    tasks = [task('0', 'start', '', {'#none#': ['1']}),
             task('1', 'playbook', CHILD, {'#none#': ['99']}, body={'playbookName': CHILD}, separatecontext=separate),
             task('99', 'title', 'Done')]
    caller = Playbook('caller', 'caller', '0', {t.id: t for t in tasks})
    runner = PlaybookRunner({}, library=library, sub_playbook_outputs=outputs)
    return runner.run(caller, {'id': '1'}, {**(held or {}), 'Caller': {'Value': 'c1'}})


def test_a_sub_playbook_with_a_context_of_its_own_hands_back_what_it_declares_as_outputs_and_nothing_else():
    result = run_caller(separate=True)

    assert not result.failed, result.error
    # the whole context: the caller's own key and the declared output; Undeclared kept in the sub-playbook's context
    assert result.context == {'Caller': {'Value': 'c1'}, 'Declared': {'Value': 'out'}}
    # What the sub-playbook's Print read of ${Caller.Value} is not asserted: whether a private sub-playbook reads its
    # caller's keys where its own context holds none, no public source found says (DEVELOPERS.md).


def test_a_sub_playbook_sharing_its_caller_s_context_writes_every_key_there_and_reads_the_caller_s_keys():
    result = run_caller(separate=False)

    assert not result.failed, result.error
    assert result.context['Declared'] == {'Value': 'out'} and result.context['Undeclared'] == {'Value': 'kept inside'}
    assert 'caller holds c1' in [event.entries[0]['Contents'] for event in result.events if event.command == 'Print']


@pytest.mark.parametrize('outputs, held', [('add', [{'Value': 'earlier'}, {'Value': 'out'}]),
                                           ('replace', {'Value': 'out'})])
def test_the_runner_adds_a_private_sub_playbook_s_outputs_to_the_caller_s_value_or_puts_them_in_its_place(outputs,
                                                                                                          held):
    """No public source says which XSOAR does (DEVELOPERS.md): sub_playbook_outputs lets the pack's tests run both."""
    result = run_caller(separate=True, held={'Declared': {'Value': 'earlier'}}, outputs=outputs)

    assert not result.failed, result.error
    assert result.context['Declared'] == held and result.context['Caller'] == {'Value': 'c1'}


def run_scoped_child(arguments: dict):
    """A caller running a child whose input Scope defaults to the incident's host field; the child prints what its
    Scope holds. ``arguments``: what the calling task maps the child's inputs to."""
    library = PlaybookLibrary()
    child_tasks = [task('0', 'start', '', {'#none#': ['1']}), print_task('1', 'scope [${inputs.Scope}]', '99'),
                   task('99', 'title', 'Done')]
    library.add(Playbook(CHILD, CHILD, '0', {t.id: t for t in child_tasks},
                         [{'key': 'Scope', 'value': {'complex': {'root': 'incident', 'accessor': 'hostfield'}}}]))
    tasks = [task('0', 'start', '', {'#none#': ['1']}),
             task('1', 'playbook', CHILD, {'#none#': ['99']}, body={'playbookName': CHILD}, separatecontext=True,
                  scriptarguments=arguments),
             task('99', 'title', 'Done')]
    caller = Playbook('caller', 'caller', '0', {t.id: t for t in tasks})
    result = PlaybookRunner({}, library=library).run(caller, {'id': '1', 'hostfield': 'incident-host'}, {})
    assert not result.failed, result.error
    return [event.entries[0]['Contents'] for event in result.events if event.command == 'Print']


# A sub-playbook input the calling task maps to a value that resolves to nothing: XSOAR hands the sub-playbook that
# nothing and ignores the input's default ("defining a sub playbook input to take a non-existed context key - will
# ignore the inputs' default values", a reviewer in demisto/content pull request 20296). The runner filled in the
# default instead, so a caller that meant a scope and gave an empty one was run locally on the default's scope.
def test_an_input_the_calling_task_maps_to_nothing_reaches_the_sub_playbook_empty_not_as_its_default():
    assert run_scoped_child({'Scope': {'complex': {'root': 'Caller.NoSuchKey'}}}) == ['scope []']
    assert run_scoped_child({'Scope': {'simple': '${Caller.NoSuchKey}'}}) == ['scope []']


def test_an_input_the_calling_task_does_not_map_takes_the_sub_playbook_s_own_default():
    assert run_scoped_child({}) == ['scope [incident-host]']
    assert run_scoped_child({'Scope': {'simple': 'chosen-host'}}) == ['scope [chosen-host]']


def run_child_called_with(arguments: dict, required: bool):
    """A caller mapping ``arguments`` to a child whose one input, Scope, has no default (``required`` or not)."""
    library = PlaybookLibrary()
    child_tasks = [task('0', 'start', '', {'#none#': ['1']}), print_task('1', 'scope [${inputs.Scope}]', '99'),
                   task('99', 'title', 'Done')]
    library.add(Playbook(CHILD, CHILD, '0', {t.id: t for t in child_tasks},
                         [{'key': 'Scope', 'value': {}, 'required': required}]))
    tasks = [task('0', 'start', '', {'#none#': ['1']}),
             task('1', 'playbook', CHILD, {'#none#': ['99']}, body={'playbookName': CHILD}, separatecontext=True,
                  scriptarguments=arguments),
             task('99', 'title', 'Done')]
    caller = Playbook('caller', 'caller', '0', {t.id: t for t in tasks})
    return PlaybookRunner({}, library=library).run(caller, {'id': '1'}, {})


def test_a_sub_playbook_called_without_a_required_input_or_with_one_it_does_not_declare_fails():
    # The runner's rules for a call (PlaybookRunner._inputs): an input marked required needs a value, and a task maps
    # only inputs its sub-playbook declares (test_contract holds the pack's playbooks to the same, statically).
    assert not run_child_called_with({'Scope': {'simple': 'h1'}}, required=True).failed
    missing = run_child_called_with({}, required=True)
    undeclared = run_child_called_with({'Scope': {'simple': 'h1'}, 'Hosts': {'simple': 'h2'}}, required=False)
    assert missing.failed and 'required input Scope has no value' in missing.error
    assert undeclared.failed and 'passes Hosts' in undeclared.error and 'does not declare' in undeclared.error


def calling(name: str, callee: str) -> Playbook:
    """A playbook whose one task runs ``callee`` as a sub-playbook."""
    tasks = [task('0', 'start', '', {'#none#': ['1']}),
             task('1', 'playbook', callee, {'#none#': ['99']}, body={'playbookName': callee}),
             task('99', 'title', 'Done')]
    return Playbook(name, name, '0', {t.id: t for t in tasks})


# Each task of a playbook runs once, so a branch back to an earlier task ends there; a sub-playbook that calls itself
# is a cycle that does not end: each call runs a fresh copy. The runner raised Python's RecursionError for it.
@pytest.mark.parametrize('chain', [['self-caller'], ['first', 'second']], ids=['directly', 'through-another'])
def test_a_playbook_that_calls_itself_as_a_sub_playbook_stops_the_run_with_an_error_naming_the_cycle(chain):
    library = PlaybookLibrary()
    for position, name in enumerate(chain):
        library.add(calling(name, chain[(position + 1) % len(chain)]))

    result = PlaybookRunner({}, library=library).run(chain[0], {'id': '1'}, {})

    shown = ' -> '.join(f'"{name}"' for name in (*chain, chain[0]))
    assert result.failed and f'a sub-playbook cycle: {shown}' in result.error, result.error
    started = [event.playbook for event in result.events if event.kind == 'start']
    assert started == chain, started  # each started once: the call that closes the cycle is refused
