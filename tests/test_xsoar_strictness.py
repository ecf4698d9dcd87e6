"""The war room refuses what XSOAR's server refuses (or documents as the only form it takes), so that a bug XSOAR
would show fails here too: entries, fetched incidents, the last run, the integration context, test-module's answer
and the instance params. Each rule's source is in DEVELOPERS.md ("The war room"); the integration and the pack's
scripts run through the same rules over HTTP to the emulators."""
from __future__ import annotations

import gc
import importlib.util
import json
import re
import tempfile
import threading
import warnings
import weakref
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import yaml
from hypothesis import given, strategies as st

import facts
import restore_integration as ri
from conftest import TEST_DATA, hss_seed_copies, refused_in_a_worker, seed_holders
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.params import ParamsError, env_name, load_params
from warroom.playbook.runner import ScriptDemisto
from warroom.runtime import Demisto, DemistoMisuse, FetchError, ScheduleError, WarRoom
from warroom.spec import ArgumentError, load_spec

IAM_TOKENS = '/v3/auth/tokens'
# An entry as CommonServerPython's CommandResults.to_context writes it, every field XSOAR reads set.
GOOD_ENTRY = {'Type': 1, 'ContentsFormat': 'json', 'Contents': {'a': 1}, 'HumanReadable': '### a',
              'ReadableContentsFormat': 'markdown', 'EntryContext': {'A(val.a == obj.a)': {'a': 1}},
              'IgnoreAutoExtract': False, 'Note': True}

# A relationship as CommonServerPython's EntityRelationship.to_entry writes it.
RELATIONSHIP = {'name': 'related-to', 'reverseName': 'related-to', 'type': 'IndicatorToIndicator',
                'entityA': 'a.example', 'entityAFamily': 'Indicator', 'entityAType': 'Domain', 'entityB': '192.0.2.1',
                'entityBFamily': 'Indicator', 'entityBType': 'IP', 'fields': {}}


# --------------------------------------------------------------------------- entries (demisto.results)

@pytest.mark.parametrize('field, value', [
    ('Type', 99), ('Type', '1'), ('Type', True),  # EntryType's numbers only
    ('ContentsFormat', 'xml'), ('ReadableContentsFormat', 'rst'),  # EntryFormat's names only
    ('HumanReadable', {'a': 1}), ('HumanReadable', 5),  # the text the war room shows
    ('EntryContext', ['A']), ('EntryContext', 'A'),  # the dictionary of context outputs
    ('IgnoreAutoExtract', 'true'), ('Note', 1),  # booleans, as CommandResults writes them
    ('Type', None),  # DemistoClassApiModule's convert gives an entry no Type of its own
    ('IndicatorTimeline', 'x'), ('IndicatorTimeline', [{'Value': 'a'}, 'b']),  # an object, or a list of them
    ('Relationships', 'x'), ('Relationships', {'name': 'related-to'}),  # a list of relationship objects only
    ('Relationships', [{'name': 'related-to'}, 'b']),
    ('Tags', 'evidence'), ('Tags', ['evidence', 1]), ('Tags', {'evidence': True}),  # a list of text only
    ('APIExecutionMetrics', 'x'), ('APIExecutionMetrics', {'Type': 'Successful', 'APICallsCount': 1}),
    ('APIExecutionMetrics', [{'Type': 'Successful', 'APICallsCount': '1'}]),  # ExecutionMetrics' list of counts
    ('APIExecutionMetrics', [{'Type': 'Successful'}]), ('APIExecutionMetrics', [{'Type': 2, 'APICallsCount': 1}]),
    # an int field as json.dumps writes it: XSOAR's server (Go) reads 1.0 or true into none (test_a_whole_float_...)
    ('Type', 1.0), ('APIExecutionMetrics', [{'Type': 'Successful', 'APICallsCount': 3.0}]),
    ('APIExecutionMetrics', [{'Type': 'Successful', 'APICallsCount': True}]),
])
def test_an_entry_field_xsoar_does_not_take_is_refused_for_integrations_and_scripts(field, value):
    integration = Demisto({}, 'restore-file', {}, {}, [])
    script = ScriptDemisto({}, {}, {})
    for demisto in (integration, script):
        with pytest.raises(DemistoMisuse, match=field):
            demisto.results({**GOOD_ENTRY, field: value})
        demisto.results(dict(GOOD_ENTRY))
        assert demisto.entries == [GOOD_ENTRY]


@pytest.mark.parametrize('kind', [kind for kind in range(max(facts.XSOAR_ENTRY_TYPES) + 2)
                                  if kind not in facts.XSOAR_ENTRY_TYPES])
def test_an_entry_type_commonserverpython_s_entrytype_does_not_define_is_refused(kind):
    integration = Demisto({}, 'restore-file', {}, {}, [])
    script = ScriptDemisto({}, {}, {})
    for demisto in (integration, script):
        with pytest.raises(DemistoMisuse, match='Type'):
            demisto.results({**GOOD_ENTRY, 'Type': kind})
        assert demisto.entries == []


@pytest.mark.parametrize('kind', facts.XSOAR_ENTRY_TYPES)
def test_each_entry_type_commonserverpython_s_entrytype_defines_is_taken(kind):
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results({**GOOD_ENTRY, 'Type': kind})
        assert [entry['Type'] for entry in demisto.entries] == [kind]


@pytest.mark.parametrize('whole', [1.0, 4.0, -0.0])
def test_a_whole_float_as_an_entry_s_type_is_refused_as_go_reads_no_fraction_into_an_int(whole):
    """XSOAR's server is Go: an entry's Type is an int field, and encoding/json refuses the text json.dumps writes
    for a float ("1.0") there ("cannot unmarshal number 1.0 into Go struct field ... of type int"), though the same
    number elsewhere (Contents) comes back as 1 (test_a_number_comes_back_as_the_server_writes_its_float64)."""
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        with pytest.raises(DemistoMisuse) as refused:
            demisto.results({**GOOD_ENTRY, 'Type': whole})
        assert f'Type {json.dumps(whole)} is no integer as JSON writes it' in str(refused.value)
        assert demisto.entries == []


@pytest.mark.parametrize('timeline', [None, {'Value': 'a', 'Message': 'm', 'Category': 'Integration Update'},
                                      [{'Value': 'a', 'Message': 'm', 'Category': 'Integration Update'}]])
def test_an_indicator_timeline_of_an_object_or_a_list_of_objects_is_taken(timeline):
    # content-docs code-conventions.md, "demisto.results()": IndicatorTimeline "is a dictionary (or list of
    # dictionaries)"; CommandResults.to_context writes None when there is none
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results({**GOOD_ENTRY, 'IndicatorTimeline': timeline})
        assert demisto.entries[0]['IndicatorTimeline'] == timeline


@pytest.mark.parametrize('tags', [None, [], ['evidence', 'malware']])
def test_an_entry_s_tags_as_command_results_writes_them_are_taken(tags):
    # CommonServerPython's CommandResults: "tags: must be a list" (its type comment: List[str]), written to the entry's
    # Tags only when given; None or [] is no tag.
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results({**GOOD_ENTRY, 'Tags': tags})
        assert demisto.entries[0]['Tags'] == tags


def test_execution_metrics_as_command_results_writes_them_are_taken():
    # CommonServerPython's ExecutionMetrics.update_metrics keeps {'Type': ..., 'APICallsCount': ...} per error type;
    # CommandResults.to_context writes that list as APIExecutionMetrics in an entry of EntryType.EXECUTION_METRICS (19)
    metrics = {'Type': 19, 'ContentsFormat': 'text', 'Contents': 'Metrics reported successfully.',
               'APIExecutionMetrics': [{'Type': 'Successful', 'APICallsCount': 3},
                                       {'Type': 'QuotaError', 'APICallsCount': 1}]}
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results(dict(metrics))
        assert demisto.entries == [metrics]


def test_a_script_s_execute_command_args_reach_the_command_with_the_keys_json_dump_writes():
    """XSOAR's executeCommand sends its args down the channel with json.dump (DemistoClassApiModuleClasses.py,
    DemistoScript.executeCommand, __do): a key True, 2 or None arrives as "true", "2" or "null" (the war room wrote
    str() of it, "True" and "None"), and a key json.dump cannot write (a tuple) fails the call."""
    received = []
    script = ScriptDemisto({}, {}, {}, execute=lambda command, args: received.append(args) or [])

    script.executeCommand('Set', {True: 'a', 2: 'b', None: 'c', 'key': 'd'})

    assert received == [{'true': 'a', '2': 'b', 'null': 'c', 'key': 'd'}]
    with pytest.raises(DemistoMisuse, match='JSON round trip'):
        script.executeCommand('Set', {('key',): 'a'})
    assert len(received) == 1


@pytest.mark.parametrize('key', [1, 2.5, True, None])
@pytest.mark.parametrize('holder', ['object', 'list'])
def test_an_entry_context_key_that_is_not_text_is_refused_by_name_for_integrations_and_scripts(key, holder):
    # content-docs context-and-outputs.md: "The Context keys are strings"; json.dumps, which sends the entry, would
    # write such a key as text unasked ("1", "true", "null"), another key than the code's.
    record = {'a': 1, 'b': {key: 'x'}}
    context = {'A(val.a == obj.a)': record if holder == 'object' else [{'a': 2}, record]}
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        with pytest.raises(DemistoMisuse, match=rf'key {re.escape(json.dumps(key))} within A\.b .*not text.*strings'):
            demisto.results({**GOOD_ENTRY, 'EntryContext': context})
        assert demisto.entries == []


