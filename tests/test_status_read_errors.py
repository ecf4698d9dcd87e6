"""A status reply the integration cannot read, whatever its shape, ends as the record's unreadable-status note with the
action still followed; a fault of the integration's own while reading one is raised, never taken for Cortex XDR's
(README, "How `restore-file` behaves": a part of a reply that cannot be read). Over HTTP, against a replay server."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import facts
import restore_integration as ri
from warroom.context import as_list, get_path
from warroom.runtime import WarRoom

# JSON text nested past what Python's json reads (about 1,500 levels): an errorData Cortex XDR sends as JSON text
DEEP_TEXT = '[' * 100_000 + ']' * 100_000
# Stands, in a generated reply, for a list nested as deep as the reply's own JSON is still read: its text past
# where str() may stop, as the depth the calling code adds decides
NESTED = '@nested@'
NESTED_JSON = '[' * 1300 + ']' * 1300
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=10)
odd_values = st.one_of(json_values, st.just(NESTED))
statuses = st.one_of(st.sampled_from(facts.XDR_RUNNING_STATUSES + facts.XDR_FINAL_STATUSES), odd_values)
reasons = st.one_of(odd_values, st.fixed_dictionaries({}, optional={
    'errorText': odd_values, 'errorDescription': odd_values, 'missing_files': odd_values,
    'errorData': st.one_of(odd_values, json_values.map(json.dumps), st.just(DEEP_TEXT))}))
ACTION_ID = 7


@st.composite
def status_replies(draw: st.DrawFn) -> dict:
    """A status reply of any shape: keys of its own, data an object of endpoint statuses or any other JSON, and
    errorReasons keyed mostly by those endpoints (else an endpoint's own reason would hardly ever be drawn)."""
    reply = draw(st.dictionaries(st.text(max_size=8), odd_values, max_size=2))
    data = draw(st.one_of(st.dictionaries(st.text(min_size=1, max_size=8), statuses, max_size=4), odd_values))
    keys = st.sampled_from(sorted(data)) | st.text(max_size=8) if isinstance(data, dict) and data else st.text()
    for name, value in (('data', st.just(data)), ('errorText', odd_values),
                        ('errorReasons', st.one_of(st.dictionaries(keys, reasons, max_size=4), odd_values))):
        if draw(st.booleans()):
            reply[name] = draw(value)
    return reply


def cannot_be_read(reply: dict) -> bool:
    """README: data not an object of endpoint statuses, or a failed endpoint's errorData nested past what json reads."""
    data, reasons = reply.get('data'), reply.get('errorReasons')
    if data is not None and not isinstance(data, dict):
        return True
    failed = [endpoint for endpoint, status in (data or {}).items() if status in facts.XDR_FAILURE_STATUSES]
    reasons = reasons if isinstance(reasons, dict) else {}
    return any(isinstance(reasons.get(e), dict) and reasons[e].get('errorData') == DEEP_TEXT for e in failed)


def read_status(replay_server, reply: dict) -> dict:
    """The record read_action_statuses writes of one followed action, Cortex XDR answering its status with ``reply``
    (NESTED spliced into the body as NESTED_JSON)."""
    body = json.dumps({'reply': reply}).replace(json.dumps(NESTED), NESTED_JSON)
    replay_server.queue(200, body, {'Content-Type': 'application/json'})
    client = ri.XdrClient(ri.XdrSettings(replay_server.url, '9', 'k' * 40, 'standard'),
                          ri.TransportSettings(max_concurrency=1, max_retries=0, retry_backoff=0))
    record = ri.restore_record('a' * 64, None, None, ACTION_ID)
    summaries, *_ = ri.read_action_statuses(client, [record], True, False, False, False, [], '')
    [summary] = summaries
    return summary


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(reply=status_replies())
@example(reply={'data': {'e1': 'FAILED'}, 'errorReasons': {'e1': {'errorData': DEEP_TEXT}}})
@example(reply={'data': ['not', 'an', 'object']})
@example(reply={'data': {'e1': NESTED}, 'errorReasons': {'e1': NESTED}, 'errorText': NESTED})
def test_a_status_reply_of_any_shape_is_read_or_ends_as_the_unreadable_status_note_never_an_exception(
        replay_server, reply):
    summary = read_status(replay_server, reply)

    assert (summary['action_id'], summary['file_hash']) == (ACTION_ID, 'a' * 64)  # still followed
    if cannot_be_read(reply):
        assert 'endpoints' not in summary, summary
    if 'endpoints' not in summary:  # not read: the note, which names the part of the reply it could not read
        assert summary['status'] == 'IN_PROGRESS', summary
        assert summary['error'].startswith(facts.XDR_UNREADABLE_STATUS) and 'data' in summary['error'], summary


def failing_helper(*args, **kwargs):
    raise NameError("name 'reason' is not defined")  # as a typo in the integration's own code raises it


def test_a_fault_of_the_integration_s_own_while_reading_a_status_is_raised_not_taken_for_an_unreadable_reply(
        replay_server, monkeypatch):
    monkeypatch.setattr(ri, 'describe_error_reason', failing_helper)  # summarise_action's, for a failed endpoint

    with pytest.raises(NameError):
        read_status(replay_server, {'data': {'e1': 'FAILED'}})


def test_a_fault_of_the_integration_s_own_while_reading_a_status_is_an_error_entry_naming_it_not_cortex_xdr_s(
        replay_server, monkeypatch):
    monkeypatch.setattr(ri, 'describe_error_reason', failing_helper)
    replay_server.queue_file(200, 'restore_reply.json').queue(200, {'reply': {'data': {'e1': 'FAILED'}}})
    params = {'xdr_url': replay_server.url, 'xdr_api_key_id': '9', 'xdr_api_key': {'password': 'k' * 40},
              'xdr_auth_type': 'standard', 'retry_backoff': '0', 'max_concurrency': '1'}

    result = WarRoom(params=params, time_scale=0, sleep=lambda _: None).run('restore-file', {'file_hash': 'c' * 64})

    last = result.entries[-1]
    assert last['Type'] == facts.ENTRY_ERROR and 'unexpected NameError' in last['Contents'], last
    shown = json.dumps(result.entries) + json.dumps(as_list(get_path(result.context, facts.XDR_CONTEXT_PATH)))
    assert facts.XDR_UNREADABLE_STATUS not in shown
