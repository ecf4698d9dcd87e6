"""The reputation gate, generated over messy context: File entries of several files sharing an MD5 or SHA1 (which
real files cannot, but context can), one entry or a list, in the incident's context or given as an argument (a list,
JSON text, a list of JSON texts), hash fields as text or a list of texts, or only in the entry's Hashes list, scores
as numbers or their text. A file is held whenever a score under any hash one of its File entries gives it is bad (or
suspicious, unless restore_suspicious): under a hash several files share, every one of them is held (README,
QuarantineRestoreReputationGate)."""
from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings, strategies as st

from conftest import gate_verdicts
from warroom.playbook.runner import _load_script

GATE = _load_script('QuarantineRestoreReputationGate')
HEX = '0123456789abcdef'
SHA = st.text(HEX, min_size=64, max_size=64)
# Few MD5 and SHA1 values, so files share them.
SHARED_MD5 = st.sampled_from([c * 32 for c in '123'])
SHARED_SHA1 = st.sampled_from([c * 40 for c in '456'])
KINDS = ('SHA256', 'MD5', 'SHA1')
# A Score as integrations write it: a number, or its text (whole, with a zero fraction, padded).
SCORE_FORMS = st.integers(0, 3).flatmap(lambda n: st.sampled_from([n, float(n), str(n), f'{n}.0', f' {n} ']))
FORMS = ('context', 'argument', 'json', 'json items')


def given_as(objects, form, key, argument, one_as_dict):
    """(context, args) holding ``objects`` as the form says."""
    if form == 'context':
        return {key: objects[0] if one_as_dict and len(objects) == 1 else objects}, {}
    if form == 'argument':
        return {}, {argument: objects}
    if form == 'json':
        return {}, {argument: json.dumps(objects)}
    return {}, {argument: [json.dumps(item) for item in objects]}


def file_entry(data, hashes) -> dict:
    """A File entry giving each hash as a key, in its Hashes list of {type, value} items, or both, as
    CommonServerPython's Common.File.to_context writes them (a hash given through Common.Hash is in the list only)."""
    entry, listed = {}, []
    for kind, value in zip(KINDS, hashes):
        where = data.draw(st.sampled_from(['key', 'Hashes', 'both']))
        if where != 'Hashes':
            entry[kind] = data.draw(st.sampled_from([value, value.upper(), [value]]))
        if where != 'key':
            listed.append({'type': kind, 'value': data.draw(st.sampled_from([value, value.upper()]))})
    return dict(entry, Hashes=listed) if listed else entry


@settings(max_examples=200)
@given(data=st.data(), suspicious=st.booleans(), one_as_dict=st.booleans(),
       file_form=st.sampled_from(FORMS), score_form=st.sampled_from(FORMS))
def test_a_score_under_any_hash_of_a_file_s_entries_holds_it_however_the_context_gives_them(
        data, suspicious, one_as_dict, file_form, score_form):
    files = data.draw(st.lists(st.tuples(SHA, SHARED_MD5, SHARED_SHA1), min_size=1, max_size=4,
                               unique_by=lambda f: f[0]))
    entries = [file_entry(data, f) for f in files]
    drawn = data.draw(st.lists(st.tuples(st.integers(0, len(files) - 1), st.integers(0, 2), SCORE_FORMS,
                                         st.booleans()), max_size=6))
    scores = [{'Indicator': files[i][k].upper() if upper else files[i][k], 'Vendor': f'V{n}', 'Score': score,
               'Type': 'file'} for n, (i, k, score, upper) in enumerate(drawn)]
    file_context, file_args = given_as(entries, file_form, 'File', 'file_entries', one_as_dict)
    score_context, score_args = given_as(scores, score_form, 'DBotScore', 'dbot_score', one_as_dict)
    args = {'file_hash': ','.join(f[0] for f in files), 'restore_suspicious': str(suspicious).lower(),
            **file_args, **score_args}

    entry = GATE.gate_command(args, {**file_context, **score_context})

    verdicts = gate_verdicts(entry)
    allowed, held = verdicts['allowed'], [item['file_hash'] for item in verdicts['held']]
    for sha256, md5, sha1 in files:
        under = [int(float(s['Score'])) for s in scores if s['Indicator'].lower() in (sha256, md5, sha1)]
        best = max(under or [0])
        holds = best == 3 or (best == 2 and not suspicious)
        # held (listed, with its verdict) and not allowed, or allowed and not held: never dropped, never both
        assert (sha256 in allowed, held.count(sha256)) == ((False, 1) if holds else (True, 0))