@pytest.mark.parametrize('key', ['b.c', '.b', 'b.'])
def test_an_entry_context_key_holding_a_dot_within_a_value_is_refused_by_name_as_dt_reads_a_dot_as_a_path(key):
    # content-docs context-and-outputs.md: a context path is dot notation, "Avoid using dot and space characters in
    # the context path keys"; dt.md reads ${A.b.c} as A, b, c: a key "b.c" is read back by no path.
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        with pytest.raises(DemistoMisuse, match=rf'key {re.escape(json.dumps(key))} within A .*dot'):
            demisto.results({**GOOD_ENTRY, 'EntryContext': {'A(val.a == obj.a)': [{'a': 1, key: 'x'}]}})
        assert demisto.entries == []


def test_an_entry_context_s_own_keys_are_paths_whose_dots_and_conditions_pass():
    context = {'A.B(val.a.b && val.a.b == obj.a.b)': {'a': {'b': 1}, 'c d': 'x'}, 'C.D': 2}
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results({**GOOD_ENTRY, 'EntryContext': context})
        assert demisto.entries == [{**GOOD_ENTRY, 'EntryContext': context}]


@pytest.mark.parametrize('field, value', [  # a PollingCommand left empty schedules nothing (test_warroom_polling_rules)
    (name, value) for name in ('NextRun', 'Timeout') for value in ('10.5', '1e2', ' 30', '+30', '30.0', '0', 30)])
def test_polling_fields_take_the_text_of_a_whole_positive_number_as_scheduled_command_writes_them(field, value):
    # CommonServerPython's ScheduledCommand: next_run_in_seconds and timeout_in_seconds are ints, written as str().
    polling = {'Type': 1, 'ContentsFormat': 'text', 'Contents': 'x', 'PollingCommand': 'restore-file',
               'NextRun': '30', 'Timeout': '600', 'PollingArgs': {'file_hash': 'a' * 64}}
    room = WarRoom(params={}, time_scale=0, sleep=lambda _: None)
    assert room._next_run('restore-file', polling)[2:] == (30, 600)
    with pytest.raises(ScheduleError, match=field):
        room._next_run('restore-file', {**polling, field: value})


# ScheduledCommand.to_results (CommonServerPython) writes PollingCommand as text, NextRun and Timeout as str() of whole
# seconds, PollingArgs as an object and PollingItemsRemaining (items_remaining, "Optional[int]") as a whole number;
# XSOAR's own entries, as a script's executeCommand reads them back, carry 'PollingCommand': '', 'NextRun': '',
# 'Timeout': '', 'PollingArgs': None, 'PollingItemsRemaining': 0.
SCHEDULE_FIELDS = {'PollingCommand': 'restore-file', 'NextRun': '30', 'Timeout': '600',
                   'PollingArgs': {'file_hash': 'a' * 64}, 'PollingItemsRemaining': 2}
XSOAR_OWN_SCHEDULE_FIELDS = {'PollingCommand': '', 'NextRun': '', 'Timeout': '', 'PollingArgs': None,
                             'PollingItemsRemaining': 0}


@pytest.mark.parametrize('field, value', [
    ('NextRun', 30), ('Timeout', 600), ('NextRun', '10.5'), ('Timeout', '0'), ('NextRun', 'soon'),
    ('PollingCommand', 5), ('PollingCommand', ['restore-file']), ('PollingArgs', 'file_hash=a'),
    ('PollingArgs', ['file_hash']), ('PollingItemsRemaining', '3'), ('PollingItemsRemaining', True),
    ('PollingItemsRemaining', 1.5), ('PollingItemsRemaining', 2.0), ('PollingItemsRemaining', -1)])
def test_an_entry_s_polling_fields_are_held_to_scheduled_command_s_types_whoever_runs_the_command(
        monkeypatch, field, value):
    """XSOAR takes an entry's fields the same whether an analyst, a playbook task or a script's executeCommand ran the
    command (executeCommand only schedules nothing: content-docs scheduled-commands.md); the war room checked the
    polling fields only when it scheduled a next run, so an entry handed back to a script took any of them."""
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results({**GOOD_ENTRY, **SCHEDULE_FIELDS})
        demisto.results({**GOOD_ENTRY, **XSOAR_OWN_SCHEDULE_FIELDS})
        with pytest.raises(DemistoMisuse, match=field):
            demisto.results({**GOOD_ENTRY, **SCHEDULE_FIELDS, field: value})

    def return_it(demisto):
        demisto.results({**GOOD_ENTRY, **SCHEDULE_FIELDS, field: value})

    monkeypatch.setattr(ri, 'main', return_it)
    with pytest.raises(DemistoMisuse, match=field):  # as a script's executeCommand runs it: no next run scheduled
        WarRoom(params={}).run('restore-file', {'file_hash': 'a' * 64}, follow_polling=False)


@pytest.mark.parametrize('value, shown', [('10.5', '"10.5"'), (30, '30'), (True, 'true'), ('\u2028', '"\\u2028"')])
def test_a_bad_next_run_is_quoted_as_json_in_the_refusal(value, shown):
    with pytest.raises(DemistoMisuse) as refused:
        Demisto({}, 'restore-file', {}, {}, []).results({**GOOD_ENTRY, **SCHEDULE_FIELDS, 'NextRun': value})
    assert 'NextRun must be text holding a positive number of seconds' in str(refused.value)
    assert f'(str(seconds)); got {shown}.' in str(refused.value)
    polling = {'Type': 1, 'ContentsFormat': 'text', 'Contents': 'x', 'PollingCommand': 'restore-file',
               'NextRun': value, 'Timeout': '600', 'PollingArgs': {'file_hash': 'a' * 64}}
    with pytest.raises(ScheduleError) as unscheduled:
        WarRoom(params={}, time_scale=0, sleep=lambda _: None)._next_run('restore-file', polling)
    assert str(unscheduled.value).endswith(f'(str(seconds)); got {shown}.')


@pytest.mark.parametrize('field, value', [('Contents', {'endpoints_count': float('nan')}),
                                          ('EntryContext', {'A': {'a': float('inf')}})])
def test_an_entry_holding_nan_or_infinity_is_refused_as_json_xsoar_cannot_read(field, value):
    # RFC 8259: "Numeric values that cannot be represented ... (such as Infinity and NaN) are not permitted".
    with pytest.raises(DemistoMisuse, match='JSON'):
        Demisto({}, 'restore-file', {}, {}, []).results({**GOOD_ENTRY, field: value})


def test_an_integer_past_2_53_comes_back_rounded_as_a_float64_and_one_up_to_it_exact():
    # XSOAR's server reads JSON numbers into float64s (Go's encoding/json); Python's json keeps any int exact.
    exact, past = 2 ** 53, 2 ** 53 + 1
    demisto = Demisto({}, 'restore-file', {}, {}, [])
    demisto.results({**GOOD_ENTRY, 'EntryContext': {'A': {'exact': exact, 'past': past, 'below': -past}}})
    [shown] = demisto.entries
    assert shown['EntryContext']['A']['exact'] == exact and isinstance(shown['EntryContext']['A']['exact'], int)
    assert shown['EntryContext']['A']['past'] != past and shown['EntryContext']['A']['past'] == float(past)
    assert shown['EntryContext']['A']['below'] == -float(past)


# Go's encoding/json, as XSOAR's server reads what json.dump sends (a surrogate alone as a \u escape): "invalid UTF-16
# surrogate pairs are not treated as an error. Instead, they are replaced by the Unicode replacement character U+FFFD"
# (golang/go src/encoding/json/decode.go, Unmarshal). A pair stays the one character it writes.
@pytest.mark.parametrize('sent, kept', [
    ('C:\\dir\\a\udc80b.exe', 'C:\\dir\\a\ufffdb.exe'),  # a Windows name holding half a pair
    ('\ud83d', '\ufffd'), ('\ud83dx', '\ufffdx'), ('\ude00\ud83d', '\ufffd\ufffd'),
    ('\ud83d\ud83d\ude00', '\ufffd\U0001f600'),  # the first half alone, then a pair
    ('\U0001f600', '\U0001f600'), ('\ud83d\ude00', '\U0001f600'), ('\\ud800', '\\ud800')])
def test_a_surrogate_alone_in_a_string_comes_back_as_u_fffd_as_xsoars_server_reads_it(monkeypatch, sent, kept):
    demisto = Demisto({}, 'restore-file', {}, {}, [])
    key = sent.replace('.', '_')  # a key within a value holds no dot (an entry holding one is refused)
    demisto.results({**GOOD_ENTRY, 'Contents': [sent], 'EntryContext': {'A': {key: {'path': sent}}}})
    [shown] = demisto.entries
    assert shown['Contents'] == [kept] and shown['EntryContext'] == {'A': {kept.replace('.', '_'): {'path': kept}}}

    seen = []  # a playbook task's argument too, decoded from the JSON XSOAR keeps it in
    monkeypatch.setattr(ri, 'main', lambda demisto: (seen.append(demisto.args()), demisto.results('done')))
    WarRoom(params={}).run('restore-file', {'file_hash': 'a' * 64, 'endpoint_id': [sent], 'polling': 'false'})
    assert seen[0]['endpoint_id'] == [kept]


@given(st.text(st.characters(blacklist_categories=())))  # any code point, surrogates included
def test_no_surrogate_comes_back_from_the_server_and_text_without_one_comes_back_as_it_went(sent):
    demisto = Demisto({}, 'restore-file', {}, {}, [])
    demisto.results({**GOOD_ENTRY, 'Contents': sent})
    kept = demisto.entries[0]['Contents']
    assert not any('\ud800' <= char <= '\udfff' for char in kept)
    if not any('\ud800' <= char <= '\udfff' for char in sent):
        assert kept == sent
    else:  # each surrogate alone is one U+FFFD, a pair one character: never more characters than went
        assert len(kept) <= len(sent)


