"""restore-file's hidden polling arguments (finished, refused, unsent, polling_started, polling_checks, put_off,
older_actions, endpoints_count, unread), generated: whatever is typed there, the command either goes on with what the
command itself writes (each finished file a SHA256 with an outcome and its counts, each refused file a SHA256 under
a reason, each unsent file one of file_hash that has no action, the polling's start a whole number of ms since the
epoch, not past a day ahead of this machine's clock, the checks made a whole number of at most 18 digits, the
seconds put off whole seconds, maybe with a colon and the seconds of a vendor's wait left, each status read not read
an HTTP status (or the kind of a failure without one), a vendor code, a check and a time, as integration.yml
describes it) or refuses with one error entry before any request: never a traceback, never "a fault in the
integration"."""
from __future__ import annotations

import io
import json
import re
import time
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import facts
import restore_integration
from conftest import seed_holders, start_tenant
from facts import ENTRY_ERROR
from warroom.runtime import Demisto

HASH = sorted(seed_holders())[0]
SHA256 = re.compile(r'[0-9a-fA-F]{64}')
text = st.text(max_size=12)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10, 10 ** 20), st.floats(allow_nan=False), text)
any_json = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(text, inner, max_size=3)), max_leaves=6)
a_hash = st.one_of(st.just(HASH), st.just(HASH.upper()), text, st.just('e' * 64 + '\n| x |'), json_scalar)
count = st.one_of(st.integers(0, 5), st.integers(-5, -1), st.integers(10 ** 18, 10 ** 30), json_scalar)
finished_item = st.one_of(
    st.fixed_dictionaries({'file_hash': a_hash, 'status': st.one_of(st.sampled_from(facts.XDR_OUTCOMES), text),
                           'restored_count': count, 'failed_count': count}),
    any_json)
finished = st.one_of(st.lists(finished_item, max_size=3).map(json.dumps), any_json.map(json.dumps), text)
refused = st.one_of(st.dictionaries(text, st.lists(a_hash, max_size=3), max_size=2).map(json.dumps),
                    any_json.map(json.dumps), text)
unsent = st.one_of(st.lists(a_hash, max_size=3).map(json.dumps), any_json.map(json.dumps), text)
# Around now (drawn when the example is), and around a day ahead, as text or as the JSON of any number.
ahead = st.one_of(st.integers(-10 ** 9, 10 ** 9), st.integers(-10 ** 6, 10 ** 6).map(
    lambda ms: ms + facts.POLLING_STARTED_AHEAD_MAX_MS))
polling_started = st.one_of(ahead.map(lambda ms: str(int(time.time() * 1000) + ms)),
                            ahead.map(lambda ms: f' {(time.time() * 1000 + ms) / 1000:e} '),
                            st.integers(-10, 10 ** 20).map(str), any_json.map(json.dumps), text)
polling_checks = st.one_of(st.integers(-10, 10 ** 20).map(str), st.integers(10 ** 18 - 3, 10 ** 18 + 3).map(str),
                           any_json.map(json.dumps), text)
# A vendor's wait left: none, or longer than a run waits for its turns (facts.MAX_RUN_WAIT_SECONDS), so that no example
# sleeps.
wait_left = st.one_of(st.just(0), st.integers(facts.MAX_RUN_WAIT_SECONDS + 1, 10 ** 10))
endpoints_count = st.one_of(st.lists(st.one_of(st.none(), count), max_size=2).map(json.dumps), any_json.map(json.dumps),
                           text)
older_actions = st.one_of(st.dictionaries(a_hash, st.lists(json_scalar, max_size=3), max_size=2).map(json.dumps),
                         any_json.map(json.dumps), text)
# For each action (its ID as text) whose status a check did not read: [HTTP status or a kind, vendor code, check, when]
unread_cause = st.tuples(st.one_of(st.integers(0, 1000), st.sampled_from(facts.UNREAD_KINDS_WITHOUT_STATUS), text),
                         any_json, count, st.one_of(ahead.map(
    lambda ms: int(time.time() * 1000) + ms), count)).map(list)
unread = st.one_of(st.dictionaries(text, st.one_of(unread_cause, any_json), max_size=2).map(json.dumps),
                   any_json.map(json.dumps), text)
put_off = st.one_of(st.integers(-10, 10 ** 10).map(str), st.tuples(st.integers(0, 10 ** 10), wait_left).map(
    lambda pair: f'{pair[0]}:{pair[1]}'), any_json.map(json.dumps), text)


