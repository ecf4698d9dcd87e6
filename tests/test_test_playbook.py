"""The pack's test playbook (playbooks/test_playbooks/, exported to TestPlaybooks/), run by the local runner against
both emulators over HTTP: it completes on a healthy setup, and ends in error when the integration misbehaves."""
from __future__ import annotations

import pytest

from conftest import HSS_SEED, load_json, seed_failing_endpoints, seed_holders
from warroom.context import as_list, get_path
from warroom.playbook.model import Playbook
from warroom.playbook.others import OtherIntegrations
from warroom.playbook.runner import PlaybookRunner
from warroom.runtime import WarRoom
from warroom.spec import PROJECT_ROOT, load_spec

TEST_PLAYBOOK_FILE = PROJECT_ROOT / 'playbooks' / 'test_playbooks' / 'playbook-Quarantine_Restore_-_Test.yml'
TEST_PLAYBOOK = Playbook.load(TEST_PLAYBOOK_FILE)


def inputs() -> dict:
    return {item['key']: item['value']['simple'] for item in TEST_PLAYBOOK.inputs}


def run_test_playbook(vendors, enabled=None, hss_overrides=None, xdr_overrides=None):
    xdr, hss = vendors
    others = OtherIntegrations(enabled=set(enabled)) if enabled is not None else None
    params = {**hss.params(**(hss_overrides or {})), **xdr.params(**(xdr_overrides or {}))}
    runner = PlaybookRunner(params, time_scale=0, sleep=lambda _: None, others=others)
    return runner.run(TEST_PLAYBOOK, {'id': '1', 'type': 'Unclassified'}, {})


def test_the_test_playbook_s_inputs_name_files_the_emulators_hold_as_it_says():
    given = inputs()
    failing = seed_failing_endpoints()
    # quarantined on endpoints that all restore it, so that a healthy setup passes
    assert seed_holders()[given['XdrFileHash']] and not set(seed_holders()[given['XdrFileHash']]) & set(failing)
    [host] = [h for h in load_json(HSS_SEED)['hosts'] if h['host_id'] == given['HssHostID']]
    isolated = {item['file_hash'] for item in host['isolated_files'] if item['isolation_status'] == 'isolated'}
    assert given['HssFileHash'] in isolated


def test_the_test_playbook_completes_against_the_emulators_and_each_vendor_starts_its_restore(vendors):
    xdr, hss = vendors
    run = run_test_playbook(vendors)

    assert not run.failed, run.error
    given = inputs()
    assert [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]
    assert hss.requests_to('PUT', '/event/isolated-file')
    [xdr_record] = as_list(get_path(run.context, 'CortexXDR.RestoredFile'))
    assert xdr_record['file_hash'] == given['XdrFileHash'] and xdr_record['action_id']
    hss_records = as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
    assert {(r['host_id'], r['file_hash']) for r in hss_records} == {(given['HssHostID'], given['HssFileHash'])}
    assert [e.task for e in run.events if e.kind == 'condition'] == ['3', '5']


@pytest.mark.parametrize('vendor, task', [('xdr', '2'), ('hss', '4')])
def test_the_test_playbook_ends_in_error_when_a_vendor_refuses_the_restore(vendors, vendor, task):
    _, hss = vendors
    if vendor == 'xdr':  # an API key Cortex XDR does not know: it answers the restore with 401
        run = run_test_playbook(vendors, xdr_overrides={'xdr_api_key': {'identifier': '', 'password': 'x' * 64}})
    else:  # a secret key IAM does not take: no token, so no restore
        wrong = {**hss.base_params['hss_aksk'], 'password': 'y' * 40}
        run = run_test_playbook(vendors, hss_overrides={'hss_aksk': wrong})

    assert run.failed
    assert f'task {task} ' in run.error and 'failed' in run.error


def test_the_test_playbook_ends_in_error_at_its_first_command_when_no_instance_of_the_integration_is_enabled(vendors):
    xdr, hss = vendors
    run = run_test_playbook(vendors, enabled=set())

    assert run.failed and 'task 2 ' in run.error and 'No enabled instance' in run.error, run.error
    assert not [r for r in xdr.gateway.requests if r.path.endswith('/endpoints/restore/')]
    assert not hss.requests_to('PUT', '/event/isolated-file')


def test_the_test_playbook_s_hss_check_fails_when_hss_answers_without_error_but_restores_nothing(vendors):
    """The file restored by hand before the run: HSS lists no isolated copy, hss-restore-isolated returns no error entry
    and its record says not_found, so the check of HuaweiHSS.RestoredFile is what ends the run."""
    xdr, hss = vendors
    given = inputs()
    by_hand = WarRoom(params={**hss.params(), **xdr.params()}, spec=load_spec(), context={}, time_scale=0,
                      sleep=lambda _: None)
    by_hand.run('hss-restore-isolated', {'host_id': given['HssHostID'], 'file_hash': given['HssFileHash']})
    run = run_test_playbook(vendors)

    assert run.failed and 'task 5 ' in run.error and 'no branch' in run.error, run.error
    [record] = as_list(get_path(run.context, 'HuaweiHSS.RestoredFile'))
    assert record['outcome'] == 'not_found'