def test_objects_come_back_from_the_server_with_their_keys_in_order_as_go_writes_a_map(monkeypatch):
    """XSOAR's server reads a JSON object into a map (as it reads a number into a float64), and Go's encoding/json
    writes a map's keys "sorted" (golang/go src/encoding/json/encode.go, Marshal), byte-wise in UTF-8: the order of
    their code points. So what the code reads back (an entry, its context, a run's arguments) lists its keys in that
    order, whatever order the code wrote them in; nothing may rest on the order it wrote."""
    written = {'b': 1, 'a': {'z': 1, 'B': 2, '\u00e9': 3, 'a': 4}, 'C': [{'y': 1, 'x': 2}], 10: 'ten', '9': 'nine'}
    demisto = Demisto({}, 'restore-file', {}, {}, [])
    demisto.results({**GOOD_ENTRY, 'Contents': written, 'EntryContext': {'Z': 1, 'A(true)': written['a']}})
    [shown] = demisto.entries
    assert list(shown['Contents']) == ['10', '9', 'C', 'a', 'b']  # '1' (U+0031) < '9' < 'C' < 'a'
    assert list(shown['Contents']['a']) == ['B', 'a', 'z', '\u00e9'] and list(shown['Contents']['C'][0]) == ['x', 'y']
    assert list(shown['EntryContext']) == ['A(true)', 'Z']

    seen = []
    monkeypatch.setattr(ri, 'main', lambda demisto: (seen.append(demisto.args()), demisto.results('done')))
    WarRoom(params={}).run('restore-file', {'polling': 'false', 'file_hash': 'a' * 64, 'endpoint_id': 'e1'})
    names = list(seen[0])  # with the defaults integration.yml fills in
    assert {'endpoint_id', 'file_hash', 'polling'} <= set(names) and names == sorted(names)


# Go's encoding/json writes a float64 "like 'f'" (digits, no fraction for a whole number) unless it is below 1e-6 or
# 1e21 and above, then with an exponent (golang/go src/encoding/json/encode.go, floatEncoder): what the server hands
# back is an int to json.loads when whole and below 1e21, else a float; a number past a float64 it does not read.
@pytest.mark.parametrize('sent, kept', [
    (2.0, 2), (-0.0, 0), (2 ** 53 + 1, 2 ** 53), (10 ** 20 + 1, 10 ** 20), (1.5, 1.5), (1e21, 1e21), (1e-7, 1e-7)])
def test_a_number_comes_back_as_the_server_writes_its_float64(sent, kept):
    demisto = Demisto({}, 'restore-file', {}, {}, [])
    demisto.results({**GOOD_ENTRY, 'Contents': [sent]})
    [back] = demisto.entries[0]['Contents']
    assert back == kept and type(back) is type(kept)


def test_a_number_past_a_float64_s_range_is_refused_as_the_server_cannot_read_it():
    with pytest.raises(DemistoMisuse, match='JSON'):
        Demisto({}, 'restore-file', {}, {}, []).results({**GOOD_ENTRY, 'Contents': [10 ** 400]})


@pytest.mark.parametrize('relationships', [None, [], [RELATIONSHIP]])
def test_relationships_as_a_list_of_relationship_objects_are_taken(relationships):
    # CommandResults.to_context writes [relationship.to_entry() for ...]: a list, each an object (empty list: none)
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results({**GOOD_ENTRY, 'Relationships': relationships})
        assert demisto.entries[0]['Relationships'] == relationships


def test_an_entry_may_leave_out_what_it_does_not_use():
    demisto = Demisto({}, 'restore-file', {}, {}, [])
    entry = {'Type': 4, 'ContentsFormat': 'text', 'Contents': 'failed', 'EntryContext': None, 'HumanReadable': None,
             'ReadableContentsFormat': ''}  # return_error's entry; XSOAR's own entries carry '' and None
    demisto.results(entry)
    demisto.results('ok')
    assert demisto.entries[0] == entry and demisto.entries[1]['Contents'] == 'ok'


@pytest.mark.parametrize('missing', ['Contents', 'ContentsFormat'])
def test_a_dict_without_contents_and_their_format_becomes_a_note_of_its_json_and_its_context_is_lost(missing):
    # demisto/content DemistoClassApiModuleClasses.py, convert(): a dict is an entry only "if 'Contents' in results and
    # 'ContentsFormat' in results"; any other is written as a note whose Contents is its JSON text.
    given = {name: value for name, value in GOOD_ENTRY.items() if name != missing}
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results(given)
        [shown] = demisto.entries
        assert (shown['Type'], shown['ContentsFormat']) == (1, 'json') and json.loads(shown['Contents']) == given
        assert 'EntryContext' not in shown and 'HumanReadable' not in shown



class EntryList(list):
    """A list of entries that is a subclass, as a future helper could hand over."""


@pytest.mark.parametrize('given', [OrderedDict(GOOD_ENTRY), EntryList([GOOD_ENTRY])], ids=['OrderedDict', 'list'])
def test_an_entry_that_is_no_plain_dict_or_list_becomes_a_note_of_its_text_and_its_context_is_lost(given):
    # DemistoClassApiModuleClasses.py, convert(): "if type(results) is dict" ... "if type(results) is list" ...
    # "return {'Type': 1, 'Contents': str(results), 'ContentsFormat': 'text'}": a subclass of either is neither.
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        demisto.results(given)
        [shown] = demisto.entries
        assert (shown['Type'], shown['ContentsFormat'], shown['Contents']) == (1, 'text', str(given))
        assert 'EntryContext' not in shown

@pytest.mark.parametrize('given', [[[GOOD_ENTRY]], [GOOD_ENTRY, [GOOD_ENTRY, GOOD_ENTRY]], [['ok']]],
                         ids=['list of a list', 'entry and a list', 'list of a text list'])
def test_a_list_inside_the_list_of_results_is_refused_as_no_entries_xsoar_takes(given):
    # DemistoClassApiModuleClasses.py, convert(): "if type(results) is list: ... res.append(self.convert(r))", so a list
    # inside the list stays a list, sent to the server where an entry belongs; the integration's demisto took each
    # entry inside it as an entry of its own (context merged, polling followed), a script's as a note of its text.
    for demisto in (Demisto({}, 'restore-file', {}, {}, []), ScriptDemisto({}, {}, {})):
        with pytest.raises(DemistoMisuse, match='list inside'):
            demisto.results(given)
        assert demisto.entries == []  # nothing of it taken
        demisto.results([GOOD_ENTRY, 'ok'])  # one list of entries (and of what convert makes notes of) is taken
        assert [entry['Contents'] for entry in demisto.entries] == [GOOD_ENTRY['Contents'], 'ok']


@pytest.mark.parametrize('make', [lambda: Demisto({}, 'restore-file', {}, {}, []),
                                  lambda: ScriptDemisto({}, {}, {})], ids=['integration', 'script'])
def test_bytes_handed_to_results_become_a_note_of_their_utf_8_text_and_bytes_not_utf_8_are_refused(make):
    # DemistoClassApiModuleClasses.py, convert(): "if sys.version_info.major >= 3 and type(results) is bytes: return
    # {'Type': 1, 'Contents': results.decode('utf-8'), 'ContentsFormat': 'text'}": its text, not "b'...'", and
    # decode raises UnicodeDecodeError in the run for bytes that are not UTF-8.
    demisto = make()
    demisto.results('d\u00e9j\u00e0 vu'.encode('utf-8'))
    demisto.results([b'ok'])
    assert [(e['Type'], e['ContentsFormat'], e['Contents']) for e in demisto.entries] == [
        (1, 'text', 'd\u00e9j\u00e0 vu'), (1, 'text', 'ok')]
    for refused in (b'\xff', [b'caf\xe9']):
        with pytest.raises(DemistoMisuse, match='not UTF-8'):
            demisto.results(refused)
    assert len(demisto.entries) == 2


def test_test_module_answering_ok_as_bytes_passes_as_xsoar_decodes_them(monkeypatch):
    # convert() decodes b'ok' to the answer 'ok', which the Test shows green (code-conventions.md, "test-module")
    monkeypatch.setattr(ri, 'main', lambda demisto: demisto.results(b'ok'))
    result = WarRoom(params={}).run('test-module', {})
    assert [entry['Contents'] for entry in result.entries] == ['ok'] and not result.failed


# --------------------------------------------------------------------------- log lines (demisto.debug, info, error)

@pytest.mark.parametrize('message', [object(), b'bytes', {1, 2}, float('nan')])
@pytest.mark.parametrize('make', [lambda: Demisto({}, 'restore-file', {}, {}, []),
                                  lambda: ScriptDemisto({}, {}, {})], ids=['integration', 'script'])
def test_a_log_message_that_is_not_json_is_refused_as_xsoar_cannot_send_it(make, message):
    # DemistoClassApiModuleClasses.py: debug, info and error send their args to the server with json.dump, which
    # raises TypeError for an object, bytes or a set; NaN is no JSON the server reads (RFC 8259).
    demisto = make()
    for call in (demisto.debug, demisto.info, demisto.error):
        with pytest.raises(DemistoMisuse, match='JSON'):
            call(message)
        call('a line of text')  # what the integration and the scripts log


# --------------------------------------------------------------------------- Python warnings (CSP's WarningsHandler)
# CommonServerPython, which XSOAR runs before the integration in its process, replaces warnings.showwarning with a
# handler calling demisto.info("python warning: " + warnings.formatwarning(...)) from whichever thread shows one, and
# calls urllib3's disable_warnings().

