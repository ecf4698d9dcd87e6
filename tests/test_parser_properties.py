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
FAST = settings(max_examples=150, deadline=None)
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
