"""Properties of the parsers and input checks no other property test covers (the integration's text helpers, reply
readers, settings and polling readers; the pack scripts' argument and context readers, and the markdown and war-room
text they write), over input of every shape: unicode, surrogates, huge numbers, NaN and infinities, bools where
numbers are meant, nested JSON, blanks, nothing. Each states what must hold for every input: a round trip, agreement
with an independent reader (the stdlib, the CommonMark readers of tests/commonmark_reading.py, the war-room line
parser that stands in for XSOAR's), or a refusal of the check's own type and nothing else."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

from commonmark_reading import as_commonmark_reads
from warroom.playbook.runner import _load_script

SCRIPTS = {name: _load_script(name) for name in (
    'QuarantineRestoreSummary', 'QuarantineRestoreReputationGate', 'QuarantineRestoreOnClose')}
GATE = SCRIPTS['QuarantineRestoreReputationGate']
FAST = settings(max_examples=150, deadline=None)
# JSON as XSOAR's context and arguments hold it, and what JSON cannot hold but a caller might pass, or text that opens
# like JSON: nested past what Python's json reads (it raises RecursionError there, not ValueError).
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 30, 10 ** 30), st.floats(allow_nan=False,
                        allow_infinity=False), st.text(max_size=20))
any_json = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                        max_leaves=8)
DEEP = '[' * 100_000 + ']' * 100_000
DEEP_OBJECTS = '[{"a": ' * 50_000 + '1' + '}]' * 50_000
odd = st.one_of(st.floats(), st.sampled_from([float('nan'), float('inf'), -float('inf'), True, False, 0, '', ' ',
                                              '\u2028', '\ud800', '[', '[]', '{}', 'null', 'NaN', '1e999', DEEP,
                                              DEEP_OBJECTS]))
anything = st.one_of(any_json, odd, st.lists(odd, max_size=2))
one_line_text = st.text(st.characters(blacklist_characters='\r\n'), min_size=1, max_size=40)


def one_of_each_script(helper):
    return pytest.mark.parametrize('script', [module for module in SCRIPTS.values() if hasattr(module, helper)],
                                   ids=lambda module: module.__name__.rsplit('_', 1)[-1])


# --------------------------------------------------------------------------- the scripts' markdown


@one_of_each_script('code_span')
@FAST
@given(text=one_line_text)
@example(text=' a ')  # a path with a blank at each end: CommonMark drops one blank at each end of such a span
@example(text=' /opt/app/run me ')
@example(text='`')
def test_a_code_span_shows_exactly_its_text(script, text):
    """CommonMark 6.1: the span a script writes is read back as the very text, so that a command or a path copied
    from the note is the one meant."""
    assert as_commonmark_reads(script.code_span(text)) == ([text], text)


# --------------------------------------------------------------------------- the scripts' argument and context readers


@FAST
@given(value=anything)
@example(value=DEEP)  # an argument nested past what json reads: refused, not "a fault in the script"
@example(value=DEEP_OBJECTS)
def test_the_gate_s_argument_readers_take_what_they_are_meant_to_or_refuse_in_the_gate_s_words(value):
    for read in (GATE.sha256_list, GATE.path_list, lambda v: GATE.scope_of({'host_id': v}, 'hss-restore-isolated'),
                 lambda v: GATE.objects_in(v, 'File', 'File'), GATE.hashes_list):
        try:
            read(value)
        except GATE.GateError as error:
            assert str(error)