RESTORE_ONE = {'file_hash': 'a' * 64, 'polling': 'false'}


def python_warnings(log: list) -> list[str]:
    return [text for _, text in log if text.startswith('python warning: ')]


@pytest.mark.parametrize('how', ['run', 'fetch'])
def test_a_warning_shown_during_a_run_goes_to_its_log_as_commonserverpython_routes_it_and_none_after(monkeypatch,
                                                                                                     recwarn, how):
    monkeypatch.setattr(ri, 'main', misbehaving('warns'))
    shown_by, filters = warnings.showwarning, list(warnings.filters)
    room = WarRoom(params={})
    if how == 'run':
        log = room.run('restore-file', RESTORE_ONE).log
    else:
        room.fetch({})
        log = room.fetch_log
    warnings.warn('after the run', UserWarning)

    text = re.escape(misbehaving('WARNING_TEXT'))
    assert [re.fullmatch(rf'python warning: \S+integrations\.py:\d+: UserWarning: {text}\n.*\n', warning) is not None
            for warning in python_warnings(log)] == [True], log
    # showwarning and the filters as they were: pytest's own capture takes what is shown outside a run
    assert warnings.showwarning is shown_by and warnings.filters == filters
    assert [str(warning.message) for warning in recwarn] == ['after the run']


def test_a_warning_a_pack_script_shows_goes_to_the_script_log_as_commonserverpython_routes_it_and_none_after(
        monkeypatch, recwarn):
    """CommonServerPython "will be appended to each server script before being executed" (its docstring), and sets
    its WarningsHandler as it is read: an automation script's warnings reach demisto.info as an integration's do."""
    from warroom.playbook import runner
    script = 'WarnsAPythonWarning'
    monkeypatch.setattr(runner, 'SCRIPTS_DIR', TEST_DATA / 'misbehaving')
    shown_by, filters = warnings.showwarning, list(warnings.filters)

    run = runner.PlaybookRunner(params={}).run_post_processing(script, {'id': '1', 'closeReason': 'Resolved'})
    warnings.warn('after the script', UserWarning)

    assert not run.failed, run.error
    assert [str(warning.message) for warning in recwarn] == ['after the script']
    assert warnings.showwarning is shown_by and warnings.filters == filters
    written = runner._load_script(script)
    text = re.escape(written.WARNING_TEXT)
    [warning, own_line] = run.script_log
    assert warning[0] == 'info' and re.fullmatch(rf'python warning: \S+{script}\.py:\d+: UserWarning: {text}\n.*\n',
                                                 warning[1]) is not None, run.script_log
    assert own_line == ('info', written.LOG_LINE)


def test_a_warning_shown_on_a_worker_is_refused_as_the_unlocked_demisto_info_xsoar_would_serve(monkeypatch):
    # Before enable_multithreading(), CSP's demisto.info from another thread mixes on XSOAR's one channel; CSP's
    # handler swallows the error, but the run is broken all the same (misuses_raised).
    monkeypatch.setattr(ri, 'main', misbehaving('warns_on_a_worker'))

    with pytest.raises(DemistoMisuse, match="demisto.info\\(\\) called from thread 'worker-1'"):
        WarRoom(params={}).run('restore-file', RESTORE_ONE)


def test_a_warning_shown_on_a_worker_is_taken_after_enable_multithreading(monkeypatch):
    monkeypatch.setattr(ri, 'main', misbehaving('warns_on_a_worker_after_enable_multithreading'))

    result = WarRoom(params={}).run('restore-file', RESTORE_ONE)

    assert not result.failed and len(python_warnings(result.log)) == 1, result.log


def test_no_urllib3_warning_is_shown_as_commonserverpython_disables_them(monkeypatch, recwarn):
    # An InsecureRequestWarning from a worker (a request with insecure checked) reaches neither demisto nor pytest.
    monkeypatch.setattr(ri, 'main', misbehaving('warns_of_an_unverified_request_on_a_worker'))

    result = WarRoom(params={}).run('restore-file', RESTORE_ONE)

    assert not result.failed and python_warnings(result.log) == [] and list(recwarn) == []


VENDOR_WARNING = 'a Python warning the emulated vendor shows'


def a_vendor_that_warns(request):
    warnings.warn(VENDOR_WARNING, UserWarning)  # as an emulator's own code might (a deprecated call)
    return Response(200, b'ok')


def test_a_warning_an_emulator_shows_while_serving_a_run_is_not_the_run_s_and_goes_where_it_went_before(monkeypatch,
                                                                                                      recwarn):
    # In XSOAR the vendor is not in the integration's process: its warning never reaches CSP's handler, so it neither
    # fails the run (from a thread of its own) nor lands in the run's log; pytest's capture takes it as outside a run.
    with LoopbackServer(a_vendor_that_warns) as vendor:
        def main(demisto):
            requests.get(vendor.url, timeout=30).raise_for_status()  # the integration's request, on its own thread
            demisto.results({'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done'})
        monkeypatch.setattr(ri, 'main', main)

        result = WarRoom(params={}).run('restore-file', RESTORE_ONE)

    assert not result.failed and python_warnings(result.log) == [], result.log
    assert [str(warning.message) for warning in recwarn] == [VENDOR_WARNING]


def sends_a_request_on_a_worker(url: str, multithreading: bool):
    """An integration's main sending one request from a thread of its own (as bulk work does), having called
    demisto.enable_multithreading() first or not; whatever the request raises on the worker is caught there."""
    def main(demisto):
        if multithreading:
            demisto.enable_multithreading()

        def send():
            try:
                requests.get(url, timeout=30)
            except DemistoMisuse:  # kept all the same (misuses_raised)
                pass
        worker = threading.Thread(target=send, name='worker-1')
        worker.start()
        worker.join()
        demisto.results({'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done'})
    return main


def test_a_debug_log_line_of_a_request_sent_on_a_worker_is_refused_before_enable_multithreading(monkeypatch):
    # CSP's debug mode logs what http.client prints with demisto.info from the thread that sent the request: from a
    # worker, a call XSOAR serves unlocked before enable_multithreading() (DebugLog.print, Demisto.csp_info).
    with LoopbackServer(lambda request: Response(200, b'ok')) as vendor:
        monkeypatch.setattr(ri, 'main', sends_a_request_on_a_worker(vendor.url, multithreading=False))
        with pytest.raises(DemistoMisuse, match="demisto.info\\(\\) called from thread 'worker-1'"):
            WarRoom(params={}).run('restore-file', {**RESTORE_ONE, 'debug-mode': 'true'})


def test_a_debug_log_line_of_a_request_sent_on_a_worker_is_logged_after_enable_multithreading(monkeypatch):
    with LoopbackServer(lambda request: Response(200, b'ok')) as vendor:
        monkeypatch.setattr(ri, 'main', sends_a_request_on_a_worker(vendor.url, multithreading=True))
        result = WarRoom(params={}).run('restore-file', {**RESTORE_ONE, 'debug-mode': 'true'})

    assert not result.failed, result.entries
    assert [text for _, text in result.log if text.startswith("send: b'GET / HTTP/1.1")], result.log


# --------------------------------------------------------------------------- fetched incidents

@pytest.mark.parametrize('field, value', [
    ('occurred', '2024-05-01 10:00:00'), ('occurred', 1714557600000), ('occurred', '1-01-01T00:00:00.000Z'),
    ('occurred', '2024-13-01T10:00:00Z'),  # ISO 8601 text, a real date
    ('occurred', '2024-05-01T10:00Z'), ('occurred', '2024-05-01T10:00:00'), ('occurred', '2024-05-01T10:00:00+0000'),
    ('occurred', '2024-05-01t10:00:00z'),  # RFC 3339 as Go's time.Time reads it: seconds, a zone, +hh:mm
    ('severity', 5), ('severity', '3'), ('severity', True),  # IncidentSeverity: 0, 0.5, 1 to 4
    ('details', 7), ('dbotMirrorId', 123), ('type', ['Huawei Cloud HSS Event']), ('type', 1),  # text
    ('labels', [{'type': 'Brand'}]), ('labels', {'type': 'Brand', 'value': 'x'}),  # a list of {type, value}
    ('name', ''), ('rawJSON', '{"a": '),
    ('rawJSON', '["evt-1"]'), ('rawJSON', '{"a": NaN}'), ('rawJSON', {'event_id': 'evt-1'}),  # an object's JSON text
])
def test_a_fetched_incident_field_of_a_type_xsoar_does_not_document_is_refused(field, value):
    incident = {'name': 'HSS Trojan on web-01', 'occurred': '2024-05-01T10:00:00.000Z', 'severity': 0.5,
                'details': 'd', 'dbotMirrorId': 'evt-1', 'labels': [{'type': 'Brand', 'value': 'HSS'}],
                'type': 'Unclassified',  # demistomock's createIncidents: "type (str)", else "an Unclassified incident"
                'rawJSON': json.dumps({'event_id': 'evt-1'})}
    Demisto({}, 'fetch-incidents', {}, {}, []).incidents([dict(incident)])
    with pytest.raises(DemistoMisuse, match=field):
        Demisto({}, 'fetch-incidents', {}, {}, []).incidents([{**incident, field: value}])


