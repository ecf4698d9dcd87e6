"""XSOAR's built-in command arguments (`using`, `execution-timeout`, `extend-context`, ...), which the server reads on
every integration command, typed in the war room or run by a playbook task: the war room takes them as XSOAR does,
refuses a value of the wrong form, and hands them to the integration as XSOAR does (DEVELOPERS.md, "Built-in
arguments").

Everything runs against the emulated Cortex XDR tenant on 127.0.0.1; "no request was sent" is its request log.
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

import facts
import restore_integration
from conftest import (ROOT, FakeClock, hss_seed_copies, integration_on_clock, seed_failing_endpoints, seed_holders,
                      start_tenant)
from warroom.context import get_path
from warroom.debug_mode import DebugLog, censored
from warroom.emulator.faults import FaultPlan
from warroom.line import parse_line
from warroom.playbook.model import Playbook, Task
from warroom.playbook.runner import PlaybookRunner
from warroom.runtime import Demisto, WarRoom
from warroom.spec import ArgumentError

INTEGRATION = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
BRAND, CATEGORY = INTEGRATION['commonfields']['id'], INTEGRATION['category']
HOLDERS, FAILING = seed_holders(), seed_failing_endpoints()
HASH = sorted(HOLDERS)[0]
PARTLY_FAILING_HASH = next(h for h, eps in sorted(HOLDERS.items()) if set(eps) & set(FAILING))


@pytest.fixture
def tenant():
    tenant = start_tenant(auth_type='advanced')
    yield tenant
    tenant.server.stop()


def room_on(tenant, **options) -> WarRoom:
    return WarRoom(params=tenant.params(), time_scale=0.0, sleep=lambda _: None, **options)


def restore(tenant, room: WarRoom | None = None, **builtins):
    return (room or room_on(tenant)).run('restore-file', {'file_hash': HASH, 'polling': 'false', **builtins})


def started_action_id(tenant) -> int:
    [action_id] = tenant.backend.actions
    return action_id


# --------------------------------------------------------------------------- using, using-brand, using-category

def test_using_names_the_war_rooms_instance_and_the_restore_runs(tenant):
    result = restore(tenant, using=facts.WAR_ROOM_INSTANCE)

    assert not result.failed, result.entries
    assert get_path(result.context, f'{facts.XDR_CONTEXT_PATH}.action_id') == started_action_id(tenant)


def test_an_instance_the_war_room_does_not_run_is_an_error_entry_and_no_request_is_sent(tenant):
    result = restore(tenant, using='Quarantine Restore_instance_2')

    [entry] = result.entries
    assert entry['Type'] == facts.ENTRY_ERROR and result.runs == 0
    assert 'Quarantine Restore_instance_2' in entry['Contents'] and facts.WAR_ROOM_INSTANCE in entry['Contents']
    assert tenant.gateway.requests == [] and result.context == {}


@pytest.mark.parametrize('name, value', [('using-brand', BRAND), ('using-brand', f'VirusTotal,{BRAND}'),
                                         ('using-category', CATEGORY)])
def test_using_brand_and_category_of_this_integration_run_the_restore(tenant, name, value):
    result = restore(tenant, **{name: value})

    assert not result.failed and get_path(result.context, facts.XDR_CONTEXT_PATH)


@pytest.mark.parametrize('name, value', [('using-brand', 'VirusTotal'), ('using-category', 'Data Enrichment')])
def test_another_brand_or_category_picks_no_instance_here_and_sends_nothing(tenant, name, value):
    result = restore(tenant, **{name: value})

    [entry] = result.entries
    assert entry['Type'] == facts.ENTRY_ERROR and value in entry['Contents'] and result.runs == 0
    assert tenant.gateway.requests == []


# --------------------------------------------------------------------------- execution-timeout

def test_execution_timeout_stops_a_run_sooner_than_the_war_rooms_limit(tenant):
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=slow;delay=1.4'))  # answered, 1.4 s late

    result = restore(tenant, room_on(tenant, execution_timeout=30), **{'execution-timeout': '1'})

    [entry] = result.entries
    assert entry['Type'] == facts.ENTRY_ERROR and 'past the execution timeout of 1 s' in entry['Contents']
    assert get_path(result.context, facts.XDR_CONTEXT_PATH) is None  # what the stopped run returned is dropped


def test_execution_timeout_lets_a_run_go_on_past_the_war_rooms_limit(tenant):
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=slow;delay=0.6'))

    result = restore(tenant, room_on(tenant, execution_timeout=0.3), **{'execution-timeout': '600'})

    assert not result.failed, result.entries
    assert get_path(result.context, f'{facts.XDR_CONTEXT_PATH}.action_id') == started_action_id(tenant)


def test_a_run_given_a_short_execution_timeout_ends_its_requests_in_time_for_its_entry(tenant):
    # Cortex XDR asks to wait 25 s: a run that waits it out under execution-timeout=15 sends the restore and XSOAR
    # drops its entry, so an action starts that no record names, and the analyst's next run sends a second one.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=25'))

    result = restore(tenant, **{'execution-timeout': '15'})

    [entry] = result.entries
    assert 'past the execution timeout' not in entry['Contents'], entry['Contents']
    assert entry['Type'] == facts.ENTRY_ERROR and 'HTTP 429' in entry['Contents'], entry['Contents']
    recorded = get_path(result.context, f'{facts.XDR_CONTEXT_PATH}.action_id')
    assert list(tenant.backend.actions) == ([] if recorded is None else [recorded])


def test_a_429_under_a_short_execution_timeout_gives_the_wait_such_a_run_has(tenant):
    # The 429's advice said "one run waits at most 165 s", XSOAR's 3 minutes' figure, to a run given 30 s.
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=25'))

    [entry] = restore(tenant, **{'execution-timeout': '30'}).entries

    said = re.search(r'one run waits at most (\d+) s', entry['Contents'])
    waited = re.search(r'past the (\d+) s this command waits for throttling', entry['Contents'])
    assert said and waited and said.group(1) == waited.group(1), entry['Contents']
    assert int(said.group(1)) < 30


# README, "One run stays short": "one run waits at most 165 s for its turns" (facts.MAX_RUN_WAIT_SECONDS), a run XSOAR
# gives its 3 minutes. A 429 asking for longer, in a run given no execution-timeout, names that wait on either vendor.
def test_a_429_past_what_a_3_minute_run_waits_gives_that_wait_in_cortex_xdrs_advice(tenant):
    tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=3600'))

    [entry] = restore(tenant).entries

    message = entry['Contents']
    assert entry['Type'] == facts.ENTRY_ERROR and 'HTTP 429' in message, message
    assert re.findall(r'one run waits at most (\d+) s', message) == [str(facts.MAX_RUN_WAIT_SECONDS)], message


def test_a_429_past_what_a_3_minute_run_waits_gives_that_wait_in_huawei_cloud_hss_advice(hss_tenant):
    hss_tenant.gateway.inject_faults(FaultPlan.parse('sequence=429;retry-after=3600'))
    room = WarRoom(params=hss_tenant.params(), time_scale=0.0, sleep=lambda _: None)

    result = room.run('hss-restore-isolated', {'file_hash': sorted(hss_seed_copies())[0], 'polling': 'false'})

    message = result.entries[-1]['Contents']
    assert result.failed and 'HTTP 429' in message, message
    assert re.findall(r'one run waits at most (\d+) s', message) == [str(facts.MAX_RUN_WAIT_SECONDS)], message


def test_a_turn_too_late_under_a_short_execution_timeout_names_that_limit_not_timeout_in_seconds(monkeypatch):
    # Paced at 0.1 requests/s, the third restore's turn is 20 s away, past what a run given 30 s may wait: a larger
    # timeout_in_seconds would not help it, the execution-timeout is the limit.
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_tenant(auth_type='advanced', clock=clock, wall_clock=moved.time)
    try:
        room = WarRoom(params=tenant.params(xdr_rate_limit='0.1'), sleep=clock.advance, clock=clock)
        [entry] = room.run('restore-file', {'file_hash': ','.join(sorted(HOLDERS)[:3]), 'polling': 'false',
                                            'execution-timeout': '30'}).entries
    finally:
        tenant.server.stop()

    said = entry['HumanReadable']
    assert 'came too late' in said and 'execution-timeout, 30 s' in said, said
    assert 'larger timeout_in_seconds' not in said, said


def test_execution_timeout_also_ends_the_polling_sequence_in_xsoars_timeout_error():
    # content-docs code-conventions.md, on an entry's Timeout: "if a user has provided an execution-timeout, it
    # overrides the timeout specified by this field". The action stays pending: only that override ends the polling at
    # 60 s.
    tenant = start_tenant(auth_type='advanced', stage_seconds=3600)
    try:
        result = room_on(tenant).run('restore-file', {'file_hash': HASH, 'execution-timeout': '60'})
    finally:
        tenant.server.stop()

    last = result.entries[-1]
    assert last['Type'] == facts.ENTRY_ERROR and 'timeout of 60 s ran out' in last['Contents']
    assert result.runs <= 7  # a first run and a check every 10 s: the integration's own 600 s never came


def test_a_polling_sequence_ended_by_execution_timeout_says_so_and_gives_the_check_that_follows_the_action():
    # The message told the analyst to run the command again with a larger timeout_in_seconds: that sends the restore
    # again (a second action), and no timeout_in_seconds helps while the execution-timeout given replaces it.
    tenant = start_tenant(auth_type='advanced', stage_seconds=3600)
    try:
        room = room_on(tenant)
        message = room.run('restore-file', {'file_hash': HASH, 'execution-timeout': '60'}).entries[-1]['Contents']
        [action_id] = tenant.backend.actions
        assert 'execution-timeout' in message and 'larger timeout_in_seconds' not in message, message
        assert 'its timeout of 60 s ran out' in message, message  # the execution-timeout given ended it

        follow = parse_line(message.split('run its next check: ', 1)[1])
        room.run(follow.command, follow.args)
    finally:
        tenant.server.stop()

    assert list(tenant.backend.actions) == [action_id]  # followed, not sent again
    assert get_path(room.context, f'{facts.XDR_CONTEXT_PATH}.action_id') == action_id


def test_the_next_check_a_polling_timeout_error_gives_follows_the_action_anew_when_run_later(monkeypatch):
    # The line carried the ended sequence's polling_started and polling_checks: run an hour later, the polling time it
    # counted from them had run out, so it made one last check. Run later, it follows the action: it checks again.
    clock = FakeClock()
    moved = integration_on_clock(monkeypatch, clock)
    tenant = start_tenant(auth_type='advanced', stage_seconds=3600, clock=clock, wall_clock=moved.time)
    try:
        room = WarRoom(params=tenant.params(), sleep=clock.advance, clock=clock)
        message = room.run('restore-file', {'file_hash': HASH, 'execution-timeout': '60'}).entries[-1]['Contents']
        [action_id] = tenant.backend.actions
        follow = parse_line(message.split('run its next check: ', 1)[1])
        clock.advance(3600)
        followed = room.run(follow.command, follow.args)
    finally:
        tenant.server.stop()

    assert followed.runs > 1 and 'PollingCommand' in followed.entries[0], followed.entries[0]
    assert list(tenant.backend.actions) == [action_id]  # followed, not sent again


# ---------------------------------------------------------------- ignore-outputs, extend-context, raw-response

def test_ignore_outputs_writes_no_context_but_the_restore_still_runs(tenant):
    result = restore(tenant, **{'ignore-outputs': 'true'})

    assert not result.failed and result.context == {}
    assert started_action_id(tenant)


def test_extend_context_writes_each_key_from_the_vendors_reply(tenant):
    result = restore(tenant, **{'extend-context': 'RestoreAction=action_id::RestoreReply='})

    action_id = started_action_id(tenant)
    assert result.context['RestoreAction'] == action_id
    # an empty path: the whole reply, the seed's Restore File fields (status 1: succeeded; endpoints_count, text: the
    # endpoints included) beside the file it restores, as every raw reply of restore-file names it
    assert result.context['RestoreReply'] == {'action_id': action_id, 'status': 1, 'file_hash': HASH,
                                              'endpoints_count': str(len(HOLDERS[HASH]))}
    assert get_path(result.context, f'{facts.XDR_CONTEXT_PATH}.action_id') == action_id  # the outputs too


def test_extend_context_with_ignore_outputs_writes_only_the_extended_keys(tenant):
    result = restore(tenant, **{'extend-context': 'RestoreAction=action_id', 'ignore-outputs': 'true'})

    assert result.context == {'RestoreAction': started_action_id(tenant)}


def test_raw_response_shows_the_vendors_reply_instead_of_the_readable_output(tenant):
    shown = []
    room = WarRoom(params=tenant.params(), time_scale=0.0, on_entry=shown.append)

    result = restore(tenant, room, **{'raw-response': 'true'})

    [entry] = shown
    assert 'HumanReadable' not in entry and entry['Contents']['action_id'] == started_action_id(tenant)
    assert get_path(result.context, facts.XDR_CONTEXT_PATH)  # the outputs are written as ever


# --------------------------------------------------------------------------- form, and what the integration sees

@pytest.mark.parametrize('name, value', [
    ('execution-timeout', 'abc'), ('execution-timeout', '0'), ('execution-timeout', '-5'), ('execution-timeout', '1.5'),
    ('ignore-outputs', 'maybe'), ('raw-response', 'yes'), ('debug-mode', '1'),
    ('retry-count', '-1'), ('retry-count', 'twice'), ('retry-interval', 'soon'),
    ('auto-extract', 'sometimes'), ('extend-context', 'no-key-here'), ('extend-context', '=action_id'),
    ('using-brand', ','),
])
def test_a_built_in_argument_of_the_wrong_form_is_refused_before_anything_runs(tenant, name, value):
    with pytest.raises(ArgumentError, match=name) as refused:
        restore(tenant, **{name: value})

    assert f'; got "{value}"' in str(refused.value)
    assert tenant.gateway.requests == []


def test_unknown_arguments_that_are_not_built_in_stay_refused(tenant):
    with pytest.raises(ArgumentError, match='unknown argument.*execution_timeout'):
        restore(tenant, execution_timeout='600')  # XSOAR's name has a dash

    assert tenant.gateway.requests == []


EVERY_OTHER_BUILTIN = {'using': facts.WAR_ROOM_INSTANCE, 'using-brand': BRAND, 'using-category': CATEGORY,
                       'execution-timeout': '120', 'retry-count': '2', 'retry-interval': '30', 'auto-extract': 'none',
                       'debug-mode': 'false'}


def test_built_in_arguments_reach_demisto_args_as_xsoar_passes_them_but_a_true_debug_mode(monkeypatch):
    """XSOAR hands a run the arguments of its calling context, built-in ones included: DemistoClassApiModuleClasses.py
    (demisto/content) drops debug-mode from them only when the run is in debug mode, so the server puts it there,
    and nothing says it takes the others out. The war room took every one out, so the integration never met them."""
    seen = []
    monkeypatch.setattr(restore_integration, 'main', lambda demisto: (seen.append(demisto.args()),
                                                                      demisto.results('ok')))
    room = WarRoom(params={})

    room.run('restore-file', {'file_hash': HASH, 'polling': 'false', **EVERY_OTHER_BUILTIN})
    room.run('restore-file', {'file_hash': HASH, 'polling': 'false', 'debug-mode': 'true'})

    assert {name: seen[0].get(name) for name in EVERY_OTHER_BUILTIN} == EVERY_OTHER_BUILTIN
    assert not set(seen[1]) & set(facts.XSOAR_BUILTIN_ARGUMENTS)


def test_a_polling_command_given_built_in_arguments_carries_none_of_them_into_its_next_run(tenant):
    # XSOAR recognizes only the arguments a polling command declares in its next run (content-docs
    # scheduled-commands.md); the built-in ones the first run met are the server's, not the command's.
    result = room_on(tenant).run('restore-file', {'file_hash': HASH, **EVERY_OTHER_BUILTIN}, follow_polling=False)

    [entry] = result.entries
    assert not result.failed, entry
    carried = entry['PollingArgs']
    assert carried['file_hash'] == HASH
    assert not set(carried) & set(facts.XSOAR_BUILTIN_ARGUMENTS)


# --------------------------------------------------------------------------- debug-mode


def test_debug_mode_logs_every_request_and_reply_header_as_commonserverpythons_debug_logger_does(tenant):
    # CommonServerPython's DebugLogger (demisto/content): http.client's debuglevel 1, its print to the log at info.
    result = restore(tenant, **{'debug-mode': 'true'})
    received = [(request.method, request.path) for request in tenant.gateway.requests]  # the emulator's own log
    quiet = restore(tenant, **{'debug-mode': 'false'})

    logged = [text for level, text in result.log if level == 'info']
    # http.client prints a request's line and headers as one "send:", its body apart: one request line per request
    request_lines = [re.match(r"send: b'([A-Z]+) (\S+) HTTP/1\.1", text) for text in logged]
    assert not result.failed and received
    assert [match.groups() for match in request_lines if match] == received, logged
    replies = [text for text in logged if text.startswith('reply: ')]
    assert len(replies) == len(received) and all(re.match(r"reply: 'HTTP/1\.[01] \d{3} ", text) for text in replies)
    # each reply's headers, Content-Type among them (the emulator sends JSON), one line a header
    assert len([text for text in logged if text.lower().startswith('header: content-type:')]) == len(received), logged
    assert not [text for _, text in quiet.log if text.startswith(('send:', 'reply:', 'header:'))]
    assert http.client.HTTPConnection.debuglevel == 0 and 'print' not in vars(http.client)  # undone after the run


def test_debug_mode_on_a_bulk_restore_has_xsoar_take_the_debug_log_lines_of_the_worker_threads(tenant):
    # CSP's debug log calls demisto.info from the thread that sends each request: the bulk work's threads. XSOAR's
    # Demisto serves that safely only after demisto.enable_multithreading() (DemistoClassApiModule: its channel locked).
    hashes = sorted(HOLDERS)[:3]

    result = room_on(tenant).run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false',
                                                  'debug-mode': 'true'})

    assert not result.failed, result.entries
    restores = [text for _, text in result.log if text.startswith("send: b'POST /public_api/v1/endpoints/restore/ ")]
    assert len(restores) == len(hashes) == len(tenant.backend.actions)


@pytest.mark.parametrize('line, expected', [
    # the word after a word holding a keyword (any case): after Bearer, JWT or Basic, the word after that
    ("send: b'GET / HTTP/1.1\\r\\nAuthorization: Basic dXNlcjpwdw==\\r\\nX-Auth-Token: MIIabc\\r\\n\\r\\n'",
     "send: b'GET / HTTP/1.1\\r\\nAuthorization: Basic <XX_REPLACED>\\r\\nX-Auth-Token: <XX_REPLACED>\\r\\n\\r\\n'"),
    # a word masked is not a keyword when its turn comes; only the first word of a value with blanks goes
    ('send: b\'{"methods": ["password"], "password": {"user": {"password": "a b", "k": 1}}}\'',
     'send: b\'{"methods": ["password"], <XX_REPLACED> {"user": {"password": <XX_REPLACED> b", "k": 1}}}\''),
    ('header: X-Subject-Token: MIIabc', 'header: X-Subject-Token: <XX_REPLACED>'),
    ('header: Signature: 0f0f', 'header: Signature: 0f0f'),
])
def test_debug_mode_censors_what_commonserverpythons_censor_request_logs_censors(line, expected):
    assert censored(line) == expected


def test_debug_mode_masks_the_params_commonserverpython_masks_and_the_strings_the_integration_adds():
    log = []
    demisto = Demisto({}, 'restore-file', {}, {}, log)
    debug_log = DebugLog({'api_key': 'k' * 8, 'creds': {'identifier': 'me', 'password': 'p' * 8}, 'url': 'u' * 8},
                         demisto)
    debug_log.add('s' * 8)

    basic = base64.b64encode(b'me:' + b'p' * 8).decode()  # a credentials param's login as HTTP Basic sends it

    debug_log.print('reply:', f"'{'k' * 8} {'p' * 8} {'s' * 8} {'u' * 8} {basic}'")

    assert log == [('info', f"reply: '<XX_REPLACED> <XX_REPLACED> <XX_REPLACED> {'u' * 8} <XX_REPLACED>'")]


def test_the_integration_declares_no_argument_under_a_built_in_name():
    # The server takes these names for itself (demisto/content pull request 1749: "command-timeout" was "reserved for
    # global command argument", and an integration renamed its own argument of that name).
    declared = {a['name'] for c in INTEGRATION['script']['commands'] for a in c.get('arguments') or ()}

    assert not declared & set(facts.XSOAR_BUILTIN_ARGUMENTS)


# --------------------------------------------------------------------------- playbook tasks

def command_task(command='restore-file', **scriptarguments) -> Task:
    arguments = {name: {'simple': value} for name, value in scriptarguments.items()}
    return Task('1', 'regular', command, {'type': 'regular', 'nexttasks': {'#none#': ['2']}, 'scriptarguments':
                                          arguments, 'task': {'type': 'regular', 'iscommand': True,
                                                              'script': f'|||{command}'}})


def run_task(tenant, task: Task):
    start = Task('0', 'start', '', {'type': 'start', 'task': {}, 'nexttasks': {'#none#': ['1']}})
    end = Task('2', 'title', 'Done', {'type': 'title', 'task': {}, 'nexttasks': {}})
    playbook = Playbook('builtins', 'builtins', '0', {t.id: t for t in (start, task, end)})
    return PlaybookRunner(tenant.params(), time_scale=0.0, sleep=lambda _: None).run(playbook, {'id': '1'}, {})


def test_a_playbook_task_takes_built_in_arguments_in_its_scriptarguments(tenant):
    task = command_task(file_hash=HASH, polling='false', using=facts.WAR_ROOM_INSTANCE,
                        **{'extend-context': 'RestoreAction=action_id', 'ignore-outputs': 'true',
                           'execution-timeout': '600'})

    run = run_task(tenant, task)

    assert not run.failed, run.error
    assert run.context == {'RestoreAction': started_action_id(tenant)}


def test_a_playbook_task_on_an_instance_the_war_room_does_not_run_fails_without_a_request(tenant):
    run = run_task(tenant, command_task(file_hash=HASH, polling='false', using='Other_instance_1'))

    assert run.failed and 'Other_instance_1' in run.error
    assert tenant.gateway.requests == []


def test_a_playbook_task_with_a_built_in_argument_of_the_wrong_form_is_refused(tenant):
    run = run_task(tenant, command_task(file_hash=HASH, **{'execution-timeout': 'abc'}))

    assert run.failed and 'execution-timeout' in run.error
    assert tenant.gateway.requests == []


def test_a_playbook_task_whose_context_the_war_room_cannot_merge_stops_the_run_naming_the_task(tenant):
    # The runner refuses what it does not interpret by playbook and task (DEVELOPERS.md); a context key it cannot
    # merge escaped it as an exception instead, a traceback from `warroom playbook` and `warroom close`.
    key = f'{facts.XDR_CONTEXT_PATH}.Reply'  # under the records of two files: a list
    task = command_task(file_hash=','.join(sorted(HOLDERS)[:2]), polling='false', **{'extend-context': f'{key}='})

    run = run_task(tenant, task)

    assert run.failed and task.label in run.error and key in run.error


def test_a_built_in_argument_on_another_integrations_recorded_command_is_refused_by_name(tenant):
    # The runner answers other integrations' commands from recorded replies, which cannot honour using-brand: it
    # refuses what it does not interpret, and says so, rather than calling the argument unknown.
    run = run_task(tenant, command_task('file', file=HASH, **{'using-brand': 'VirusTotal'}))

    assert run.failed and 'using-brand' in run.error and 'built-in' in run.error


# --------------------------------------------------------------------------- the command line

def warroom(*args):
    return subprocess.run([sys.executable, '-m', 'warroom', *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


def test_cli_runs_on_the_named_instance_and_shows_the_raw_reply():
    line = f'!restore-file file_hash={HASH} polling=false using="{facts.WAR_ROOM_INSTANCE}" raw-response=true'

    done = warroom('run', line, '--time-scale', '0')

    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert set(reply) >= {'action_id', 'endpoints_count'} and 'restoring file' not in done.stdout


def test_cli_ignore_outputs_leaves_the_context_empty_and_the_exit_status_still_counts_the_failure():
    done = warroom('run', f'!restore-file file_hash={PARTLY_FAILING_HASH} ignore-outputs=true', '--json',
                   '--time-scale', '0')

    assert done.returncode == 3, done.stderr  # one endpoint could not restore it (README: exit status)
    assert json.loads(done.stdout)['context'] == {}


def test_cli_refuses_a_built_in_argument_of_the_wrong_form_with_exit_2():
    done = warroom('run', f'!restore-file file_hash={HASH} execution-timeout=abc')

    assert done.returncode == 2 and done.stdout == ''
    assert 'execution-timeout must be' in done.stderr and '"abc"' in done.stderr


def test_cli_an_extend_context_key_inside_the_records_of_several_files_is_refused_in_one_line_not_a_traceback():
    # Two files: the outputs write CortexXDR.RestoredFile as a list, and a key under it names no one object in it.
    hashes = ','.join(sorted(HOLDERS)[:2])
    key = f'{facts.XDR_CONTEXT_PATH}.Reply'

    done = warroom('run', f'!restore-file file_hash={hashes} polling=false extend-context={key}=', '--time-scale', '0')

    assert done.returncode == 1, done.stderr
    assert 'Traceback' not in done.stderr, done.stderr
    [error] = [line for line in done.stderr.splitlines() if not line.startswith('Cortex XDR restores sent: ')]
    assert error.startswith('ERROR: ') and key in error


def test_cli_an_unknown_instance_is_an_error_entry_with_exit_1():
    done = warroom('run', f'!restore-file file_hash={HASH} using=Nowhere_instance_1', '--time-scale', '0')

    assert done.returncode == 1
    assert 'Nowhere_instance_1' in done.stderr and facts.WAR_ROOM_INSTANCE in done.stderr