def written_by_the_command(name, value, now_ms):
    """Whether ``value`` is what the command writes there (or nothing: blank), this machine's clock reading
    ``now_ms``: finished and unsent a JSON list, refused a JSON object, polling_started and polling_checks a number."""
    if not value.strip():
        return True
    if name == 'put_off':
        # the wait left after the colon: a Retry-After date as late as the year 9999 is 12 digits of seconds away
        return re.fullmatch(r'[0-9]{1,9}(:[0-9]{1,12})?', value.strip()) is not None
    try:
        carried = json.loads(value)
    except ValueError:
        return False
    if name == 'polling_started':
        return type(carried) is int and 0 < carried <= now_ms + facts.POLLING_STARTED_AHEAD_MAX_MS
    if name == 'polling_checks':
        return type(carried) is int and 0 <= carried < 10 ** 18
    if name == 'unsent':  # the files of file_hash no run has sent: here every one has its action
        return carried == []
    if name == 'endpoints_count':  # each restore's own count, one per action_id (here one), null when not known
        return isinstance(carried, list) and len(carried) in (0, 1) and all(
            item is None or type(item) is int and 0 < item < 10 ** 18 for item in carried)
    if name == 'older_actions':  # for each file left to a check, the action IDs (as text) the context held then
        return isinstance(carried, dict) and all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in carried.values())
    if name == 'unread':  # for each action not read, [HTTP status or a kind without one, vendor code, check, when (ms)]
        return isinstance(carried, dict) and all(
            isinstance(cause, list) and len(cause) == 4 and (type(cause[0]) is int and 100 <= cause[0] <= 599 or (
                isinstance(cause[0], str) and cause[0] in facts.UNREAD_KINDS_WITHOUT_STATUS))
            and all(type(n) is int and 0 <= n < 10 ** 18 for n in cause[2:])  # a check by hand is check 0
            and 0 < cause[3] <= now_ms + facts.POLLING_STARTED_AHEAD_MAX_MS for cause in carried.values())
    if name == 'finished':
        return isinstance(carried, list) and all(
            isinstance(item, dict) and set(item) == {'file_hash', 'status', 'restored_count', 'failed_count'}
            and isinstance(item['file_hash'], str) and SHA256.fullmatch(item['file_hash'])
            and item['status'] in facts.XDR_OUTCOMES[1:]  # integration.yml: files whose actions ended
            and all(type(item[k]) is int and 0 <= item[k] < 10 ** 18 for k in ('restored_count', 'failed_count'))
            for item in carried)
    return isinstance(carried, dict) and all(
        isinstance(reason, str) and isinstance(hashes, list) and
        all(isinstance(h, str) and SHA256.fullmatch(h) for h in hashes) for reason, hashes in carried.items())


@pytest.fixture(scope='module')
def xdr():
    """A tenant with one restore started, whose action the polling runs check."""
    tenant = start_tenant(auth_type='advanced')
    started = Demisto(tenant.params(), 'restore-file', {'file_hash': HASH, 'polling': 'false'}, {}, [])
    restore_integration.main(started)
    tenant.action_id = started.entries[-1]['Contents']['action_id']
    yield tenant
    tenant.server.stop()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(['finished', 'refused', 'unsent', 'polling_started', 'polling_checks', 'put_off',
                              'older_actions', 'endpoints_count', 'unread']),
       polling=st.sampled_from(['false', 'true']), data=st.data())
def test_a_hidden_argument_goes_on_as_written_or_is_refused_before_any_request(xdr, name, polling, data):
    value = data.draw({'finished': finished, 'refused': refused, 'unsent': unsent,
                       'polling_started': polling_started,
                       'polling_checks': polling_checks, 'put_off': put_off, 'older_actions': older_actions,
                       'endpoints_count': endpoints_count, 'unread': unread}[name])
    args = {'file_hash': HASH, 'action_id': json.dumps([xdr.action_id]), 'polling': polling, name: value}
    before, started_ms = len(xdr.gateway.requests), time.time() * 1000
    demisto = Demisto(xdr.params(), 'restore-file', args, {}, [])
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        restore_integration.main(demisto)
    ended_ms = time.time() * 1000

    errors = [entry for entry in demisto.entries if entry['Type'] == ENTRY_ERROR]
    shown = f'{name}={value!r:.300} -> {[str(e.get("Contents"))[:300] for e in demisto.entries]}'
    for entry in demisto.entries:
        assert 'Traceback' not in str(entry) and 'fault in the integration' not in str(entry), shown
    if errors:  # refused: never a value the command writes (read on the clock before the run, the strictest)
        said = errors[0]['Contents']
        assert len(demisto.entries) == 1 and 'is set by the command itself' in said and name in said, shown
        assert len(xdr.gateway.requests) == before, shown
        assert not written_by_the_command(name, value, started_ms), shown
    else:  # gone on: only with a value the command writes (read on the clock after the run, the most lenient)
        assert written_by_the_command(name, value, ended_ms), shown