@pytest.mark.parametrize('field', ['name', 'occurred', 'rawJSON'])
def test_a_fetched_incident_without_its_name_occurred_or_raw_json_is_refused(field):
    # content-docs fetching-incidents.md, "Create an Incident": "These objects must contain" the name, when it occurred
    # and the rawJSON key (the event the mapper reads).
    incident = {'name': 'HSS Trojan on web-01', 'occurred': '2024-05-01T10:00:00.000Z',
                'rawJSON': json.dumps({'event_id': 'evt-1'})}
    Demisto({}, 'fetch-incidents', {}, {}, []).incidents([dict(incident)])
    left_out = {name: value for name, value in incident.items() if name != field}
    for incomplete in (left_out, {**incident, field: None}, {**incident, field: ''}):
        with pytest.raises(DemistoMisuse, match=f'it has no {field}'):
            Demisto({}, 'fetch-incidents', {}, {}, []).incidents([incomplete])


@pytest.mark.parametrize('value, shown', [('3', '"3"'), (True, 'true'), ([2], '[2]'), ('\x85', '"\\u0085"')])
def test_a_bad_severity_is_quoted_as_json_in_the_refusal(value, shown):
    incident = {'name': 'HSS Trojan on web-01', 'severity': value}
    with pytest.raises(DemistoMisuse) as refused:
        Demisto({}, 'fetch-incidents', {}, {}, []).incidents([incident])
    assert f'(IncidentSeverity); got {shown}' in str(refused.value)


@pytest.mark.parametrize('result', [{'Type': 1, 'ContentsFormat': 'text', 'Contents': 'fetched 0 events'},
                                    {'Type': 4, 'ContentsFormat': 'text', 'Contents': 'HSS refused the token'}, 'ok'])
def test_a_result_handed_over_by_fetch_incidents_is_refused_as_xsoar_reads_it_as_the_fetched_incidents(result):
    # demisto/content's DemistoClassApiModuleClasses.py: an integration's demisto.incidents(incidents) is
    # self.results({'Type': 1, 'Contents': json.dumps(incidents), 'ContentsFormat': 'json'}); a failed fetch raises.
    demisto = Demisto({}, 'fetch-incidents', {}, {}, [])
    with pytest.raises(DemistoMisuse, match='fetch-incidents'):
        demisto.results(result)
    demisto.incidents([])
    assert demisto.fetched == [] and demisto.entries == []


def misbehaving(name: str):
    """One of the small misbehaving integrations in test_data/misbehaving/integrations.py, by its name."""
    spec = importlib.util.spec_from_file_location('misbehaving', TEST_DATA / 'misbehaving' / 'integrations.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def test_an_incident_created_by_a_command_other_than_fetch_incidents_is_refused(monkeypatch):
    # Incidents come from the fetch XSOAR schedules (content-docs fetching-incidents.md); a command's run makes none.
    monkeypatch.setattr(ri, 'main', misbehaving('incidents_from_a_command'))
    with pytest.raises(DemistoMisuse, match='demisto.incidents\\(\\) called by restore-file'):
        WarRoom(params={}).run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})


@pytest.mark.parametrize('given', [{'name': 'HSS Trojan on web-01'}, ['HSS Trojan on web-01'], None])
def test_a_fetch_hands_over_a_list_of_incident_objects_or_is_refused(given):
    # demistomock.py, incidents(): "incidents (list): In integration only, list of incident objects"
    with pytest.raises(DemistoMisuse, match='list of incident dicts'):
        Demisto({}, 'fetch-incidents', {}, {}, []).incidents(given)


def test_a_fetch_that_hands_over_incidents_twice_is_refused_and_its_last_run_kept(monkeypatch):
    # XSOAR's Demisto sends each demisto.incidents() as the fetch's result entry; it takes the first only.
    last_run = {'next': '1'}
    monkeypatch.setattr(ri, 'main', misbehaving('fetch_handing_over_twice'))
    with pytest.raises(DemistoMisuse, match='called twice'):
        WarRoom(params={}).fetch(last_run)
    assert last_run == {'next': '1'}

    monkeypatch.setattr(ri, 'main', misbehaving('fetch_handing_over_once'))
    incidents, _ = WarRoom(params={}).fetch(last_run)
    assert [incident['name'] for incident in incidents] == ['HSS Trojan on web-01', 'HSS Trojan on web-02']


def test_a_fetch_that_ends_without_handing_over_incidents_fails_and_its_last_run_is_kept(monkeypatch):
    # XSOAR takes a fetch's incidents from the result entry demisto.incidents() sends (demistomock.py, incidents()):
    # a fetch that never sends it gives XSOAR no answer, so the war room fails it rather than read it as none.
    last_run = {'next': '1'}
    monkeypatch.setattr(ri, 'main', misbehaving('fetch_handing_over_nothing'))
    with pytest.raises(FetchError, match='without calling demisto.incidents'):
        WarRoom(params={}).fetch(last_run)
    assert last_run == {'next': '1'}


def test_the_last_run_a_fetch_reads_is_a_copy_its_changes_never_reach(monkeypatch):
    # DemistoClassApiModuleClasses.py, DemistoIntegration.getLastRun(): the server's reply, decoded anew by json.loads
    # in __do; only demisto.setLastRun() sets the next last run.
    last_run = {'next': '1'}
    monkeypatch.setattr(ri, 'main', misbehaving('fetch_changing_the_last_run_it_read'))
    assert WarRoom(params={}).fetch(last_run) == ([], {'next': '1'})
    assert last_run == {'next': '1'}


def test_the_incident_context_a_command_reads_is_a_copy_its_changes_never_reach(monkeypatch):
    # DemistoClassApiModuleClasses.py, DemistoGeneral.context(): the calling context's ExecutionContext, decoded from
    # the run's JSON; only an entry's EntryContext writes the incident context.
    room = WarRoom(params={}, context={'Seen': {'a': 1}})
    monkeypatch.setattr(ri, 'main', misbehaving('writes_into_the_context_it_read'))
    assert not room.run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'}).failed
    assert room.context == {'Seen': {'a': 1}}


def test_test_module_reads_an_empty_incident_context_where_a_command_reads_the_incident_s(monkeypatch):
    # The instance dialog's Test runs outside any incident (DEVELOPERS.md, "The war room": context() is empty there).
    room = WarRoom(params={}, context={'Seen': {'a': 1}})
    monkeypatch.setattr(ri, 'main', misbehaving('answers_with_the_context_it_reads'))
    assert [entry['Contents'] for entry in room.run('test-module', {}).entries] == ['ok']
    said = room.run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'}).entries
    assert [entry['Contents'] for entry in said] == ['read Seen']


# --------------------------------------------------------------------------- the last run, the integration context

def test_the_last_run_takes_text_values_only():
    demisto = Demisto({}, 'fetch-incidents', {}, {}, [])
    for state in ({'last_fetch': 1714557600000}, {'seen': ['a']}, {'next': None}):
        with pytest.raises(DemistoMisuse, match='text'):
            demisto.setLastRun(state)
    demisto.setLastRun({'last_fetch': '1714557600000', 'seen': '["a"]'})
    assert demisto.getLastRun() == {'last_fetch': '1714557600000', 'seen': '["a"]'}


def test_the_integration_context_takes_an_object_of_text_values_only():
    store = {}
    demisto = Demisto({}, 'restore-file', {}, store, [])
    for context in ({'token': {'value': 'x'}}, {'expires': 5}, ['token']):
        with pytest.raises(DemistoMisuse, match='text|object'):
            demisto.setIntegrationContext(context)
    demisto.setIntegrationContext({'token': '{"value": "x"}'})
    assert store == {'token': '{"value": "x"}'}


@pytest.mark.parametrize('key', [1, 2.5, True, None])
def test_the_integration_context_takes_text_keys_only(key):
    # content-docs integration-cache.md: the object set_integration_context stores, "its keys and values must be
    # strings"; json.dumps would write such a key as text unasked ("1", "true", "null"), another key than the code's.
    store = {'kept': 'x'}
    demisto = Demisto({}, 'restore-file', {}, store, [])
    with pytest.raises(DemistoMisuse, match='keys'):
        demisto.setIntegrationContext({key: 'x'})
    with pytest.raises(DemistoMisuse, match='keys'):
        demisto.setIntegrationContextVersioned({'kept': 'y', key: 'x'}, -1, True)
    assert store == {'kept': 'x'}


def test_test_module_can_neither_read_nor_write_the_integration_context():
    demisto = Demisto({}, 'test-module', {}, {'kept': 'x'}, [])
    for call in (demisto.getIntegrationContext, lambda: demisto.setIntegrationContext({'kept': 'y'}),
                 demisto.getIntegrationContextVersioned,
                 lambda: demisto.setIntegrationContextVersioned({'kept': 'y'}, -1, True)):
        with pytest.raises(DemistoMisuse, match='test-module'):
            call()


def test_a_versioned_write_takes_text_values_only_from_the_thread_that_runs_the_command():
    store = {}
    demisto = Demisto({}, 'restore-file', {}, store, [])
    for context in ({'token': {'value': 'x'}}, {'expires': 5}, ['token']):
        with pytest.raises(DemistoMisuse, match='text|object'):
            demisto.setIntegrationContextVersioned(context, demisto.getIntegrationContextVersioned()['version'])
    refused = refused_in_a_worker((lambda: demisto.getIntegrationContextVersioned(True),
                                   lambda: demisto.setIntegrationContextVersioned({'token': 'x'}, -1, True)))
    assert len(refused) == 2 and all('worker-1' in text for text in refused) and store == {}