def holds_objects(value, parsed=False) -> bool:
    """Whether ``value`` holds only objects, as the gate's YAML describes dbot_score and file_entries ("objects") and
    its objects_in docstring their forms: an object, JSON text of one, or a list of them (lists within lists too);
    blank text or null holds none. JSON text of a text is no object."""
    if isinstance(value, str) and not parsed:
        try:
            return holds_objects(json.loads(value), parsed=True) if value.strip() else True
        except ValueError:
            return False
    if isinstance(value, list):
        return all(holds_objects(item) for item in value)
    return value is None or isinstance(value, dict)


def as_list(value):
    return value if isinstance(value, list) else [value]


# JSON text of what an argument may hold, objects or not (random text is hardly ever JSON).
JSON_TEXTS = st.sampled_from(['1', '0.5', 'true', '"x"', '"{}"', '[1]', '["a"]', '["[1]"]', '[{}, 2]', '{}', '[]',
                              'null', '[{}]', '[[]]', '[null]', '["{}"]', '{"a": [1]}'])


@given(item=st.one_of(st.integers(), st.booleans(), st.text(max_size=20).filter(lambda t: t.strip()),
                      st.lists(st.integers(), min_size=1, max_size=2), JSON_TEXTS),
       argument=st.sampled_from(['dbot_score', 'file_entries']), where=st.sampled_from(['alone', 'in a list']))
def test_an_argument_the_gate_cannot_read_as_objects_is_refused_by_name_and_json_text_of_objects_is_read(
        item, argument, where):
    file_hash = 'ab' * 32
    bad = {'Indicator': file_hash, 'Vendor': 'V', 'Score': 3, 'Type': 'file'}
    value = [bad, item] if where == 'in a list' and argument == 'dbot_score' else [item] if where == 'in a list' \
        else item
    args = {'file_hash': file_hash, argument: value}
    if holds_objects(value):  # JSON text of objects: read as what it holds, the bad score beside it counted
        allowed = GATE.gate_command(args, {})['EntryContext']['QuarantineRestore.Gate(true)']['allowed']
        assert allowed == ([] if bad in as_list(value) else [file_hash]), value
    else:
        with pytest.raises(GATE.GateError, match=argument):
            GATE.gate_command(args, {})


UNREADABLE_SCORES = st.sampled_from(['high', 'malicious', 4, -1, '2.5', 'NaN', ' '])  # none of them 0 to 3


@given(items=st.lists(st.one_of(SCORE_FORMS, UNREADABLE_SCORES), min_size=1, max_size=4),
       suspicious=st.booleans())
@example(items=[3, 'high'], suspicious=False)  # a readable bad score beside one the gate cannot read
def test_a_score_list_counts_as_its_highest_readable_score_and_an_unreadable_item_in_it_still_holds_the_file(
        items, suspicious):
    """README: a Score given as a list counts as its highest; a score the gate cannot read (not 0 to 3) holds the file
    too. The YAML's held.score is the highest readable score, and its verdict bad or suspicious when that score is: an
    unreadable item beside a readable 3 does not turn "bad (3) by V" into "unreadable" (score 0)."""
    file_hash = 'cd' * 32
    readable = [int(float(item)) for item in items if str(item).strip() in {str(n) for n in range(4)} |
                {f'{n}.0' for n in range(4)}]
    best = max(readable or [0])
    entry = GATE.gate_command({'file_hash': file_hash, 'restore_suspicious': str(suspicious).lower()},
                              {'DBotScore': {'Indicator': file_hash, 'Vendor': 'V', 'Score': items, 'Type': 'file'}})

    verdicts = gate_verdicts(entry)
    expected = 'malicious' if best == 3 else 'suspicious' if best == 2 and not suspicious else \
        'unreadable' if len(readable) < len(items) else None
    if expected is None:
        assert verdicts['allowed'] == [file_hash] and verdicts['held'] == []
    else:
        [held] = verdicts['held']
        assert (held['verdict'], held['score']) == (expected, best) and verdicts['allowed'] == []