@pytest.mark.parametrize('name', ['finished', 'refused', 'unsent', 'polling_started', 'polling_checks', 'put_off',
                                  'older_actions', 'endpoints_count', 'unread', 'action_id', 'file_hash'])
def test_a_list_nested_past_python_s_recursion_limit_is_refused_by_name_not_a_fault(xdr, name):
    args = {'file_hash': HASH, 'action_id': json.dumps([xdr.action_id]), 'polling': 'false',
            name: '[' * 100_000 + ']' * 100_000}
    before = len(xdr.gateway.requests)
    demisto = Demisto(xdr.params(), 'restore-file', args, {}, [])

    restore_integration.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and name in entry['Contents'] and 'unexpected' not in entry['Contents']
    assert len(xdr.gateway.requests) == before


@pytest.mark.parametrize('item', [True, '', '  ', None, [7], {'id': 7}])
def test_an_action_id_list_holding_an_item_no_action_id_can_be_is_refused_by_position_before_any_request(xdr, item):
    args = {'file_hash': HASH, 'action_id': json.dumps([item]), 'polling': 'false'}
    before = len(xdr.gateway.requests)
    demisto = Demisto(xdr.params(), 'restore-file', args, {}, [])

    restore_integration.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and 'unexpected' not in entry['Contents']
    # the action_id of the file's record, not a run without it, which would send the restore again
    assert 'action_id item 1' in entry['Contents'] and 'CortexXDR.RestoredFile' in entry['Contents']
    assert 'without it' not in entry['Contents']
    assert len(xdr.gateway.requests) == before



def test_an_action_id_typed_with_a_minus_sign_is_refused_by_name_before_any_request(xdr):
    # README, restore-file: an action ID typed as text is "a text of digits alone", which goes as its number
    args = {'file_hash': HASH, 'action_id': '-1', 'polling': 'false'}
    before = len(xdr.gateway.requests)
    demisto = Demisto(xdr.params(), 'restore-file', args, {}, [])

    restore_integration.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and 'action_id' in entry['Contents'] and 'unexpected' not in entry['Contents']
    assert len(xdr.gateway.requests) == before

# JSON's true and false are no count of checks nor a time (json reads them as Python's True and False, which are ints
# to isinstance): a polling run handed one refuses it by name rather than count True as 1 ms since the epoch (its
# polling time run out at once) or as one check made.
@pytest.mark.parametrize('name', ['polling_started', 'polling_checks'])
@pytest.mark.parametrize('value', ['true', 'false'])
def test_a_json_boolean_as_the_polling_start_or_the_checks_made_is_refused_by_name_before_any_request(xdr, name,
                                                                                                      value):
    args = {'file_hash': HASH, 'action_id': json.dumps([xdr.action_id]), 'polling': 'true', name: value}
    before = len(xdr.gateway.requests)
    demisto = Demisto(xdr.params(), 'restore-file', args, {}, [])

    restore_integration.main(demisto)

    [entry] = demisto.entries
    assert entry['Type'] == ENTRY_ERROR and name in entry['Contents'], entry
    assert 'set by the command itself' in entry['Contents'], entry
    assert len(xdr.gateway.requests) == before


def is_action_id(item) -> bool:
    """README: an action ID is a number or a text, as Cortex XDR sent it; a blank text, null, a boolean, a list, an
    object, NaN or an infinity is none."""
    if isinstance(item, str):
        return bool(item.strip())
    return type(item) in (int, float) and item == item and abs(item) != float('inf')


def as_the_status_api_takes_it(item):
    """README: sent to the status API as received, but for a text of digits alone (18 at most), sent as its number."""
    return int(item) if isinstance(item, str) and re.fullmatch('[0-9]{1,18}', item) else item


action_id_item = st.one_of(st.integers(-10 ** 30, 10 ** 30), st.floats(), st.text(max_size=20),
                           st.text('0123456789', min_size=1, max_size=20), st.none(), st.booleans(),
                           st.lists(st.integers(0, 9), max_size=2),
                           st.dictionaries(text, st.integers(0, 9), max_size=1))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(item=action_id_item)