def test_a_versioned_read_gives_the_context_and_a_version_that_every_write_moves():
    # XSOAR 6.0+ (demisto/content DemistoClassApiModuleClasses.py; CommonServerPython's get_integration_context):
    # getIntegrationContextVersioned returns {'context': ..., 'version': ...}, and any write, versioned or not, makes
    # the version read before it an old one.
    store = {}
    demisto = Demisto({}, 'restore-file', {}, store, [])
    first = demisto.getIntegrationContextVersioned()
    demisto.setIntegrationContext({'token': 'a'})
    second = demisto.getIntegrationContextVersioned(True)
    demisto.setIntegrationContextVersioned({'token': 'b'}, second['version'], True)
    third = demisto.getIntegrationContextVersioned()
    demisto.setIntegrationContextVersioned({'token': 'b'}, third['version'])  # the same context, written again

    assert [first['context'], second['context'], third['context']] == [{}, {'token': 'a'}, {'token': 'b'}]
    last = demisto.getIntegrationContextVersioned()['version']
    versions = [json.dumps(read['version']) for read in (first, second, third)] + [json.dumps(last)]
    assert len(set(versions)) == 4, versions
    assert store == {'token': 'b'}


def test_a_versioned_write_after_another_run_wrote_is_refused_with_a_value_error_and_changes_nothing():
    # Two runs of one instance share its integration context. XSOAR refuses a versioned write whose version another
    # write has made old, and its channel raises the server's refusal as a ValueError (DemistoClassApiModuleClasses.py,
    # __do); CommonServerPython's set_to_integration_context_with_retries catches ValueError, reads again and retries.
    store = {'token': 'kept'}
    this_run, other_run = (Demisto({}, 'fetch-incidents', {}, store, []) for _ in range(2))
    read = this_run.getIntegrationContextVersioned(True)
    other_run.setIntegrationContextVersioned({'token': 'kept', 'wait': 'later'},
                                             other_run.getIntegrationContextVersioned(True)['version'], True)

    with pytest.raises(ValueError):
        this_run.setIntegrationContextVersioned({'token': 'new'}, read['version'], True)
    assert store == {'token': 'kept', 'wait': 'later'}
    again = this_run.getIntegrationContextVersioned(True)
    this_run.setIntegrationContextVersioned({**again['context'], 'token': 'new'}, again['version'], True)
    assert store == {'token': 'new', 'wait': 'later'}


class Store(dict):
    """An integration context as a caller hands it to the war room, one that can be watched until it is freed."""


def test_the_war_room_keeps_no_integration_context_alive_once_no_run_holds_it():
    # Each instance's context lives as long as its runs (and the war room) hold it: a process that runs many war rooms
    # (the suite, a bench) must not keep every context it ever versioned, nor its version, for its whole life.
    store = Store()
    demisto = Demisto({}, 'restore-file', {}, store, [])
    demisto.setIntegrationContextVersioned({'token': 'a'}, demisto.getIntegrationContextVersioned()['version'], True)
    demisto.setIntegrationContext({'token': 'b'})
    watched = weakref.ref(store)

    del demisto, store
    gc.collect()

    assert watched() is None, 'the integration context is still held after its last run ended'


@pytest.mark.parametrize('unversioned', [-1, {'version': -1, 'sequenceNumber': -1, 'primaryTerm': -1}])
def test_a_write_of_version_minus_one_is_taken_whatever_was_written_before(unversioned):
    # -1 is "no version" (the default of demistomock's setIntegrationContextVersioned); XSOAR's own unversioned
    # setIntegrationContext sends it as an object of -1s (DemistoClassApiModuleClasses.py).
    store = {}
    this_run, other_run = (Demisto({}, 'restore-file', {}, store, []) for _ in range(2))
    this_run.getIntegrationContextVersioned()
    other_run.setIntegrationContext({'wait': 'later'})

    this_run.setIntegrationContextVersioned({'token': 'new'}, unversioned)

    assert store == {'token': 'new'}


def test_a_versioned_read_gives_xsoar_s_version_object_and_a_write_takes_back_only_that_object():
    # XSOAR's own unversioned write sends its version as {"version": -1, "sequenceNumber": -1, "primaryTerm": -1}
    # (DemistoClassApiModuleClasses.py): the server's version is that object, not a number. The integration can only
    # pass back what it read: a number taken from it, a part of it or its text is no version of XSOAR's.
    store = {'token': 'kept'}
    demisto = Demisto({}, 'restore-file', {}, store, [])
    read = demisto.getIntegrationContextVersioned(True)

    assert isinstance(read['version'], dict)
    assert sorted(read['version']) == ['primaryTerm', 'sequenceNumber', 'version']
    for not_the_version in (read['version']['version'], {'version': read['version']['version']},
                            json.dumps(read['version'])):
        with pytest.raises(ValueError):
            demisto.setIntegrationContextVersioned({'token': 'new'}, not_the_version, True)
    assert store == {'token': 'kept'}
    demisto.setIntegrationContextVersioned({'token': 'new'}, json.loads(json.dumps(read['version'])), True)
    assert store == {'token': 'new'}


def test_a_versioned_write_that_leaves_out_its_version_is_refused_as_xsoar_s_demisto_refuses_it():
    # DemistoClassApiModuleClasses.py: setIntegrationContextVersioned(self, value, version, sync=False), the version
    # with no default (demistomock.py's -1 is the mock's): such a write never reaches XSOAR's server.
    store = {'token': 'kept'}
    demisto = Demisto({}, 'restore-file', {}, store, [])

    for leaving_out_the_version in (lambda: demisto.setIntegrationContextVersioned({'token': 'new'}),
                                    lambda: demisto.setIntegrationContextVersioned({'token': 'new'}, sync=True)):
        with pytest.raises(TypeError, match='version'):
            leaving_out_the_version()
    assert store == {'token': 'kept'}


# --------------------------------------------------------------------------- test-module's answer

@pytest.mark.parametrize('answer, passes', [('ok', True), ('Test failed: the key was refused', False),
                                            ('OK', False)])
def test_test_module_passes_only_when_it_answers_ok(advanced_tenant, monkeypatch, answer, passes):
    monkeypatch.setattr(ri, 'test_module', lambda clients, fetching=False: answer)

    result = WarRoom(params=advanced_tenant.params()).run('test-module', {})

    assert result.failed is not passes
    if not passes:
        assert answer in json.dumps(result.entries[-1]['Contents'])


@pytest.mark.parametrize('answer, shown', [('OK', '"OK"'), ("it's\tnot", '"it\'s\\tnot"')])
def test_test_module_s_answer_other_than_ok_is_quoted_as_json(advanced_tenant, monkeypatch, answer, shown):
    monkeypatch.setattr(ri, 'test_module', lambda clients, fetching=False: answer)

    result = WarRoom(params=advanced_tenant.params()).run('test-module', {})

    assert result.entries[-1]['Contents'] == f'test-module answered {shown}, not "ok": XSOAR shows the test as failed.'


def test_test_module_that_answers_ok_and_more_fails(monkeypatch):
    # code-conventions.md, "test-module": the answer 'ok' is green, "All other string will be red"
    monkeypatch.setattr(ri, 'main', misbehaving('answers_ok_and_more'))
    result = WarRoom(params={}).run('test-module', {})
    assert result.failed and 'the HSS half is not set up' in result.entries[-1]['Contents']


@pytest.mark.parametrize('command, args', [('test-module', {}), ('restore-file', {'file_hash': 'a' * 64})])
def test_a_run_that_returns_no_entry_is_an_error(monkeypatch, command, args):
    monkeypatch.setattr(ri, 'main', misbehaving('returns_nothing'))
    result = WarRoom(params={}).run(command, args)
    assert result.failed and 'returned no entry' in result.entries[-1]['Contents']


# --------------------------------------------------------------------------- instance params

def test_boolean_params_reach_the_integration_as_booleans_false_when_unticked(advanced_tenant, monkeypatch):
    spec = load_spec()
    booleans = [name for name, param in spec.params.items() if param.type == 8]
    seen = {}

    def record(demisto):
        seen.update(demisto.params())
        demisto.results('ok')

    monkeypatch.setattr(ri, 'main', record)
    params = {name: value for name, value in advanced_tenant.params().items() if name not in booleans}
    WarRoom(params={**params, booleans[0]: 'true'}).run('test-module', {})

    assert seen[booleans[0]] is True
    assert all(seen[name] is False for name in booleans[1:])


def test_each_run_gets_params_and_arguments_of_its_own_as_xsoar_sends_them(monkeypatch):
    """XSOAR hands every run the instance params and the arguments afresh, decoded from the JSON of its calling
    context (DemistoClassApiModuleClasses.py): what one run changes in them reaches neither the next run nor the
    incident context a playbook task took an argument from. The war room handed on its own objects."""
    seen = []

    def change_what_it_is_given(demisto):
        params, args = demisto.params(), demisto.args()
        seen.append((params['hss_aksk']['password'], list(args['file_hash'])))
        params['hss_aksk']['password'] = 'changed by the run'
        args['file_hash'].append('changed by the run')
        demisto.results('done')

    monkeypatch.setattr(ri, 'main', change_what_it_is_given)
    room = WarRoom(params={'hss_aksk': {'identifier': 'AK', 'password': 'SK'}})
    from_context = ['a' * 64]  # a list, as a playbook task hands on a context value
    for _ in range(2):
        room.run('restore-file', {'file_hash': from_context, 'polling': 'false'})

    assert seen == [('SK', ['a' * 64])] * 2
    assert room.params['hss_aksk']['password'] == 'SK' and from_context == ['a' * 64]


