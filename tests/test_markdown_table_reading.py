"""The table reader the tests read entries with (conftest.markdown_rows) reads a table as GitHub Flavored Markdown
does: every delimiter row GFM takes (`| --- |`, `:-:`, `---:`, outer pipes left out), cells trimmed, `\\|` a pipe.
The GFM spec's own examples are in test_data/xsoar/gfm_table_examples.json."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from conftest import TEST_DATA, lines_read_into_tables, load_json, markdown_rows

GFM = load_json(TEST_DATA / 'xsoar' / 'gfm_table_examples.json')


@pytest.mark.parametrize('example', GFM['examples'], ids=lambda example: str(example['example']))
def test_the_table_reader_reads_the_gfm_spec_s_table_examples_as_the_spec_renders_them(example):
    markdown, rows = example['markdown'], example['rows']
    if rows is None:  # no table: the delimiter row has fewer cells than the header
        with pytest.raises(AssertionError, match='no GFM table'):
            markdown_rows(markdown)
    elif example['example'] == 202:
        # Where the reader departs from GFM: a line without a pipe ends the table (GFM reads it as a row of one cell),
        # as a note may put a line of text right under its table.
        assert markdown_rows(markdown) == rows[:1]
    elif example['example'] == 204:
        # and a row of more or fewer cells than the header fails (GFM pads or cuts it): a test wants to see it.
        with pytest.raises(AssertionError, match='cells under a header of 2'):
            markdown_rows(markdown)
    else:
        assert markdown_rows(markdown) == rows


# A cell's text as a writer would put it in a row: no line break, no blank at either end (GFM trims them), and a
# first character that starts no other block when the row has no leading pipe (a letter: not `-`, `*`, `1.`, `>`).
CELL_TEXT = st.from_regex(r'[A-Za-z][A-Za-z0-9 _.:/`*\\|-]{0,12}', fullmatch=True).map(str.rstrip)


@st.composite
def gfm_tables(draw) -> tuple[str, list[dict]]:
    """A table's markdown, written in any of the ways GFM reads, with the rows it holds."""
    columns = draw(st.integers(1, 4))
    header = draw(st.lists(CELL_TEXT, min_size=columns, max_size=columns, unique=True))
    rows = draw(st.lists(st.lists(CELL_TEXT | st.just(''), min_size=columns, max_size=columns), max_size=4))
    blanks = draw(st.sampled_from(['', ' ', '  ']))
    leading = columns == 1 or draw(st.booleans())  # a one-column row without pipes is not a table row
    trailing = draw(st.booleans())
    delimiters = [draw(st.sampled_from(['', ':'])) + '-' * draw(st.integers(1, 5)) + draw(st.sampled_from(['', ':']))
                  for _ in range(columns)]

    def row(cells: list[str]) -> str:
        # A cell that ends in a backslash would escape the pipe after it: a blank keeps them apart, as writers do.
        written = [f'{blanks}{cell.replace("|", chr(92) + "|")}{" " if cell.endswith(chr(92)) else blanks}'
                   for cell in cells]
        # An empty first or last cell needs its outer pipe: without it GFM reads the pipe next to it as the outer one.
        return ('|' if leading or not cells[0] else '') + '|'.join(written) + ('|' if trailing or not cells[-1] else '')

    lines = [row(header), row(delimiters)] + [row(cells) for cells in rows]
    before = draw(st.sampled_from(['', '### A title\n\n', 'Some text\n\n']))
    after = draw(st.sampled_from(['', '\n', '\n\nNext check in 30 seconds.']))
    return before + '\n'.join(lines) + after, [dict(zip(header, cells)) for cells in rows]


@given(gfm_tables())
def test_every_table_written_as_gfm_reads_it_round_trips_through_the_table_reader(table):
    markdown, rows = table
    assert markdown_rows(markdown) == rows


@pytest.mark.parametrize('example', GFM['examples'], ids=lambda example: str(example['example']))
def test_the_lines_gfm_reads_into_a_table_are_those_right_under_it_in_the_gfm_spec_s_examples(example):
    # 201: a block quote under the table; 202: a line of text, which GFM renders as one more row ('bar' in its rows)
    under = {201: ['> bar'], 202: ['bar']}.get(example['example'], [])
    if example['example'] == 202:
        assert {'abc': 'bar', 'def': ''} in example['rows']
    assert lines_read_into_tables(example['markdown']) == under


@given(gfm_tables(), st.sampled_from(['Next check in 30 seconds.', '#### Steps', '- a step']))
def test_a_line_right_under_a_table_is_found_and_one_after_a_blank_line_is_not(table, line):
    lines = table[0].splitlines()
    last_row = max(number for number, text in enumerate(lines) if '|' in text)  # the table ends the strategy's text
    glued = lines[:last_row + 1] + [line] + lines[last_row + 1:]
    apart = lines[:last_row + 1] + ['', line] + lines[last_row + 1:]
    assert lines_read_into_tables(table[0]) == []
    assert lines_read_into_tables('\n'.join(glued)) == [line]
    assert lines_read_into_tables('\n'.join(apart)) == []
