"""`python -m warroom` end to end, as an analyst runs it: a real process, HTTP to the emulator on loopback."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time

import pytest
import yaml

from conftest import (HSS_SEED, ROOT, XDR_SEED, hss_seed_copies, load_json, markdown_rows, seed_failing_endpoints,
                      seed_holders, start_hss_tenant, start_tenant)
from warroom.demo import print_xdr_state
from warroom.emulator.faults import FaultPlan
from warroom.line import parse_line
from warroom.runtime import WarRoom

HOLDERS = seed_holders()
FAILING = seed_failing_endpoints()
PARTLY_FAILING_HASH = next(h for h, eps in sorted(HOLDERS.items()) if any(e in FAILING for e in eps))


def warroom(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, '-m', 'warroom', *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_embedded_run_restores_on_every_endpoint_and_prints_each_status():
    done = warroom('run', f'!restore-file file_hash={PARTLY_FAILING_HASH}', '--time-scale', '0.005')

    assert done.returncode == 3, done.stderr  # finished, one endpoint without its file (README: exit status)
    final = done.stdout.split('### ')[-1]
    assert 'COMPLETED_WITH_FAILURES' in final
    for endpoint_id in HOLDERS[PARTLY_FAILING_HASH]:
        expected = FAILING[endpoint_id]['status'] if endpoint_id in FAILING else 'COMPLETED_SUCCESSFULLY'
        assert f'|{endpoint_id}|{expected}|' in final
    for failure in FAILING.values():
        assert failure['error_description'] in final


def test_json_output_holds_the_entries_and_the_incident_context():
    done = warroom('run', f'!restore-file file_hash={PARTLY_FAILING_HASH}', '--json', '--time-scale', '0')

    assert done.returncode == 3, done.stderr
    output = json.loads(done.stdout)
    record = output['context']['CortexXDR']['RestoredFile']
    assert sorted(e['endpoint_id'] for e in record['endpoints']) == sorted(HOLDERS[PARTLY_FAILING_HASH])
    assert output['entries'][0]['PollingCommand'] == 'restore-file'
    assert 'PollingCommand' not in output['entries'][-1]


def test_debug_mode_shows_the_run_s_log_as_xsoar_hands_it_back_to_the_war_room():
    # XSOAR answers a command run with debug-mode=true with the run's log as an entry of its own (demisto-sdk's
    # run_cmd/runner.py looks for it: "Entry with debug log not found" when it is missing); the README's table of
    # built-in arguments says each request's line and headers go to that log.
    line = f'!restore-file file_hash={PARTLY_FAILING_HASH} polling=false'
    debugged = warroom('run', f'{line} debug-mode=true', '--time-scale', '0')
    plain = warroom('run', line, '--time-scale', '0')

    assert debugged.returncode == plain.returncode == 0, debugged.stderr + plain.stderr
    # the seed's Restore File request (its key ID, 1 on the emulator, masked wherever it stands, as CSP masks it)
    assert "send: b'POST " in debugged.stderr and '/endpoints/restore/ HTTP/' in debugged.stderr
    assert 'header: ' in debugged.stderr and 'send: ' not in plain.stderr + plain.stdout


def test_unknown_missing_and_out_of_list_arguments_are_refused_before_running():
    unknown = warroom('run', '!restore-file file_hash=abc colour=blue')
    missing = warroom('run', '!restore-file endpoint_id=e1')
    predefined = warroom('run', f'!restore-file file_hash={"a" * 64} polling=maybe')
    no_such_command = warroom('run', '!restore-everything')

    for done in (unknown, missing, predefined, no_such_command):
        assert done.returncode == 2
        assert done.stdout == ''
    assert 'unknown argument colour;' in unknown.stderr
    assert 'file_hash is required' in missing.stderr
    assert 'polling must be one of true, false' in predefined.stderr
    assert 'Unknown command !restore-everything' in no_such_command.stderr


def test_an_error_entry_exits_non_zero_with_the_message_on_stderr():
    done = warroom('run', '!restore-file file_hash=12345')

    assert done.returncode == 1
    assert 'file_hash must be a SHA256' in done.stderr


def test_params_file_points_at_a_tenant_and_the_key_can_come_from_the_environment(tmp_path):
    tenant = start_tenant(auth_type='standard')
    try:
        params = tenant.params()
        params['xdr_api_key'] = None  # kept out of the file: the environment supplies it
        params_file = tmp_path / 'params.yml'
        params_file.write_text(yaml.safe_dump(params))
        done = warroom('run', f'!restore-file file_hash={PARTLY_FAILING_HASH} polling=false', '--params',
                       str(params_file), '--json', env={'WARROOM_PARAM_XDR_API_KEY': tenant.key})
    finally:
        tenant.server.stop()

    assert done.returncode == 0, done.stderr
    assert tenant.key not in done.stdout + done.stderr
    restore_requests = [r for r in tenant.gateway.requests if r[1].endswith('/restore/')]
    assert len(restore_requests) == 1
    assert json.loads(done.stdout)['context']['CortexXDR']['RestoredFile']['endpoints_count'] == len(
        HOLDERS[PARTLY_FAILING_HASH])


def test_params_file_with_an_unknown_param_is_refused(tmp_path):
    params_file = tmp_path / 'params.yml'
    params_file.write_text('xdr_url: https://api-x.example\nxdr_secret: nope\n')

    done = warroom('run', f'!restore-file file_hash={"a" * 64}', '--params', str(params_file))

    assert done.returncode == 2
    assert 'unknown param xdr_secret;' in done.stderr


def test_two_unknown_arguments_or_params_are_named_in_the_plural(tmp_path):
    params_file = tmp_path / 'params.yml'
    params_file.write_text('xdr_url: https://api-x.example\nxdr_secret: nope\nxdr_colour: blue\n')

    arguments = warroom('run', f'!restore-file file_hash={"a" * 64} colour=blue size=9')
    params = warroom('run', f'!restore-file file_hash={"a" * 64}', '--params', str(params_file))

    assert arguments.returncode == params.returncode == 2
    assert 'unknown arguments colour, size;' in arguments.stderr, arguments.stderr
    assert 'unknown params xdr_colour, xdr_secret;' in params.stderr, params.stderr


def test_fetch_counts_the_incidents_it_created_in_the_singular_or_plural(tmp_path):
    """A standing HSS project fetched from one at a time, then the rest, then again when nothing is new."""
    tenant = start_hss_tenant()
    out, params_file = tmp_path / 'incidents', tmp_path / 'params.yml'
    printed = []
    try:
        for max_fetch in ('1', '200', '200'):
            params_file.write_text(yaml.safe_dump(tenant.params(max_fetch=max_fetch)))
            params_file.chmod(0o600)
            before = set(out.glob('incident-*.json'))
            done = warroom('fetch', str(out), '--params', str(params_file))
            assert done.returncode == 0, done.stderr
            printed.append((len(set(out.glob('incident-*.json')) - before), done.stdout.splitlines()[0]))
    finally:
        tenant.stack.close()

    [(one, first), (rest, second), (none, third)] = printed
    assert (one, none) == (1, 0) and rest > 1, printed
    assert first == f'fetch-incidents created 1 incident in {out}.'
    assert second == f'fetch-incidents created {rest} incidents in {out}.'
    assert third == f'fetch-incidents created 0 incidents in {out} (nothing new since the last fetch).'


SHARED_HSS_HASH = next(h for h, copies in sorted(hss_seed_copies().items()) if len(copies) > 1)
NOW_MS = int(time.time() * 1000)  # a restore_state for a restore accepted as the tests started
STANDALONE = {
    'xdr': (f'!restore-file file_hash={PARTLY_FAILING_HASH}', 'Emulated Cortex XDR tenant at http://127.0.0.1:',
            'COMPLETED_WITH_FAILURES', [('xdr_api_key', 'password')], 3),
    'hss': (f'!hss-restore-isolated file_hash={SHARED_HSS_HASH}', 'Emulated Huawei Cloud HSS at http://127.0.0.1:',
            f'{len(hss_seed_copies()[SHARED_HSS_HASH])} restoring', [('hss_aksk', 'password'),
                                                                      ('hss_credentials', 'password')], 0),
}


@pytest.mark.parametrize('vendor', sorted(STANDALONE))
def test_standalone_emulator_serves_a_tenant_that_run_can_use(tmp_path, vendor):
    line, banner_start, expected, secret_paths, code = STANDALONE[vendor]
    params_file = tmp_path / 'emulator-params.yml'
    server = subprocess.Popen([sys.executable, '-m', 'warroom', 'emulate', vendor, '--params-out', str(params_file),
                               '--stage-seconds', '0'], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        banner = server.stdout.readline()
        deadline = time.monotonic() + 20
        while not params_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        params = yaml.safe_load(params_file.read_text())
        done = warroom('run', line, '--params', str(params_file), '--time-scale', '0')
    finally:
        server.terminate()
        rest, errors = server.communicate(timeout=10)

    assert banner_start in banner
    assert done.returncode == code, done.stderr
    assert expected in done.stdout
    for param, field in secret_paths:
        assert params[param][field] not in banner + rest + errors + done.stdout + done.stderr


def test_an_access_key_in_the_file_and_its_secret_key_in_the_environment_make_one_credential(hss_tenant, tmp_path):
    params = hss_tenant.params('aksk')
    secret_key = params['hss_aksk']['password']
    params['hss_aksk'] = {'identifier': params['hss_aksk']['identifier']}  # as the README shows it
    params_file = tmp_path / 'hss.yml'
    params_file.write_text(yaml.safe_dump(params))
    file_hash = next(h for h, c in sorted(hss_seed_copies().items()) if len(c) > 1)

    done = warroom('run', f'!hss-restore-isolated file_hash={file_hash}', '--params', str(params_file),
                   env={'WARROOM_PARAM_HSS_AKSK': secret_key})

    assert done.returncode == 0, done.stderr
    assert 'restoring' in done.stdout and secret_key not in done.stdout + done.stderr


def test_an_iam_password_yaml_would_read_as_a_number_reaches_iam_as_typed(hss_tenant, tmp_path):
    # Digits and a special character make a valid Huawei IAM password; YAML 1.1 reads 2024_0315 as 20240315.
    params = hss_tenant.params('token')
    hss_tenant.backend.add_user(params['hss_domain'], 'restorer', '2024_0315', [params['hss_project_id']])
    del params['hss_credentials']
    params_file = tmp_path / 'hss.yml'
    params_file.write_text(yaml.safe_dump(params) + 'hss_credentials: {identifier: restorer, password: 2024_0315}\n')
    file_hash = next(h for h, c in sorted(hss_seed_copies().items()) if len(c) > 1)

    done = warroom('run', f'!hss-restore-isolated file_hash={file_hash} polling=false', '--params', str(params_file),
                   '--time-scale', '0')

    assert done.returncode == 0, done.stderr
    assert hss_tenant.requests_to('PUT', '/event/isolated-file')


def test_an_args_file_value_yaml_would_read_as_a_number_reaches_hss_as_typed(hss_tenant, tmp_path):
    # A file attribute as HSS lists one for a Linux copy, written unquoted: YAML 1.1 reads 0644 as 420.
    params_file, args_file = tmp_path / 'hss.yml', tmp_path / 'args.yml'
    params_file.write_text(yaml.safe_dump(hss_tenant.params('aksk')))
    args_file.write_text('host_id: h1\nfile_hash: ' + 'a' * 64 + '\nfile_path: /tmp/x\nfile_attr: 0644\n')

    warroom('run', '!hss-restore-isolated polling=false', '--params', str(params_file), '--args', str(args_file),
            '--time-scale', '0')

    [put] = hss_tenant.requests_to('PUT', '/event/isolated-file')
    assert [item['file_attr'] for item in put.body['data_list']] == ['0644']


def test_make_demo_shows_every_path_of_the_restore_and_exits_0():
    """`make demo`: HSS isolates, fetch-incidents makes the incidents, each close restores; HSS restores are
    followed to the end (restored, the offline host's still restoring with advice, the failing host's failed);
    the post-processing script and the reputation check run too."""
    done = subprocess.run([sys.executable, '-m', 'warroom', 'demo', '--time-scale', '0'], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    out = done.stdout
    assert 'fetch-incidents: ' in out and 'PLAYBOOK STOPPED' not in out
    assert '|restored|' in out and 'failed|HSS accepted the restore, then listed the file as isolated again' in out
    assert "Check in the HSS console that the agent of app-05 is online" in out
    assert 'post-processing script QuarantineRestoreOnClose' in out and '### Quarantine restore on close' in out
    assert '**Held back**' in out and 'scored malicious (3)' in out
    state = out.split('### Emulated HSS project after the playbooks')[1]
    assert {'restored', 'restoring', 'isolated'} <= set(re.findall(r'\|(restored|restoring|isolated)\|', state))


def xdr_table(out: str) -> dict[str, dict[str, str]]:
    """The demo's Cortex XDR state table: endpoint -> {column: cell}."""
    table = out.split('### Emulated Cortex XDR tenant after the playbooks')[1].strip().split('\n\n')[0]
    header, _, *rows = [line.split('|')[1:-1] for line in table.splitlines()]
    return {row[0]: dict(zip(header[1:], row[1:])) for row in rows}


