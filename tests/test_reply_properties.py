"""The reply parsers over generated replies: whatever JSON a vendor sends, no exception escapes, no endpoint and no
action ID is lost, and every reason shown is one trimmed line."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

import facts
import restore_integration as ri

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
statuses = st.one_of(st.sampled_from(facts.XDR_RUNNING_STATUSES + facts.XDR_FINAL_STATUSES), json_scalars)
reason_texts = st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=60)
reasons = st.one_of(json_values, st.fixed_dictionaries({}, optional={
    'errorText': st.one_of(reason_texts, json_scalars),
    'errorData': st.one_of(reason_texts.map(lambda t: json.dumps({'errorText': t})), json_values),
    'errorDescription': st.one_of(reason_texts, json_scalars),
    'missing_files': st.one_of(st.lists(st.fixed_dictionaries({'description': reason_texts}), max_size=3), json_values),
    'reportIds': json_values, 'terminated_by': json_values, 'terminate_result': json_values}))


@st.composite
def status_replies(draw: st.DrawFn) -> tuple[dict, dict]:
    """Endpoint statuses, and reasons keyed mostly by those endpoints (as Cortex XDR keys them), some by others:
    drawn apart, two random keys would hardly ever meet, and an endpoint's own reason would never be shown."""
    data = draw(st.dictionaries(st.text(min_size=1, max_size=12), statuses, max_size=6))
    keys = st.one_of(st.sampled_from(sorted(data)), st.text(max_size=12)) if data else st.text(max_size=12)
    return data, draw(st.dictionaries(keys, reasons, max_size=6))


@given(status_replies(), st.one_of(st.none(), json_scalars))
@settings(max_examples=1000)
def test_any_status_reply_keeps_every_endpoint_and_shows_one_line_reasons(replied, reply_text):
    data, error_reasons = replied
    reply = {'data': data, 'errorReasons': error_reasons, 'errorText': reply_text}
    record = ri.restore_record('a' * 64, None, None, 'action-7', None)

    summary = ri.summarise_action(record, reply)

    assert summary['action_id'] == 'action-7'
    assert {e['endpoint_id'] for e in summary['endpoints']} == {str(k) for k in data}
    for endpoint in summary['endpoints']:
        if 'error_description' in endpoint:
            reason = endpoint['error_description']
            assert reason and reason == reason.strip() and '\n' not in reason and '\r' not in reason
    json.dumps(summary)  # the record goes into the context as it is


# The vendor's statuses, and two it might add one day (not final: still running).
known_statuses = st.sampled_from(facts.XDR_RUNNING_STATUSES + facts.XDR_FINAL_STATUSES + ('QUEUED', 'IN_REVIEW'))


@given(st.dictionaries(st.text('0123456789abcdef', min_size=1, max_size=12), known_statuses, min_size=1, max_size=8))
@settings(max_examples=500)
def test_counts_and_overall_status_follow_the_rule_integration_yml_states(data):
    record = ri.restore_record('a' * 64, None, None, 'action-7', None)

    summary = ri.summarise_action(record, {'data': data})

    statuses = list(data.values())
    assert summary['status'] == facts.xdr_outcome(statuses)
    assert summary['restored_count'] == statuses.count(facts.XDR_SUCCESS_STATUS)
    assert summary['failed_count'] == sum(status in facts.XDR_FAILURE_STATUSES for status in statuses)
    assert {e['endpoint_id']: e['status'] for e in summary['endpoints']} == data


@given(json_values)
@settings(max_examples=500)
def test_any_status_reply_body_never_escapes_as_an_exception(reply):
    record = ri.restore_record('a' * 64, None, None, 12, None)
    try:
        summary = ri.summarise_action(record, reply if isinstance(reply, dict) else {'data': reply})
    except Exception as error:  # noqa: BLE001 - the point is that nothing escapes
        raise AssertionError(f'{type(error).__name__}: {error}') from None
    assert summary['action_id'] == 12


@given(st.one_of(st.integers(min_value=0, max_value=10**12), st.text(min_size=1, max_size=20).filter(str.strip)),
       st.one_of(st.none(), json_scalars), st.one_of(st.none(), json_scalars), json_values)
@settings(max_examples=1000)
def test_any_accepted_restore_reply_keeps_its_action_id_exactly(action_id, count, status, extra):
    reply = {'action_id': action_id, 'endpoints_count': count, 'status': status, 'other': extra}

    parsed_id, endpoints_count, refusal, problems = ri.parse_restore_reply(reply)

    assert parsed_id == action_id and type(parsed_id) is type(action_id)
    assert endpoints_count is None or (isinstance(endpoints_count, int) and endpoints_count >= 0)
    assert (refusal is not None) == (str(status).strip().lower() in ('0', 'false'))
    assert all(isinstance(problem, str) and problem for problem in problems)
