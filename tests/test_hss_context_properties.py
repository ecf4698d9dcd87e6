"""hss-restore-isolated's check of a restore by hash reads the incident's HuaweiHSS.RestoredFile rows for the copies
an earlier run left restoring (README, Outcomes: a copy HSS no longer lists is reported not_found), over HTTP to the
HSS emulator, whatever shape the context is in: never a traceback, and a row written "no longer listed" only for a
copy of the hash asked that the context held restoring, written in the enterprise project the check lists (a listing
of another cannot see it), and HSS lists in no status; and, while HSS still lists every copy the restore sent, none
(those rows are an earlier restore's, left as they are)."""
from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import restore_integration
from conftest import start_hss_tenant
from warroom.context import as_list, get_path
from warroom.runtime import Demisto

FILE_HASH = 'c4' * 32
PROJECT = 'ep-restore-c4'  # the instance's enterprise project, h-listed's: the one every listing of the check names
text = st.text(max_size=12)
# JSON holds no infinity, nor does XSOAR's context: the war room refuses a context it cannot round-trip as JSON
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10, 10 ** 20),
                        st.floats(allow_nan=False, allow_infinity=False), text)
any_json = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(text, inner, max_size=3)), max_leaves=6)
# Rows as the command writes them (README: outcome restored, restoring, failed or not_found), of the hash asked or
# another, in either case, on a host HSS lists or one it does not, written in the check's enterprise project, another
# or the default one (no enterprise_project_id), and rows of any other shape.
well_formed = st.fixed_dictionaries({
    'host_id': st.sampled_from(['h-listed', 'h-gone', 'h-also-gone']),
    'file_hash': st.sampled_from([FILE_HASH, FILE_HASH.upper(), 'd5' * 32]),
    'file_path': st.sampled_from(['/srv/q/x.bin', '/srv/q/y.bin']),
    'outcome': st.sampled_from(['restored', 'restoring', 'failed', 'not_found'])},
    optional={'enterprise_project_id': st.sampled_from([PROJECT, 'ep-another', 'all_granted_eps'])})
messy = st.fixed_dictionaries({
    'host_id': json_scalar, 'file_hash': st.one_of(st.just(FILE_HASH), json_scalar), 'file_path': json_scalar,
    'outcome': st.one_of(st.just('restoring'), json_scalar)})
row = st.one_of(well_formed, messy, any_json)
rows = st.one_of(st.lists(row, max_size=6), row)
context = st.one_of(st.fixed_dictionaries({'HuaweiHSS': st.one_of(st.fixed_dictionaries({'RestoredFile': rows}),
                                                                   any_json)}),
                    st.dictionaries(text, any_json, max_size=2))


@pytest.fixture(scope='module', params=['every copy sent listed', 'a copy sent gone'])
def started(request):
    """A restore by hash, polling=false, of the one copy on h-listed (and, ``a copy sent gone``, of one on h-sent, whose
    host then leaves HSS), and its follow command's arguments."""
    tenant = start_hss_tenant(stage_seconds=10.0)
    tenant.sent_gone = request.param == 'a copy sent gone'
    copies = {}
    for host in ['h-listed'] + ['h-sent'] * tenant.sent_gone:
        tenant.backend.add_host(host, host, enterprise_project_id=PROJECT,
                                restore_stages=1000.0)  # restoring at every check
        [copies[host]] = tenant.backend.add_isolated_files(host, 1, file_hash=FILE_HASH)
    tenant.listed = ('h-listed', FILE_HASH, copies['h-listed']['file_path'])
    tenant.instance = tenant.params('aksk', hss_enterprise_project_id=PROJECT)
    first = Demisto(tenant.instance, 'hss-restore-isolated', {'file_hash': FILE_HASH, 'polling': 'false'}, {}, [])
    restore_integration.main(first)
    if tenant.sent_gone:
        tenant.backend.remove_host('h-sent')
    [follow] = first.entries[-1]['Contents']['follow_commands']
    tenant.state = re.search(r'restore_state=(\S+)', follow).group(1)
    yield tenant
    tenant.stack.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(held=context)
@example(held={'HuaweiHSS': {'RestoredFile': [{'host_id': 'h-gone', 'file_hash': FILE_HASH, 'file_path': '/srv/q/x.bin',
                                               'outcome': 'restoring', 'enterprise_project_id': PROJECT}]}})
def test_a_check_marks_no_longer_listed_only_copies_of_the_hash_asked_the_context_held_restoring(started, held):
    args = {'file_hash': FILE_HASH, 'polling': 'false', 'restore_state': started.state}
    demisto = Demisto(started.instance, 'hss-restore-isolated', args, {}, [], incident_context=held)
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        restore_integration.main(demisto)

    shown = f'{json.dumps(held)[:300]} -> {[str(e.get("Contents"))[:300] for e in demisto.entries]}'
    [entry] = demisto.entries
    assert 'Traceback' not in str(entry) and 'fault in the integration' not in str(entry), shown
    written = entry['Contents']['items']  # the rows its context output writes
    held_rows = as_list(get_path(held, 'HuaweiHSS.RestoredFile')) if isinstance(held.get('HuaweiHSS'), dict) else []
    restoring = {(r['host_id'], r['file_hash'].lower(), r['file_path']) for r in held_rows
                 if isinstance(r, dict) and r.get('outcome') == 'restoring' and isinstance(r.get('host_id'), str)
                 and isinstance(r.get('file_hash'), str) and r['file_hash'].lower() == FILE_HASH
                 and isinstance(r.get('file_path'), str) and r.get('enterprise_project_id') == PROJECT}
    gone = {(r['host_id'], r['file_hash'], r['file_path']) for r in written if r['outcome'] == 'not_found'}
    listed = {(r['host_id'], r['file_hash'], r['file_path']) for r in written if r['outcome'] == 'restoring'}
    assert listed == {started.listed}, shown  # the copy HSS lists, as HSS lists it
    # Every copy the restore sent still listed, the copies HSS lists nowhere are no copies it sent: their rows stay
    assert gone == (restoring - {started.listed} if started.sent_gone else set()), shown