def test_make_demo_follows_each_restore_a_close_started_and_shows_where_it_ended():
    """README: the samples closed from the Close dialog get the post-processing script, which starts their restores
    without waiting; the demo then runs the line its note gives to follow each one, as an analyst would, so the
    Cortex XDR table shows where each ended: back on the endpoints the seed lets restore it, still quarantined with
    the seed's reason on the one that fails. Above time scale 0 an action lasts two polling stages, as in `make
    demo`, so a restore nobody followed would still be running when the table is printed. The fetched HSS events are
    closed through the playbook branch, so their type's post-processing script runs after each playbook; the copy it
    sends again (the one that failed) is followed the same way, to the outcome its host gives it in the seed."""
    done = subprocess.run([sys.executable, '-m', 'warroom', 'demo', '--time-scale', '0.01'], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    out, table, followed = done.stdout, xdr_table(done.stdout), 0
    followed_hss, hss_state = 0, hss_state_rows(out)
    for note_and_after in out.split('### Quarantine restore on close')[1:]:
        note, after = re.split(r'\n(?=\S)', note_and_after, maxsplit=1)
        after = re.split(r'\n=== .* closed as ', after)[0]  # up to the next sample's close
        # each follow line in its code span, whatever fence it takes (an action ID as text is quoted in backticks),
        # an item of the list nested under the line that leads the follow lines in
        for _, line in re.findall(r'^ {4}(?:  )?- (`+) ?(!restore-file .*action_id=.*?) ?\1$', note, re.M):
            args, followed = parse_line(line).args, followed + 1
            file_hash, action_id = args['file_hash'], json.loads(args['action_id'])[0]
            [final] = [text for text in after.splitlines()
                       if f'Restore of {file_hash}: ' in text and f'action {action_id})' in text]
            for endpoint_id in HOLDERS[file_hash]:
                column = 'still quarantined' if endpoint_id in FAILING else 'restored'
                assert file_hash[:12] in table[endpoint_id][column], (final, table[endpoint_id])
                assert file_hash[:12] not in table[endpoint_id].get('restoring', '')
                if endpoint_id in FAILING:
                    assert FAILING[endpoint_id]['error_description'] in after
        for _, line in re.findall(r'^ {4}(?:  )?- (`+) ?(!hss-restore-isolated .*restore_state=.*?) ?\1$', note, re.M):
            args, followed_hss = parse_line(line).args, followed_hss + 1
            _, follow, event = after.partition('\n[war room] The analyst follows a restore the note started ')
            assert follow and event.startswith('!hss-restore-isolated '), after
            assert event.split('\n')[0].endswith(' -> done'), event
            rows = {row['host_id']: row for row in markdown_rows(event.replace('\n    ', '\n'))}
            for host_id in json.loads(args['host_id']):
                outcome, status = HSS_SEED_OUTCOMES[host_id]
                assert rows[host_id]['outcome'] == outcome, event
                assert hss_state[(rows[host_id]['host_name'], rows[host_id]['file_path'])] == status
    assert followed >= 2  # xdr_lite_minimized.json and xdr_legacy_fields_removed.json
    assert followed_hss >= 1  # the fetched event whose host's agent fails the restore: the script sends it again
    fetched = [block for block in re.split(r'\n(?==== )', out) if block.startswith('=== incident ')]
    assert fetched and all('closeInvestigation closes incident' in block and  # the HSS type's closureScript
                           '\nPost-processing script completed' in block for block in fetched)


def hss_state_rows(out: str) -> dict[tuple[str, str], str]:
    """The demo's HSS state table: (host, file) -> status."""
    table = out.split('### Emulated HSS project after the playbooks')[1].strip().split('\n\n')[0]
    return {(row['host'], row['file']): row['status'] for row in markdown_rows(table)}


def seed_hss_outcomes() -> dict[str, tuple[str, str]]:
    """host_id -> (the outcome a followed restore reports there, the status HSS then lists), from the seed's hosts
    (test_data/hss/README.md): an offline agent never finishes, a failing one lists the file isolated again."""
    outcomes = {}
    for host in load_json(HSS_SEED)['hosts']:
        if host.get('restore_fails'):
            outcomes[host['host_id']] = ('failed', 'isolated')
        elif host.get('agent_status', 'online') != 'online':
            outcomes[host['host_id']] = ('restoring', 'restoring')
        else:
            outcomes[host['host_id']] = ('restored', 'restored')
    return outcomes


HSS_SEED_OUTCOMES = seed_hss_outcomes()


def test_the_demo_s_cortex_xdr_table_shows_a_restore_still_running_as_restoring_with_its_action_id(capsys):
    """A restore started and not followed (polling=false, as the post-processing script starts it) is not still
    quarantined while Cortex XDR runs its action: the table lists it as restoring, with the action ID; the endpoint's
    other files stay still quarantined."""
    file_hash = next(h for h, eps in sorted(HOLDERS.items()) if not set(eps) & set(FAILING))
    tenant = start_tenant(stage_seconds=3600)  # the action runs for the whole test
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'}).failed
        print_xdr_state(tenant.backend)
    finally:
        tenant.server.stop()

    action_id = room.context['CortexXDR']['RestoredFile']['action_id']
    table = xdr_table(capsys.readouterr().out)
    assert set(table) == {endpoint['endpoint_id'] for endpoint in load_json_file(XDR_SEED)['endpoints']}  # a row each
    for endpoint_id, row in table.items():
        others = [h for h, eps in HOLDERS.items() if endpoint_id in eps and h != file_hash]
        assert all(h[:12] in row['still quarantined'] for h in others)
        if endpoint_id in HOLDERS[file_hash]:
            assert file_hash[:12] in row['restoring'] and str(action_id) in row['restoring']
            assert file_hash[:12] not in row['still quarantined'] + row['restored']
        else:
            assert row['restoring'] == '-'


def cli(*args, stdin=None, timeout=120, env=None):
    return subprocess.run([sys.executable, '-m', 'warroom', *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, input=stdin, env=env)


RESTORED_EVERYWHERE = next(h for h, eps in sorted(HOLDERS.items()) if not set(eps) & set(FAILING))
PARTLY_FAILING = next(h for h, eps in sorted(HOLDERS.items()) if set(eps) & set(FAILING))
QUARANTINED_NOWHERE = next(c * 64 for c in '0123456789abcdef' if c * 64 not in HOLDERS)


@pytest.mark.parametrize('line, code', [
    # a file quarantined on three endpoints, one of which fails (the XDR seed): finished, not all restored
    (f'!restore-file file_hash={PARTLY_FAILING}', 3),
    # every endpoint restores it
    (f'!restore-file file_hash={RESTORED_EVERYWHERE}', 0),
    # two files, one restored on every endpoint, the other quarantined nowhere: Cortex XDR refuses it, and the other
    # is followed, so no error entry; still not every file came back (README: "a file refused among several")
    (f'!restore-file file_hash={RESTORED_EVERYWHERE},{QUARANTINED_NOWHERE}', 3),
    # not isolated anywhere in HSS: nothing to restore, reported not_found
    ('!hss-restore-isolated file_hash=' + 'f' * 64, 3),
    # not waiting was the user's choice: a restore still running is what was asked for
    (f'!hss-restore-isolated file_hash={SHARED_HSS_HASH} polling=false', 0),
    # a check, by hand, of a restore HSS never took (its copies still isolated, untouched since): no row says any came
    # back, so the run does not say every file did
    (f'!hss-restore-isolated file_hash={SHARED_HSS_HASH} restore_state={NOW_MS}:{NOW_MS}:0 polling=false', 3),
    ('!restore-file file_hash=abc', 1),  # the integration refuses it: an error entry, no request
    ('!restore-file file_hash=abc colour=red', 2),  # the war room refuses the line: nothing runs
])
def test_exit_status_says_whether_every_file_came_back(line, code):
    done = cli('run', line, '--time-scale', '0')
    assert done.returncode == code, done.stdout[-1500:] + done.stderr


@pytest.mark.parametrize('stage_seconds, faults, code', [
    (3600, None, 0),  # the action still runs: not waiting was the choice
    (3600, 'sequence=500*20', 0),  # its status could not be read: the record stays IN_PROGRESS, its error says so
    (0, None, 3),  # the action ended, one endpoint without the file: not every file came back
], ids=['still running', 'status not read', 'ended with a failure'])
def test_the_exit_status_of_a_restore_file_check_by_hand_without_polling(tmp_path, stage_seconds, faults, code):
    """README, exit status 0: a check by hand (action_id=..., polling=false) that finds the restore still running, or
    cannot read its status, ends 0 like the restore it checks; one that finds it ended with a failure ends 3."""
    file_hash = PARTLY_FAILING_HASH
    tenant = start_tenant(stage_seconds=stage_seconds)
    params = tmp_path / 'xdr.params.yml'
    params.touch(mode=0o600)
    params.write_text(yaml.safe_dump(tenant.params(max_retries='0')))
    try:
        room = WarRoom(params=tenant.params(), time_scale=0, sleep=lambda _: None)
        assert not room.run('restore-file', {'file_hash': file_hash, 'polling': 'false'}).failed
        action_id = room.context['CortexXDR']['RestoredFile']['action_id']
        if faults:
            tenant.gateway.inject_faults(FaultPlan.parse(faults))
        done = cli('run', f'!restore-file file_hash={file_hash} action_id={action_id} polling=false', '--params',
                   str(params), '--json')
    finally:
        tenant.server.stop()

    assert done.returncode == code, done.stdout[-1500:] + done.stderr
    [record] = [json.loads(done.stdout)['context']['CortexXDR']['RestoredFile']]
    assert record['action_id'] == action_id
    if faults:
        assert record['status'] == 'IN_PROGRESS' and 'run the same command again' in record['error'], record


def test_a_long_line_comes_from_standard_input_and_large_arguments_from_a_file(tmp_path):
    hosts = [h['host_id'] for h in load_json_file(ROOT / 'test_data' / 'hss' / 'tenant.json')['hosts']
             if not h.get('isolated_files')]
    items = {'host_id': hosts[:1], 'file_hash': [f'{n:064x}' for n in range(10_000)],
             'file_path': [f'/srv/item-{n}' for n in range(10_000)], 'polling': 'false'}
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps(items))

    done = cli('run', '-', '--args', str(args_file), '--time-scale', '0', stdin='!hss-restore-isolated\n',
               timeout=300)

    # the host holds none of them: HSS refuses every batch, and every one of the 10,000 items is accounted for
    assert done.returncode == 1 and 'none of the 10000 items' in done.stdout + done.stderr, done.stderr[-500:]


def test_an_argument_on_the_line_and_in_the_file_is_refused(tmp_path):
    args_file = tmp_path / 'args.yml'
    args_file.write_text('file_hash: ' + 'a' * 64 + '\n')
    done = cli('run', '!restore-file file_hash=' + 'b' * 64, '--args', str(args_file))
    assert done.returncode == 2 and 'file_hash given both' in done.stderr


@pytest.mark.parametrize('argv, words', [
    (['run', '!restore-file file_hash=' + 'a' * 64, '--time-scale', '-1'], 'is negative'),
    # README: --time-scale takes 0 or more, and a bad option exits 2 on one line; no wait lasts forever, nor longer
    # than time.sleep can take (it raised OverflowError at the first wait, a traceback and exit status 1)
    (['run', '!restore-file file_hash=' + 'a' * 64, '--time-scale', 'inf'], 'inf is not a time scale'),
    (['run', '!restore-file file_hash=' + 'a' * 64, '--time-scale', '1e308'], '1e308 is not a time scale'),
    (['run', '!restore-file file_hash=' + 'a' * 64, '--time-scale', 'nan'], 'nan is not a time scale'),  # not negative
    (['export', '/etc/hostname'], 'export: OUTDIR /etc/hostname is a file, not a directory'),
])
def test_environment_and_usage_faults_are_one_line_and_exit_2_never_a_traceback(argv, words):
    done = cli(*argv)
    assert done.returncode == 2 and words in done.stderr and 'Traceback' not in done.stderr


def test_demo_help_says_what_the_time_scale_multiplies_its_range_and_its_default():
    # README's options table: --time-scale multiplies polling waits, from 0 to its most, and on the emulators (all the
    # demo runs: it takes no --params) its default is the one a run without --params starts them with.
    readme = (ROOT / 'README.md').read_text()
    [row] = [line for line in readme.splitlines() if line.startswith('| `--time-scale X` |')]
    most, default = re.search(r'0 to ([0-9]+)', row)[1], re.search(r'([0-9.]+) on the emulators', row)[1]

    done = cli('demo', '--help', env={**os.environ, 'COLUMNS': '1000'})  # wide: argparse wraps no line

    assert done.returncode == 0, done.stderr
    # the option's help: from its line to the next option's (argparse puts it below a long option)
    said = ' '.join(re.split(r'\n  -', done.stdout.split('\n  --time-scale', 1)[1])[0].split())
    assert 'multiply polling waits' in said and f'0 (no waiting) to {most}' in said, said
    assert f'default {default}' in said, said


def test_the_docs_help_names_every_readme_section_the_docs_command_generates():
    # README marks each section `python -m warroom docs` rewrites; the command's help must name each of them.
    readme = (ROOT / 'README.md').read_text()
    sections = re.findall(r'<!-- ([a-z ]+): generated by `python -m warroom docs`', readme)

    done = cli('--help', env={**os.environ, 'COLUMNS': '1000'})  # wide: argparse wraps no line

    assert done.returncode == 0, done.stderr
    [said] = [line for line in done.stdout.splitlines() if line.split()[:1] == ['docs']]
    assert sections and all(section in said for section in sections), (sections, said)


def test_a_secret_left_out_of_the_params_file_names_its_environment_variable(tmp_path):
    params = tmp_path / 'xdr.yml'
    params.write_text('xdr_url: https://api-mytenant.xdr.us.paloaltonetworks.com\nxdr_api_key_id: "12"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith('WARROOM_PARAM_')}
    done = cli('run', '!restore-file file_hash=' + 'a' * 64, '--params', str(params), env=env)
    assert done.returncode == 2 and 'WARROOM_PARAM_XDR_API_KEY' in done.stderr and 'xdr_api_key' in done.stderr


def test_the_playbook_command_takes_the_incident_file_s_close_block_and_says_else():
    done = cli('playbook', 'playbooks/playbook-Quarantine_Restore_-_Huawei_Cloud_HSS.yml', '--incident',
               'test_data/incidents/hss_false_positive.json', '--time-scale', '0')
    assert done.returncode == 0, done.stderr
    assert 'closed as "False Positive" (the incident file\'s close block)' in done.stdout
    assert '!hss-restore-isolated' in done.stdout and '#default#' not in done.stdout


def test_a_step_that_is_no_playbook_task_is_shown_without_a_task_number():
    # The post-processing script (and, in the demo, the analyst's own line) is no task of a playbook: its line names
    # the script, with no task number or a placeholder for one ("#-").
    done = cli('close', 'test_data/incidents/xdr_lite_minimized.json', '--via', 'post-processing', '--time-scale', '0')
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith('[post-processing]')]
    assert line.startswith('[post-processing] QuarantineRestoreOnClose !QuarantineRestoreOnClose '), line
    assert ' #' not in line, line


def test_a_task_line_shows_an_object_argument_as_json_not_as_python_writes_it():
    # The reputation check of a known-bad file is given the DBotScore objects: the task line shows them as XSOAR and the
    # context hold them, JSON in backticks (a raw war-room value), never Python's repr with its single quotes.
    done = cli('playbook', 'playbooks/playbook-Quarantine_Restore_-_Cortex_XDR.yml', '--incident',
               'test_data/incidents/xdr_known_bad.json', '--time-scale', '0')
    assert done.returncode == 0, done.stderr
    [line] = [line for line in done.stdout.splitlines() if '!QuarantineRestoreReputationGate' in line]
    assert ' dbot_score=`[{"Indicator": "' in line or ' dbot_score=`{"Indicator": "' in line, line
    assert "{'" not in line and "'Indicator'" not in line, line


def load_json_file(path):
    return json.loads(path.read_text())


def test_params_out_refuses_to_put_secrets_where_git_would_pick_them_up():
    done = cli('emulate', 'xdr', '--params-out', str(ROOT / 'emu.yml'), timeout=30)
    assert done.returncode == 2 and '.gitignore' in done.stderr
    assert not (ROOT / 'emu.yml').exists()


# A credentials param given as plain text is its password (load_params): a secret all the same.
@pytest.mark.parametrize('key_line', ['xdr_api_key: {password: not-a-real-key}', 'xdr_api_key: not-a-real-key'],
                         ids=['credentials', 'plain-text'])
def test_a_params_file_with_a_secret_that_others_can_read_gets_a_warning(tmp_path, key_line):
    params = tmp_path / 'xdr.yml'
    params.write_text(f'xdr_url: https://api-mytenant.xdr.us.paloaltonetworks.com\nxdr_api_key_id: "12"\n{key_line}\n')
    params.chmod(0o644)
    done = cli('run', '!restore-file file_hash=abc', '--params', str(params))
    assert 'WARNING' in done.stderr and 'chmod 600' in done.stderr and 'not-a-real-key' not in done.stderr
    params.chmod(0o600)
    assert 'WARNING' not in cli('run', '!restore-file file_hash=abc', '--params', str(params)).stderr


@pytest.mark.parametrize('content', [b'- xdr_url: https://api-x.example\n', b'just text\n',
                                     b'xdr_url: https://api-x.example  # caf\xe9\n', b'12: x\nxdr_url: y\n'])
def test_a_params_file_that_cannot_be_read_as_params_exits_2_without_a_traceback(tmp_path, content):
    params = tmp_path / 'params.yml'
    params.write_bytes(content)
    params.chmod(0o600)
    done = cli('run', '!restore-file file_hash=' + 'a' * 64, '--params', str(params), timeout=30)
    assert done.returncode == 2 and 'Traceback' not in done.stderr and str(params) in done.stderr, done.stderr


def test_an_args_file_that_is_not_utf8_exits_2_without_a_traceback(tmp_path):
    args_file = tmp_path / 'args.yml'
    args_file.write_bytes(b'file_path: C:\\caf\xe9.exe\n')
    done = cli('run', '!restore-file file_hash=' + 'a' * 64, '--args', str(args_file), timeout=30)
    assert done.returncode == 2 and 'Traceback' not in done.stderr and '--args' in done.stderr, done.stderr


def test_args_file_booleans_and_empty_values_read_as_the_war_room_line_writes_them(tmp_path):
    from warroom.cli import read_args_file
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps({'polling': False, 'host_id': None, 'file_hash': ['a', 'b'],
                                     'filter': {'k': True}}))
    assert read_args_file(str(args_file)) == {'polling': 'false', 'host_id': '', 'file_hash': '["a", "b"]',
                                              'filter': '{"k": true}'}


