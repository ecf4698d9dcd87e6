"""Secrets that overlap in a text (one's end is another's start, or a secret quoted twice over itself): every
character of each goes, whichever the scrubber finds first; as is, split across lines, or cut short by '...'."""
from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

import facts
import restore_integration as ri

# Long enough to be sought split across lines too (README, "Limits of the scrubber": not one shorter than 8)
PART = st.text(string.ascii_letters + string.digits, min_size=8, max_size=16)


@st.composite
def overlapping(draw):
    """Two secrets, the second starting with the first's end (1 to all but one of its characters), the text that
    holds both run together, and a place inside the second's own part (past the first's end)."""
    head, tail = draw(PART), draw(PART)
    shared = draw(st.text(string.ascii_letters + string.digits, min_size=1, max_size=8))
    first, second, joined = head + shared, shared + tail, head + shared + tail
    # a cut there leaves the second's head at least MIN_LENGTH long: sought by the README's rule
    at = draw(st.integers(max(len(first) + 1, len(head) + facts.SCRUBBER_MIN_LENGTH), len(joined) - 1))
    return first, second, joined, at


@given(overlapping(), st.sampled_from(['as is', 'split across lines', 'cut short']))
def test_two_secrets_run_together_over_a_shared_part_leave_no_character_of_either(case, form):
    first, second, joined, at = case
    text = {'as is': f'said: {joined} (echoed)',
            'split across lines': f'said: {joined[:at]}\n{joined[at:]} (echoed)',
            'cut short': f'said: {joined[:at]}{facts.QUOTE_CUT}'}[form]
    expected = {'as is': f'said: {facts.SCRUBBER_MASK} (echoed)',
                'split across lines': f'said: {facts.SCRUBBER_MASK} (echoed)',
                'cut short': f'said: {facts.SCRUBBER_MASK}{facts.QUOTE_CUT}'}[form]

    for known in ([first, second], [second, first]):  # whichever is learned first
        assert ri.SecretScrubber(known).text(text) == expected


@given(st.text(string.ascii_letters, min_size=1, max_size=6), PART)
def test_a_secret_quoted_twice_over_its_own_end_and_start_leaves_no_character_of_it(border, middle):
    # A secret that ends as it starts, quoted twice with that part once (a vendor's echo running into itself)
    secret = border + middle + border
    text = f'said: {secret}{middle}{border} (echoed)'

    assert ri.SecretScrubber([secret]).text(text) == f'said: {facts.SCRUBBER_MASK} (echoed)'


@given(PART, st.integers(1, 15), st.sampled_from(['\n', '\r\n']))
def test_a_secret_split_across_lines_in_a_war_room_table_cell_is_masked_whole(secret, at, line_break):
    # A table cell turns each line break of a value into <br> (markdown_table, as XSOAR's tableToMarkdown): a vendor's
    # message that folded the secret shows its pieces on either side of one
    at = min(at, len(secret) - 1)
    message = f'refused: {secret[:at]}{line_break}{secret[at:]} (echoed)'
    table = ri.markdown_table('Result', [{'reason': message}], ['reason'], 'X.Y', bool)
    assert '<br>' in table

    cleaned = ri.SecretScrubber([secret]).text(table)

    assert cleaned == table.replace(f'{secret[:at]}<br>{secret[at:]}', facts.SCRUBBER_MASK)
    assert f'|refused: {facts.SCRUBBER_MASK} (echoed)|' in cleaned


def test_a_secret_of_one_character_repeated_quoted_over_itself_one_character_on_is_masked_whole():
    # README: one quoted twice over its own end and start is one mask, from the first's start to the last's end; a
    # secret of one repeated character overlaps itself one character on
    assert ri.SecretScrubber(['xxxxxxxx']).text('pw=xxxxxxxxx; ok') == f'pw={facts.SCRUBBER_MASK}; ok'