def test_an_action_id_typed_as_a_json_list_of_one_reaches_the_status_api_as_given_or_is_refused_by_name(xdr, item):
    # no retry: each action ID the emulator does not know is answered a 500, which a status read retries
    args = {'file_hash': HASH, 'action_id': json.dumps([item]), 'polling': 'false'}
    before = len(xdr.gateway.requests)
    demisto = Demisto(xdr.params(max_retries='0'), 'restore-file', args, {}, [])
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        restore_integration.main(demisto)

    sent = xdr.gateway.requests[before:]
    shown = f'{args["action_id"]!r:.200} -> {[str(e.get("Contents"))[:300] for e in demisto.entries]}, {sent}'
    assert not any('Traceback' in str(e) or 'fault in the integration' in str(e) for e in demisto.entries), shown
    if not is_action_id(item):
        [entry] = demisto.entries
        assert entry['Type'] == ENTRY_ERROR and 'action_id' in entry['Contents'], shown
        assert sent == [], shown
        return
    # a check by hand sends no restore: it reads the one action's status, whatever Cortex XDR then answers
    assert [request.path.rsplit('/public_api/v1', 1)[-1] for request in sent] == ['/actions/get_action_status/'], shown
    group_action_id = sent[0].body['request_data']['group_action_id']
    expected = as_the_status_api_takes_it(item)
    assert group_action_id == expected and type(group_action_id) is type(expected), shown


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(action_id=st.one_of(st.integers(0, 10 ** 18 - 1), st.text('0123456789', min_size=1, max_size=18)))
def test_a_whole_number_action_id_and_its_json_list_of_one_are_read_alike(xdr, action_id):
    sent = []
    for typed in (str(action_id), json.dumps([action_id])):
        before = len(xdr.gateway.requests)
        args = {'file_hash': HASH, 'action_id': typed, 'polling': 'false'}
        demisto = Demisto(xdr.params(max_retries='0'), 'restore-file', args, {}, [])  # one status read, answered or not
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            restore_integration.main(demisto)
        sent.append([request.body for request in xdr.gateway.requests[before:]])
    assert sent[0] == sent[1] and len(sent[0]) == 1, sent
    assert sent[0][0]['request_data']['group_action_id'] == int(action_id), sent


# Each bound of a status read's unread cause, a step inside it and a step past it: [HTTP status (100 to 599) or a kind
# without one, vendor code, check (a whole number, 0 a check by hand, at most 18 digits), when (ms since the epoch, not
# past a day ahead)]; ``now`` and ``day`` are filled in when the example runs. The generated examples above draw a
# 4-item list of any numbers, which lands on a bound by chance alone.
DAY_MS = facts.POLLING_STARTED_AHEAD_MAX_MS
UNREAD_CAUSE_EDGES = {
    'status 100': [100, None, 1, 'now'], 'status 99': [99, None, 1, 'now'],
    'status 599': [599, 500, 1, 'now'], 'status 600': [600, 500, 1, 'now'],
    'a kind without a status': ['no connection', None, 1, 'now'],
    'a kind not written': ['no connections', None, 1, 'now'],
    'check 0, by hand': [500, None, 0, 'now'], 'check -1': [500, None, -1, 'now'],
    'check true': [500, None, True, 'now'],
    'check of 18 digits': [500, None, 10 ** 18 - 1, 'now'], 'check of 19 digits': [500, None, 10 ** 18, 'now'],
    'check as text': [500, None, '1', 'now'],
    'when 1 ms after the epoch': [500, None, 1, 1], 'when at the epoch': [500, None, 1, 0],
    'when a minute inside a day ahead': [500, None, 1, 'day - 60000'],
    'when a minute past a day ahead': [500, None, 1, 'day + 60000'],
    'three items': [500, None, 1], 'five items': [500, None, 1, 'now', 1],
}


@pytest.mark.parametrize('edge', UNREAD_CAUSE_EDGES)
def test_an_unread_cause_at_each_edge_of_what_the_command_writes_goes_on_or_is_refused_before_any_request(xdr, edge):
    now_ms = int(time.time() * 1000)
    when = {'now': now_ms, 'day - 60000': now_ms + DAY_MS - 60_000, 'day + 60000': now_ms + DAY_MS + 60_000}
    cause = [when[item] if item in when else item for item in UNREAD_CAUSE_EDGES[edge]]
    value = json.dumps({str(xdr.action_id): cause})
    args = {'file_hash': HASH, 'action_id': json.dumps([xdr.action_id]), 'polling': 'false', 'unread': value}
    before = len(xdr.gateway.requests)
    demisto = Demisto(xdr.params(), 'restore-file', args, {}, [])

    restore_integration.main(demisto)

    errors = [entry['Contents'] for entry in demisto.entries if entry['Type'] == ENTRY_ERROR]
    if written_by_the_command('unread', value, now_ms):
        assert not errors, (cause, errors)
    else:
        assert errors and 'unread is set by the command itself' in errors[0], (cause, demisto.entries)
        assert len(xdr.gateway.requests) == before