def test_polling_false_from_a_json_args_file_is_taken():
    done = cli('run', f'!hss-restore-isolated file_hash={SHARED_HSS_HASH}', '--args', '/dev/stdin', '--json',
               '--time-scale', '0', stdin='{"polling": false}')
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)['entries']  # one run, no check scheduled: polling=true would poll
    assert 'PollingCommand' not in entry


def test_fetch_into_a_path_that_is_a_file_is_refused_with_exit_2(tmp_path):
    not_a_dir = tmp_path / 'incidents'
    not_a_dir.write_text('')
    done = cli('fetch', str(not_a_dir), timeout=60)
    assert done.returncode == 2 and 'Traceback' not in done.stderr and str(not_a_dir) in done.stderr, done.stderr


@pytest.mark.parametrize('target_exists', [False, True], ids=['target absent', 'target present'])
def test_params_out_through_a_symlink_inside_the_repository_is_refused(tmp_path, target_exists):
    # os.replace puts the file where the link is (inside the repository), not where it points. Refused, nothing is
    # written: not through the link (its target is not created, or keeps its text), nor in its place.
    target = tmp_path / 'emu.yml'
    if target_exists:
        target.write_text('kept: true\n')
    link = ROOT / f'emu-link-{os.getpid()}.yml'
    link.symlink_to(target)
    try:
        done = cli('emulate', 'xdr', '--params-out', str(link), timeout=30)
        assert done.returncode == 2 and '.gitignore' in done.stderr
        assert link.is_symlink() and os.readlink(link) == str(target)
        if target_exists:
            assert target.read_text() == 'kept: true\n'
        assert [path.name for path in tmp_path.iterdir()] == (['emu.yml'] if target_exists else [])
    finally:
        link.unlink()