def test_a_run_s_arguments_reach_the_integration_as_xsoar_decodes_them_from_json(monkeypatch):
    """XSOAR's server keeps a run's arguments as JSON (a number in a float64) and the integration decodes them from
    its calling context (DemistoClassApiModuleClasses.py, ``DemistoGeneral.__init__``), as a script's are: a number
    past 2**53 a playbook task gives arrives rounded, and a value JSON cannot hold never arrives."""
    seen = []
    monkeypatch.setattr(ri, 'main', lambda demisto: (seen.append(demisto.args()), demisto.results('done')))
    room, past = WarRoom(params={}), 2 ** 53 + 1
    room.run('restore-file', {'file_hash': 'a' * 64, 'incident_id': past, 'polling': 'false'})

    assert seen[0]['incident_id'] == float(past) != past
    with pytest.raises(DemistoMisuse, match='JSON'):
        room.run('restore-file', {'file_hash': 'a' * 64, 'incident_id': float('nan'), 'polling': 'false'})
    assert len(seen) == 1  # the integration never ran with it


@pytest.mark.parametrize('given, refusal', [
    ({'xdr_rate_limt': '5'}, 'unknown param xdr_rate_limt'),
    ({'xdr_rate_limit': 5}, 'Param xdr_rate_limit is text .*; got a number'),
    ({'hss_aksk': 's3cr3t'}, 'Param hss_aksk is a user name and password .*; got text'),
    ({'hss_aksk': {'identifier': 'AK', 'password': ['s3cr3t']}}, 'Param hss_aksk is a user name and password')])
@pytest.mark.parametrize('fetching', [False, True])
def test_a_war_room_refuses_params_xsoar_s_instance_dialog_never_hands_without_showing_them(monkeypatch, given,
                                                                                            refusal, fetching):
    """XSOAR hands the integration what its instance dialog saves: declared params only, text from a text box, an
    {identifier, password} of text from a credentials param. A test that hands a WarRoom anything else would test
    what XSOAR never does, so the run is refused before the integration starts, the value named by its kind only."""
    ran = []
    monkeypatch.setattr(ri, 'main', lambda demisto: (ran.append(demisto), demisto.results('ok')))
    room = WarRoom(params=given)
    with pytest.raises(ParamsError, match=refusal) as refused:
        room.fetch({}) if fetching else room.run('test-module', {})
    assert 's3cr3t' not in str(refused.value) and not ran


def test_a_war_room_hands_on_a_param_left_out_as_missing_not_as_integration_yml_s_default(monkeypatch):
    """An instance saved before a param existed lacks it in XSOAR too: the integration must cope with it missing, so
    the war room fills in no default."""
    seen = {}
    monkeypatch.setattr(ri, 'main', lambda demisto: (seen.update(demisto.params()), demisto.results('ok')))
    WarRoom(params={'xdr_rate_limit': '5'}).run('test-module', {})
    assert seen['xdr_rate_limit'] == '5' and 'max_fetch' not in seen and 'connect_timeout' not in seen


def test_a_boolean_param_that_is_not_true_or_false_is_refused(tmp_path):
    spec = load_spec()
    name = next(name for name, param in spec.params.items() if param.type == 8)
    path = tmp_path / 'params.yml'
    path.write_text(f'{name}: "yes"\n', encoding='utf-8')
    with pytest.raises(ParamsError, match=name):
        load_params(path, spec, environ={})
    assert load_params(None, spec, environ={env_name(name): 'TRUE'})[name] is True
    assert load_params(None, spec, environ={})[name] is False


def test_a_multi_select_param_takes_a_list_of_its_options_and_refuses_any_other_item(tmp_path):
    # content-docs parameter-types.md: Multi Select (16) is "selecting multiple inputs from a list of allowed inputs"
    spec = load_spec()
    name, param = next((name, param) for name, param in spec.params.items() if param.type == 16)
    path = tmp_path / 'params.yml'
    path.write_text(yaml.safe_dump({name: list(param.options[:2])}), encoding='utf-8')
    assert load_params(path, spec, environ={})[name] == list(param.options[:2])
    path.write_text(yaml.safe_dump({name: [param.options[0], 'none of them']}), encoding='utf-8')
    with pytest.raises(ParamsError, match=name):
        load_params(path, spec, environ={})


def test_a_single_select_param_takes_one_of_its_options_not_a_list_of_them(tmp_path):
    # content-docs parameter-types.md: Single Select (15) picks one input from the list; only Multi Select (16) many
    spec = load_spec()
    name, param = next((name, param) for name, param in spec.params.items() if param.type == 15 and param.options)
    path = tmp_path / 'params.yml'
    path.write_text(yaml.safe_dump({name: param.options[0]}), encoding='utf-8')
    assert load_params(path, spec, environ={})[name] == param.options[0]
    path.write_text(yaml.safe_dump({name: [param.options[0]]}), encoding='utf-8')
    with pytest.raises(ParamsError, match=name):
        load_params(path, spec, environ={})


@pytest.mark.parametrize('written, kind', [('true', 'true or false'), ('[a, b]', 'a list'), ('{a: b}', 'an object')])
def test_a_text_param_written_as_no_text_is_refused_without_showing_it(tmp_path, written, kind):
    # content-docs parameter-types.md: Short Text (0), Long Text (12), Short and Long Encrypted (4, 14) are text boxes
    # in the instance dialog, so XSOAR hands them as text; the params file handed the integration a boolean, a list
    # or an object (what was written is not shown: it may be a secret)
    spec = load_spec()
    name = next(name for name, param in spec.params.items() if param.type == 0)
    path = tmp_path / 'params.yml'
    path.write_text(f'{name}: {written}\n', encoding='utf-8')
    with pytest.raises(ParamsError, match=f'Param {name} is text .*; got {kind}\\.$'):
        load_params(path, spec, environ={})
    path.write_text(f'{name}: "{written}"\n', encoding='utf-8')
    assert load_params(path, spec, environ={})[name] == written


@pytest.mark.parametrize('written, kind', [('true', 'true or false'), ('[s3cr3t]', 'a list'),
                                           ('{identifier: id, password: [s3cr3t]}',
                                            'an object whose identifier or password is not text')])
def test_a_credentials_param_that_is_no_identifier_and_password_of_text_is_refused_without_showing_it(tmp_path,
                                                                                                      written, kind):
    # content-docs parameter-types.md, Authentication (9): "username as plain text and an encrypted password", read as
    # params['credentials']['identifier'] and ['password']
    spec = load_spec()
    name = next(name for name, param in spec.params.items() if param.type == 9)
    path = tmp_path / 'params.yml'
    path.write_text(f'{name}: {written}\n', encoding='utf-8')
    with pytest.raises(ParamsError, match=f'Param {name} is a user name and password .*; got {kind}\\.$') as refused:
        load_params(path, spec, environ={})
    assert 's3cr3t' not in str(refused.value)
    path.write_text(f'{name}: {{identifier: id, password: s3cr3t}}\n', encoding='utf-8')
    assert load_params(path, spec, environ={})[name] == {'identifier': 'id', 'password': 's3cr3t'}


# The war room quotes a value in its messages as XSOAR shows it (JSON), never as Python's repr ('yes', True, None).

@pytest.mark.parametrize('written, shown', [('"yes"', '"yes"'), ("\"it's\"", '"it\'s"'), ('[true]', '[true]'),
                                            ('"ye\\u200bs"', '"ye\\u200bs"'), ('{a: null}', '{"a": null}')])
def test_a_checkbox_param_s_wrong_value_is_quoted_as_json(tmp_path, written, shown):
    spec = load_spec()
    name = next(name for name, param in spec.params.items() if param.type == 8)
    path = tmp_path / 'params.yml'
    path.write_text(f'{name}: {written}\n', encoding='utf-8')
    with pytest.raises(ParamsError) as refused:
        load_params(path, spec, environ={})
    assert str(refused.value).endswith(f'; got {shown}.')


@pytest.mark.parametrize('written, shown', [('none of them', '"none of them"'), ('[true, null]', '[true, null]')])
def test_an_option_param_s_wrong_value_is_quoted_as_json(tmp_path, written, shown):
    spec = load_spec()
    name = next(name for name, param in spec.params.items() if param.type == 15 and param.options)
    path = tmp_path / 'params.yml'
    path.write_text(f'{name}: {written}\n', encoding='utf-8')
    with pytest.raises(ParamsError) as refused:
        load_params(path, spec, environ={})
    assert str(refused.value).endswith(f'; got {shown}.')


def test_a_params_file_that_is_no_mapping_of_names_to_values_is_refused(tmp_path):
    path = tmp_path / 'params.yml'
    path.write_text('- xdr_url\n- hss_region\n', encoding='utf-8')
    with pytest.raises(ParamsError, match='must be a mapping of param names to values'):
        load_params(path, load_spec(), environ={})


# What YAML 1.1 reads as a number or a date when written unquoted: 2024_0315 as 20240315, 0755 as 493, 0x1F as 31,
# 1:30 as 90 (base 60), 1.50 as 1.5, 2024-03-15 as a date, and 2024-13-45 as nothing at all (a ValueError).
NUMBER_OR_DATE_TEXT = st.one_of(*(st.from_regex(pattern, fullmatch=True) for pattern in (
    r'[1-9][0-9]{0,3}(_[0-9]{1,4}){1,2}', r'0[0-7]{1,6}', r'0x[0-9a-f]{1,6}', r'[1-9][0-9]?(:[0-5][0-9]){1,2}',
    r'[0-9]{1,4}\.[0-9]{1,4}0', r'[0-9]{4}-[0-9]{2}-[0-9]{2}')))