@pytest.mark.parametrize('written', ['*Pa55word-SECRET', '!Pa55word-SECRET'])
def test_a_params_file_yaml_error_never_quotes_the_secret_it_stumbled_on(tmp_path, written):
    # Unquoted, a secret starting with * is read as an alias and one starting with ! as a tag: PyYAML's error
    # names it.
    params = tmp_path / 'hss.yml'
    params.write_text('hss_region: ap-southeast-1\nhss_project_id: abc\nhss_auth_type: token\nhss_domain: d\n'
                      f'hss_credentials:\n  identifier: u\n  password: {written}\n')
    params.chmod(0o600)
    done = cli('run', '!restore-file file_hash=' + 'a' * 64, '--params', str(params), timeout=30)
    assert done.returncode == 2 and 'line 7' in done.stderr, done.stderr
    assert 'Pa55word' not in done.stdout + done.stderr


def test_fetch_never_writes_through_a_link_or_over_a_file_already_in_outdir(tmp_path):
    # README's example writes into /tmp/incidents: a name anyone may have made first, with links in it.
    out, victim = tmp_path / 'incidents', tmp_path / 'precious.txt'
    out.mkdir()
    victim.write_text('precious\n')
    (out / 'incident-3001.json').symlink_to(victim)
    (out / '.fetch-state.json').symlink_to(tmp_path / 'elsewhere.json')
    done = cli('fetch', str(out), timeout=60)
    assert victim.read_text() == 'precious\n'
    assert not (tmp_path / 'elsewhere.json').exists()
    assert done.returncode != 0 and 'incident-3001.json' in done.stderr, done.stderr


@pytest.mark.parametrize('argv', [['emulate', 'xdr', '--port', '99999'], ['emulate', 'hss', '--iam-port', '70000']])
def test_an_emulator_port_out_of_range_is_refused_in_one_line_not_a_traceback(argv):
    done = cli(*argv, timeout=30)
    assert done.returncode == 2 and 'Traceback' not in done.stderr and 'port' in done.stderr, done.stderr


@pytest.mark.parametrize('option, value', [('--stage-seconds', '-5'), ('--rate-limit', '0'), ('--rate-limit', '-1'),
                                           ('--others-rate', '-3'), ('--others-rate', 'nan')])
def test_an_emulator_rate_or_stage_that_means_nothing_is_refused_before_serving(option, value):
    done = cli('emulate', 'xdr', option, value, timeout=30)
    assert done.returncode == 2 and option in done.stderr and done.stdout == '', done.stdout + done.stderr


@pytest.mark.parametrize('argv, words', [
    (['emulate', 'xdr', '--iam-faults', 'rate=0.2'], '--iam-faults: only HSS has an IAM service'),
    (['emulate', 'xdr', '--faults', 'rate=0.2;kinds=expire-token'], 'expire-token is for hss only'),
    (['emulate', 'xdr', '--faults', 'sequence=ok,expire-token'], 'expire-token is for hss only'),
    (['emulate', 'xdr', '--faults', 'sequence=ok,413-apigw'], '413-apigw is for hss only'),
    (['emulate', 'hss', '--iam-faults', 'bogus=1'], "--iam-faults: unknown option 'bogus'"),
])
def test_a_fault_spec_the_emulator_would_not_inject_is_refused_naming_its_option(argv, words):
    done = cli(*argv, timeout=30)
    assert done.returncode == 2 and words in done.stderr and done.stdout == '', done.stdout + done.stderr