@given(NUMBER_OR_DATE_TEXT)
def test_a_setting_or_an_argument_typed_unquoted_reaches_the_integration_as_the_text_typed(text):
    """XSOAR hands a text setting (a password too) and takes a typed argument as the text typed; the war room read the
    params file and --args file as YAML 1.1 does, and handed the integration another number, a date, or a traceback."""
    from warroom.cli import read_args_file

    with tempfile.TemporaryDirectory() as folder:
        params_file, args_file = Path(folder) / 'params.yml', Path(folder) / 'args.yml'
        params_file.write_text(f'hss_project_id: {text}\nhss_credentials: {{identifier: bot, password: {text}}}\n',
                               encoding='utf-8')
        params_file.chmod(0o600)  # it holds a password
        args_file.write_text(f'file_attr: {text}\n', encoding='utf-8')
        params, args = load_params(params_file, load_spec(), environ={}), read_args_file(str(args_file))

    assert params['hss_project_id'] == params['hss_credentials']['password'] == args['file_attr'] == text


# --------------------------------------------------------------------------- the integration under these rules

def test_fetch_keeps_its_last_run_as_text_and_goes_on_where_it_stopped(hss_tenant):
    room = WarRoom(params=hss_tenant.params(max_fetch='1'))
    last_run = {}

    first, _ = room.fetch(last_run)
    assert last_run and all(isinstance(value, str) for value in last_run.values())
    second, _ = room.fetch(last_run)

    events = [json.loads(incident['rawJSON']) for incident in first + second]
    assert len(events) == 2 and len({event['event_id'] for event in events}) == 2
    # The seed's recent events (its files isolated minutes before the emulator started: test_data/hss/README.md),
    # oldest first: the second fetch goes on with the one after the first's, skipping none.
    recent = sorted(((item['isolated_minutes_ago'], host['host_id'], item['file_path'])
                     for host in json.loads((TEST_DATA / 'hss' / 'tenant.json').read_text())['hosts']
                     for item in host['isolated_files'] if 'isolated_minutes_ago' in item), reverse=True)
    assert len(recent) == 4
    assert [(event['host_id'], event['file_info_list'][0]['file_path']) for event in events] == [
        (host_id, path) for _, host_id, path in recent[:2]]


def test_the_iam_token_is_kept_in_the_integration_context_as_text_and_used_again(hss_tenant):
    room = WarRoom(params=hss_tenant.params('token'), time_scale=0.0, sleep=lambda _: None)
    [file_hash, *_] = hss_seed_copies()

    for _ in range(2):
        assert not room.run('hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'}).failed

    assert room.integration_context and all(isinstance(v, str) for v in room.integration_context.values())
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 1


def test_test_module_in_token_mode_passes_without_touching_the_integration_context(hss_tenant):
    room = WarRoom(params=hss_tenant.params('token'))
    room.integration_context['kept'] = 'as it was'

    result = room.run('test-module', {})

    assert not result.failed, result.entries
    assert room.integration_context == {'kept': 'as it was'}
    assert len(hss_tenant.requests_to('POST', IAM_TOKENS)) == 1


class EventBeforeYear1000:
    """An HSS listing of one event whose occur_time (ms since 1970) falls in the year 999."""

    occur_time = int((datetime(999, 6, 1, tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc))
                     / timedelta(milliseconds=1))

    def __init__(self):
        self.server = LoopbackServer(self._app).start()

    def _app(self, request):
        event = {'event_id': 'evt-999', 'event_name': 'Trojan', 'severity': 'High', 'host_name': 'web-01',
                 'occur_time': self.occur_time, 'handle_status': 'unhandled'}
        return Response(200, json.dumps({'total_num': 1, 'data_list': [event]}).encode(),
                        {'Content-Type': 'application/json'})


def test_an_event_dated_before_the_year_1000_is_fetched_with_an_iso_8601_occurred():
    vendor = EventBeforeYear1000()
    params = {'hss_endpoint': vendor.server.url, 'hss_project_id': 'p' * 32, 'hss_region': 'ap-southeast-1',
              'hss_auth_type': 'aksk', 'hss_aksk': {'identifier': 'AKTEST', 'password': 'S' * 40}, 'isFetch': True}
    try:
        [incident], _ = WarRoom(params=params).fetch({})
    except FetchError as error:
        pytest.fail(f'fetch refused: {error}')
    finally:
        vendor.server.stop()
    assert incident['occurred'].startswith('0999-06-01T00:00:00')


def test_a_restore_through_the_war_room_returns_entries_xsoar_takes(advanced_tenant):
    """The integration's own entries, a polling one included, pass every entry rule above."""
    [file_hash] = [h for h, holders in seed_holders().items() if len(holders) == 1][:1]
    room = WarRoom(params=advanced_tenant.params(), time_scale=0.0, sleep=lambda _: None)

    result = room.run('restore-file', {'file_hash': file_hash})

    assert not result.failed, result.entries
    assert len(result.entries) > 1 and 'PollingCommand' in result.entries[0]  # the first run's entry schedules a check


def test_a_context_path_the_command_does_not_declare_as_an_output_is_refused(monkeypatch):
    # content-docs context-and-outputs.md: "The code **must** match the context path outputs specified in the YAML
    # file"; a run that writes another path is refused, and its context kept out.
    declared = {output['contextPath'] for output in load_spec().command('restore-file').outputs}
    assert {'CortexXDR.RestoredFile.file_hash', 'CortexXDR.RestoredFile.status'} <= declared
    assert 'CortexXDR.RestoredFile.note' not in declared
    room = WarRoom(params={})
    monkeypatch.setattr(ri, 'main', misbehaving('writes_an_undeclared_context_path'))
    with pytest.raises(DemistoMisuse, match='CortexXDR.RestoredFile.note'):
        room.run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})
    assert room.context == {}


def test_a_context_path_a_pack_script_does_not_declare_as_an_output_is_refused(monkeypatch):
    # The same rule for a pack script and its YAML's outputs: the run is refused, naming the script, the path, its
    # YAML and the rule.
    from warroom.playbook import runner
    script = 'WritesAnUndeclaredOutput'
    monkeypatch.setattr(runner, 'SCRIPTS_DIR', TEST_DATA / 'misbehaving')
    declared = yaml.safe_load((TEST_DATA / 'misbehaving' / script / f'{script}.yml').read_text())['outputs']
    assert [output['contextPath'] for output in declared] == ['Misbehaving.Close.reason']
    playbooks = runner.PlaybookRunner(params={})
    with pytest.raises(DemistoMisuse) as refused:
        playbooks.run_post_processing(script, {'id': '1', 'closeReason': 'Resolved', 'closeNotes': 'benign'})
    for named in (f'script {script}', 'Misbehaving.Close.notes', f'{script}.yml', 'context-and-outputs.md'):
        assert named in str(refused.value)
    assert 'Misbehaving.Close.reason' not in str(refused.value)


def test_an_error_entry_s_context_is_merged_as_any_entry_s(monkeypatch):
    """XSOAR merges an error entry's EntryContext: CommonServerPython's return_error(message, error='', outputs=None)
    documents ``outputs`` as "the outputs that will be returned to playbook/investigation context" and writes them as
    the error entry's EntryContext. restore-file's error for a restore it cannot follow writes the file's record so."""
    record = {'file_hash': 'a' * 64, 'status': 'FAILED', 'may_have_started': True}

    def fail_with_outputs(demisto):
        demisto.results({'Type': 4, 'ContentsFormat': 'text', 'Contents': 'Failed to execute restore-file command.',
                         'EntryContext': {'CortexXDR.RestoredFile(val.file_hash == obj.file_hash)': record}})

    monkeypatch.setattr(ri, 'main', fail_with_outputs)
    result = WarRoom(params={}).run('restore-file', {'file_hash': 'a' * 64, 'polling': 'false'})

    assert result.failed and result.context == {'CortexXDR': {'RestoredFile': record}}


@pytest.mark.parametrize('value, shown', [(True, 'true'), ('maybe', '"maybe"'), ("it's", '"it\'s"'), ([], '[]')])
def test_a_predefined_argument_s_wrong_value_is_quoted_as_json(advanced_tenant, value, shown):
    with pytest.raises(ArgumentError) as refused:
        WarRoom(params=advanced_tenant.params()).run('restore-file', {'file_hash': 'a' * 64, 'polling': value})

    assert f'polling must be one of true, false; got {shown}.' in str(refused.value)
    assert advanced_tenant.gateway.requests == []


@pytest.mark.parametrize('value', [True, False, 'maybe', 'TRUE', []])
def test_a_predefined_argument_a_playbook_gives_outside_its_list_stops_the_task_before_any_request(advanced_tenant,
                                                                                                  value):
    """integration.yml's predefined values are text (demisto-sdk's integration schema, argument_schema); a boolean, a
    value of another case or an empty list from context is none of them, and no source says XSOAR takes one."""
    from warroom.playbook.model import Playbook, Task
    from warroom.playbook.runner import PlaybookRunner
    start = Task('0', 'start', '', {'type': 'start', 'task': {}, 'nexttasks': {'#none#': ['1']}})
    restore = Task('1', 'regular', 'restore', {'type': 'regular', 'task': {'iscommand': True,
                                                                              'script': '|||restore-file'},
                                               'scriptarguments': {'file_hash': {'simple': sorted(seed_holders())[0]},
                                                                   'polling': {'simple': '${Polling}'}}})
    playbook = Playbook('predefined', 'predefined', '0', {task.id: task for task in (start, restore)})

    run = PlaybookRunner(advanced_tenant.params(), time_scale=0.0, sleep=lambda _: None).run(
        playbook, {'id': '1'}, {'Polling': value})

    assert run.failed and 'polling must be one of' in run.error
    assert advanced_tenant.gateway.requests == []