def test_an_iam_port_for_the_xdr_emulator_is_refused_not_passed_over():
    # README: --iam-port is for hss only (Cortex XDR has no IAM service); given for xdr it was ignored silently, and the
    # emulator served as if the port meant something
    done = cli('emulate', 'xdr', '--iam-port', '0', timeout=30)
    assert done.returncode == 2 and '--iam-port' in done.stderr and done.stdout == '', done.stdout + done.stderr


@pytest.mark.parametrize('where', ['no-such-dir/context.json', '.'])
def test_a_context_out_that_cannot_be_written_is_refused_before_the_playbook_restores_anything(tmp_path, where):
    done = cli('close', 'test_data/incidents/xdr_false_positive.json', '--time-scale', '0',
               '--context-out', str(tmp_path / where), timeout=60)
    assert done.returncode == 2 and '--context-out' in done.stderr, done.stderr
    assert done.stdout == ''  # no timeline: nothing ran


def test_a_playbook_file_that_is_not_yaml_is_named_in_one_line_without_its_text(tmp_path):
    playbook = tmp_path / 'notes.yml'
    playbook.write_text('id: x\nname: `secret-ish text`\n')
    done = cli('playbook', str(playbook), '--incident', 'test_data/incidents/hss_false_positive.json', timeout=30)
    assert done.returncode == 2 and str(playbook) in done.stderr and 'line 2' in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and 'secret-ish' not in done.stderr


def test_an_emulator_stopped_by_sigterm_prints_its_fault_summary_and_exits_0():
    server = subprocess.Popen([sys.executable, '-m', 'warroom', 'emulate', 'xdr', '--faults', 'sequence=429'],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(4)]  # banner, rate, faults, params: it is serving
        server.terminate()
        rest, errors = server.communicate(timeout=30)
    finally:
        server.kill()
    assert 'Pass --params-out' in lines[-1]
    assert server.returncode == 0 and 'faults injected in 0 of 0 requests: none.' in rest, rest + errors


def test_the_emulator_s_fault_summary_counts_the_requests_it_faulted_among_those_it_served():
    # One 429 scripted, three requests served: one was faulted, not three (it said "in 3 requests: 429 x1").
    import urllib.error
    import urllib.request

    server = subprocess.Popen([sys.executable, '-m', 'warroom', 'emulate', 'xdr', '--faults', 'sequence=429'],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(4)]
        url = re.search(r'http://127\.0\.0\.1:\d+', lines[0]).group(0)
        statuses = []
        for _ in range(3):
            try:
                statuses.append(urllib.request.urlopen(url + '/public_api/v1/endpoints/restore/', b'{}').status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
        server.terminate()
        rest, errors = server.communicate(timeout=30)
    finally:
        server.kill()
    assert statuses[0] == 429 and 429 not in statuses[1:]
    assert 'faults injected in 1 of 3 requests: 429 x1.' in rest, rest + errors


@pytest.mark.parametrize('below', ['', 'incidents'], ids=['the-file', 'below-the-file'])
def test_fetch_into_an_existing_file_says_outdir_must_be_a_directory(tmp_path, below):
    existing = tmp_path / 'existing_file.json'
    existing.write_text('{}')
    outdir = existing / below if below else existing
    done = cli('fetch', str(outdir), timeout=60)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f'OUTDIR {outdir}' in done.stderr and f'{existing} ' in done.stderr, done.stderr
    assert 'is a file' in done.stderr and 'directory' in done.stderr, done.stderr
    assert 'File exists' not in done.stderr and existing.read_text() == '{}'


# mkstemp's name for the file write_private_yaml writes before renaming it: meaningless to the user.
TEMP_NAME = re.compile(r'tmp\w{8}\.tmp')


@pytest.mark.parametrize('where', ['somedir', 'somedir/', 'no-such-folder/x.params.yml', 'afile/x.params.yml'])
def test_a_params_out_that_cannot_be_a_file_is_named_as_given_before_the_emulator_starts(tmp_path, where):
    (tmp_path / 'somedir').mkdir()
    (tmp_path / 'afile').write_text('')
    given = str(tmp_path / where) + ('/' if where.endswith('/') else '')
    done = cli('emulate', 'xdr', '--params-out', given, timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr  # refused: no banner, no server
    assert f'--params-out {given}' in done.stderr and not TEMP_NAME.search(done.stderr), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and 'Traceback' not in done.stderr
    if where.startswith('somedir'):
        assert 'is a directory' in done.stderr and list((tmp_path / 'somedir').iterdir()) == []
    elif where.startswith('afile'):
        assert f'{tmp_path / "afile"} is not a folder' in done.stderr
    else:
        assert f'{tmp_path / "no-such-folder"} does not exist' in done.stderr


def test_a_params_file_write_that_fails_anyway_names_the_user_s_path_not_the_temporary_one(tmp_path):
    from warroom.cli import write_private_yaml
    with pytest.raises(OSError) as raised:
        write_private_yaml(str(tmp_path), {'xdr_url': 'x'})  # a directory: the rename onto it fails
    assert raised.value.filename == str(tmp_path) and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('vendor, option', [('xdr', '--port'), ('hss', '--port'), ('hss', '--iam-port')])
def test_an_emulator_port_already_taken_names_the_port_its_option_and_a_way_out(vendor, option):
    import socket
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli('emulate', vendor, option, str(port), timeout=30)
    assert done.returncode == 2 and done.stdout == '' and len(done.stderr.strip().splitlines()) == 1, \
        done.stdout + done.stderr
    assert f'{option} {port}' in done.stderr and 'in use' in done.stderr and 'Traceback' not in done.stderr
    assert f'{option} 0' in done.stderr  # port_argument takes 0: any free port


def test_hss_and_its_iam_on_one_port_is_refused_naming_both_options():
    import socket
    with socket.socket() as probe:  # a port free a moment ago: the refusal must come before any bind
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    done = cli('emulate', 'hss', '--port', str(port), '--iam-port', str(port), timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr
    assert f'--port and --iam-port are both {port}' in done.stderr, done.stderr


HSS_TOKEN = 'hss_region: ap-southeast-1\nhss_project_id: abc\nhss_auth_type: token\n'
HSS_AKSK = 'hss_region: ap-southeast-1\nhss_project_id: abc\nhss_auth_type: aksk\n'


@pytest.mark.parametrize('content, variable, identifier', [
    (HSS_TOKEN + 'hss_domain: d\n', 'WARROOM_PARAM_HSS_CREDENTIALS', 'IAM user name'),
    (HSS_TOKEN + 'hss_domain: d\nhss_credentials: {password: pw-in-the-file}\n', None, 'IAM user name'),
    (HSS_AKSK, 'WARROOM_PARAM_HSS_AKSK', 'access key ID'),
    (HSS_AKSK + 'hss_aksk: {password: pw-in-the-file}\n', None, 'access key ID'),
], ids=['token-env', 'token-file', 'aksk-env', 'aksk-file'])
def test_a_password_without_its_user_name_or_key_id_names_the_identifier_not_the_variable(
        tmp_path, content, variable, identifier):
    params = tmp_path / 'hss.yml'
    params.write_text(content)
    params.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith('WARROOM_PARAM_')}
    env.update({variable: 'pw-in-the-env'} if variable else {})
    done = cli('run', '!restore-file file_hash=' + 'a' * 64, '--params', str(params), env=env, timeout=30)
    setting = 'hss_credentials' if 'token' in content else 'hss_aksk'
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f'no {identifier}' in done.stderr and f'{setting}: {{identifier: ' in done.stderr, done.stderr
    assert f'{setting} can come from the environment' not in done.stderr  # the password is already there
    assert f'WARROOM_PARAM_{setting.upper()} supplies only the' in done.stderr and str(params) in done.stderr
    assert 'hss_domain' not in done.stderr  # the account name is set (token) or not needed (AK/SK)
    assert 'pw-in-the' not in done.stderr


def test_a_password_without_its_user_name_still_names_an_account_name_left_out(tmp_path):
    params = tmp_path / 'hss.yml'
    params.write_text(HSS_TOKEN)
    params.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith('WARROOM_PARAM_')}
    done = cli('run', '!restore-file file_hash=' + 'a' * 64, '--params', str(params),
               env={**env, 'WARROOM_PARAM_HSS_CREDENTIALS': 'pw'}, timeout=30)
    assert done.returncode == 2 and 'no IAM user name' in done.stderr and 'hss_domain' in done.stderr, done.stderr


def test_a_second_fetch_from_the_emulators_into_one_directory_says_the_project_started_afresh(tmp_path):
    """README: the directory keeps the last run, so a second `fetch` into it goes on where the first stopped. Without
    --params each fetch starts the emulated HSS project anew, its seed's recent events dated again from that start
    (test_data/hss/README.md: isolated minutes before the emulator started): a second fetch some minutes later finds
    the same alarms past the last run and makes incidents of them again. Whoever tries "none twice" so must be told
    why, and how to see a fetch go on (a standing emulator)."""
    out = tmp_path / 'incidents'
    first = cli('fetch', str(out), timeout=60)
    assert first.returncode == 0 and first.stderr == '', first.stderr
    state_path = out / '.fetch-state.json'
    state = json.loads(state_path.read_text())
    fifteen_minutes_ms = 15 * 60_000  # the second fetch comes 15 minutes after the first: its last run that much older
    for key in ('last_fetch', 'seen_until'):
        state['last_run'][key] = str(int(state['last_run'][key]) - fifteen_minutes_ms)
    state_path.write_text(json.dumps(state))

    made = set(out.glob('incident-*.json'))

    second = cli('fetch', str(out), timeout=60)

    def alarms(paths: set) -> set[str]:
        return {json.loads(path.read_text())['incident']['CustomFields']['huaweihssalarmid'] for path in paths}
    again = alarms(set(out.glob('incident-*.json')) - made)
    assert second.returncode == 0 and again and again <= alarms(made)  # the same alarms, made incidents again
    assert 'starts the emulated HSS project afresh' in second.stderr and '--params' in second.stderr, second.stderr


# A copy whose host's agent is offline: HSS takes its restore and never finishes it (test_data/hss/README.md).
OFFLINE_COPY = next(dict(item, host_id=host['host_id']) for host in load_json(HSS_SEED)['hosts']
                    if host.get('agent_status') == 'offline' for item in host.get('isolated_files') or ())


def test_under_a_scaled_clock_the_commands_own_last_report_counts_polling_time_and_the_readme_says_so():
    # The command ends its polling itself at timeout_in_seconds (XSOAR's Timeout leaves it room): its last report
    # counts polling time, as it would in XSOAR; only XSOAR's timeout error, which the war room writes, can tell the
    # real time apart, so that is the message the README may promise it in.
    timeout = 20
    done = warroom('run', f'!hss-restore-isolated file_hash={OFFLINE_COPY["file_hash"]} '
                          f'host_id={OFFLINE_COPY["host_id"]} timeout_in_seconds={timeout}', '--time-scale', '0.001')

    assert done.returncode == 3, done.stdout[-1500:] + done.stderr  # the copy still restoring when polling ended
    assert f'after {timeout} s' in done.stdout and 'real time' not in done.stdout + done.stderr
    readme = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())
    [promise] = [sentence for sentence in re.split(r'(?<=\.) ', readme) if 'how much real time passed' in sentence]
    assert "XSOAR's timeout error" in promise, promise


@pytest.mark.parametrize('content, words', [
    (b'file_hash: [unclosed\n', 'not YAML or JSON'),
    (b'- file_hash\n- polling\n', 'expected a mapping of argument names to values'),
], ids=['not-yaml', 'a-list'])
def test_an_args_file_that_is_no_mapping_of_arguments_exits_2_naming_the_file(tmp_path, content, words):
    args_file = tmp_path / 'args.yml'
    args_file.write_bytes(content)
    done = cli('run', '!restore-file file_hash=' + 'a' * 64, '--args', str(args_file), timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr  # refused before anything ran
    assert f'--args {args_file}: {words}' in done.stderr and 'Traceback' not in done.stderr, done.stderr


def test_a_params_out_ending_in_a_slash_that_is_no_folder_yet_is_refused_as_naming_a_directory(tmp_path):
    given = str(tmp_path / 'no-such-folder') + '/'
    done = cli('emulate', 'xdr', '--params-out', given, timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr  # refused: no banner, no server
    assert f'--params-out {given}: ends in /, which names a directory' in done.stderr, done.stderr
    assert not (tmp_path / 'no-such-folder').exists()


def test_without_git_to_ask_a_params_out_inside_the_repository_is_refused_even_where_gitignore_covers_it():
    # *.params.yml is in .gitignore, but with no git on the PATH nothing can say so: the secrets stay out.
    target = ROOT / 'warroom-unrun-test.params.yml'
    done = cli('emulate', 'xdr', '--params-out', str(target), env={**os.environ, 'PATH': ''}, timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr
    assert 'would land inside the repository' in done.stderr and not target.exists(), done.stderr


def test_a_port_that_is_not_a_number_is_refused_by_argparse_naming_the_text():
    done = cli('emulate', 'xdr', '--port', 'eighty', timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr
    assert 'argument --port: "eighty" is not a port number' in done.stderr, done.stderr


def test_an_emulator_s_rate_limit_admits_that_many_requests_a_second_and_refuses_the_next_with_429():
    import urllib.error
    import urllib.request

    server = subprocess.Popen([sys.executable, '-m', 'warroom', 'emulate', 'xdr', '--rate-limit', '2'],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(3)]  # banner, rate, params: it is serving
        url = re.search(r'http://127\.0\.0\.1:\d+', lines[0]).group(0)
        answers = []
        for _ in range(3):  # well within one second
            try:
                answers.append((urllib.request.urlopen(url + '/public_api/v1/endpoints/restore/', b'{}').status, ''))
            except urllib.error.HTTPError as error:
                answers.append((error.code, error.read().decode()))
        server.terminate()
        server.communicate(timeout=30)
    finally:
        server.kill()
    assert lines[1] == 'It admits 2 requests per second.\n', lines
    assert [status == 429 for status, _ in answers] == [False, False, True], answers
    assert 'Rate limit of 2 requests per second per tenant exceeded' in answers[2][1], answers


def test_fetch_into_a_folder_the_os_cannot_make_gives_its_reason_and_names_outdir(tmp_path):
    outdir = tmp_path / ('x' * 300)  # longer than a file name may be: its parent exists, it cannot be made
    done = cli('fetch', str(outdir), timeout=60)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f'fetch: OUTDIR {outdir} cannot be made (File name too long)' in done.stderr, done.stderr
    assert 'one you can write to' in done.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('argv', [
    ['fetch', '{tmp}/incidents'],
    ['playbook', 'playbooks/playbook-Quarantine_Restore_-_Cortex_XDR.yml', '--incident',
     'test_data/incidents/xdr_false_positive.json'],
    ['close', 'test_data/incidents/xdr_false_positive.json'],
], ids=['fetch', 'playbook', 'close'])
def test_a_params_file_that_is_not_there_stops_fetch_and_the_playbook_commands_before_anything_runs(tmp_path, argv):
    missing = tmp_path / 'missing.params.yml'
    done = cli(*(arg.format(tmp=tmp_path) for arg in argv), '--params', str(missing), timeout=60)
    assert done.returncode == 2 and str(missing) in done.stderr and 'Traceback' not in done.stderr, done.stderr
    assert '] #' not in done.stdout and 'created' not in done.stdout, done.stdout  # no task ran, no incident came


def test_an_incident_file_that_is_not_there_is_named_and_exits_2():
    done = cli('playbook', 'playbooks/playbook-Quarantine_Restore_-_Cortex_XDR.yml', '--incident',
               'test_data/incidents/no_such_incident.json', timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr
    assert 'no_such_incident.json' in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_the_playbook_command_runs_an_incident_file_without_a_close_block_as_an_open_incident(tmp_path):
    # README, "Running them locally": `playbook` runs any playbook as it is; a file with no close block is an incident
    # not closed, so the restore playbook finds no false positive, restores nothing and says why.
    sample = json.loads((ROOT / 'test_data/incidents/hss_false_positive.json').read_text())
    sample.pop('close')
    incident, context_out = tmp_path / 'open.json', tmp_path / 'context.json'
    incident.write_text(json.dumps(sample))
    done = cli('playbook', 'playbooks/playbook-Quarantine_Restore_-_Huawei_Cloud_HSS.yml', '--incident', str(incident),
               '--time-scale', '0', '--context-out', str(context_out))
    assert done.returncode == 0, done.stderr
    assert not done.stdout.startswith('Incident ') and '!hss-restore-isolated' not in done.stdout, done.stdout
    assert 'no file was restored: the incident is not closed as a False Positive' in done.stdout, done.stdout
    assert 'HuaweiHSS' not in json.loads(context_out.read_text())


def test_an_export_whose_pack_folder_is_taken_by_a_file_exits_2_naming_it_and_keeps_the_file(tmp_path):
    from warroom.export import PACK_ID
    taken = tmp_path / PACK_ID
    taken.write_text('mine\n')
    done = cli('export', str(tmp_path), timeout=60)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr
    assert done.stderr == f'ERROR: export: Not a directory ({taken}).\n', done.stderr
    assert taken.read_text() == 'mine\n' and sorted(p.name for p in tmp_path.iterdir()) == [PACK_ID]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_rewrites_one_line_in_place_and_ends_it_at_the_last_item():
    from warroom.cli import ProgressLine
    terminal = Terminal()
    progress = ProgressLine(terminal)
    for done in range(1, 4):
        progress(f'Restores sent: {done}/3')
    assert terminal.getvalue() == '\rRestores sent: 1/3\rRestores sent: 2/3\rRestores sent: 3/3\n'


@pytest.fixture
def readme_copy(tmp_path, monkeypatch):
    """README.md copied where `warroom docs` reads and writes it, so the repository's own is never touched."""
    import warroom.docs
    copy = tmp_path / 'README.md'
    copy.write_text((ROOT / 'README.md').read_text(encoding='utf-8'), encoding='utf-8')
    monkeypatch.setattr(warroom.docs, 'README', copy)
    return copy


def test_docs_check_fails_on_a_stale_readme_and_docs_rewrites_it(readme_copy, capsys):
    from warroom.cli import main
    from warroom.docs import SETTINGS_START
    fresh = readme_copy.read_text(encoding='utf-8')
    stale = fresh.replace(SETTINGS_START + '\n', SETTINGS_START + '\n| a setting integration.yml has not |\n', 1)
    readme_copy.write_text(stale, encoding='utf-8')

    assert main(['docs', '--check']) == 1
    assert readme_copy.read_text(encoding='utf-8') == stale  # --check writes nothing
    assert 'README.md differs from integration.yml' in capsys.readouterr().err
    assert main(['docs']) == 0
    assert readme_copy.read_text(encoding='utf-8') == fresh  # tests/test_contract.py: the repository's is fresh
    assert main(['docs', '--check']) == 0
    assert capsys.readouterr().out.splitlines() == [
        'README.md instance settings, command reference and playbook diagrams rewritten.',
        'README.md is up to date with integration.yml and the playbooks.']


def test_docs_on_a_readme_without_a_generated_section_exits_2_naming_the_section(readme_copy, capsys):
    from warroom.cli import main
    from warroom.docs import SETTINGS_END
    readme_copy.write_text(readme_copy.read_text(encoding='utf-8').replace(SETTINGS_END, ''), encoding='utf-8')
    assert main(['docs']) == 2
    assert 'README.md has no section between' in capsys.readouterr().err


@pytest.mark.parametrize('playbook_text, said', [
    ('id: x\nname: x\n', 'not a playbook (no tasks or starttaskid)'),
    ('id: x\nname: x\nstarttaskid: "9"\ntasks:\n  "0": {type: start}\n', 'starttaskid 9 is not a task'),
    (None, 'no playbook "No Such Playbook" in'),
], ids=['no-tasks', 'start-not-a-task', 'no-such-name'])
def test_a_playbook_that_cannot_be_run_is_named_in_one_line_and_exits_2(tmp_path, playbook_text, said):
    given = 'No Such Playbook'
    if playbook_text is not None:
        given = str(tmp_path / 'x.yml')
        (tmp_path / 'x.yml').write_text(playbook_text)
    done = cli('playbook', given, '--incident', 'test_data/incidents/xdr_false_positive.json', timeout=30)
    assert done.returncode == 2 and done.stdout == '', done.stdout + done.stderr
    assert said in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
