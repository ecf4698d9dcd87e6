"""Lines of at most 120 characters (DEVELOPERS.md), held for the tests and the hand-written docs as
test_integration_layout and test_warroom_layout hold it for the integration and the war room. A markdown table row
is one line whatever its length (GFM has no way to wrap one): the docs' rows are left out. README.md is held too but
for what no one writes or can wrap there: the sections `python -m warroom docs` renders between its markers (the
settings and command reference from integration.yml, with the entries and context runs printed, and the playbook
diagrams), its fenced code blocks (commands and output, given verbatim) and a line that is one word (a link's target
longer than a line)."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT
from warroom.docs import REFERENCE_END, REFERENCE_START, SETTINGS_END, SETTINGS_START
from warroom.playbook.diagram import END_MARK, START_MARK

MAX_LINE = 120  # DEVELOPERS.md: "lines of at most 120 characters"
TEST_MODULES = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / 'tests').glob('*.py'))
DOCS = ['DEVELOPERS.md', 'test_data/xdr/README.md', 'test_data/hss/README.md']
RENDERED = [(SETTINGS_START, SETTINGS_END), (REFERENCE_START, REFERENCE_END), (START_MARK, END_MARK)]
FENCE = re.compile(r' *(```|~~~)')


def long_lines(path: str, *, table_rows_too: bool = True) -> list[int]:
    lines = (ROOT / path).read_text(encoding='utf-8').splitlines()
    return [number for number, line in enumerate(lines, 1)
            if len(line) > MAX_LINE and (table_rows_too or not line.lstrip().startswith('|'))]


def test_the_checks_cover_every_test_module_and_the_shared_helpers():
    assert {'tests/conftest.py', 'tests/facts.py', 'tests/commonmark_reading.py',
            'tests/test_export.py', 'tests/test_hss_polling.py'} <= set(TEST_MODULES)


@pytest.mark.parametrize('module', TEST_MODULES)
def test_no_line_of_the_tests_is_longer_than_120_characters(module):
    assert long_lines(module) == []


@pytest.mark.parametrize('doc', DOCS)
def test_no_line_of_the_docs_but_a_table_row_is_longer_than_120_characters(doc):
    assert long_lines(doc, table_rows_too=False) == []


def rendered_lines(lines: list[str]) -> set[int]:
    """The numbers of the lines `warroom docs` writes: from each of its start markers to the end marker after it."""
    numbers = set()
    for start, end in RENDERED:
        first = lines.index(start)
        last = next(number for number in range(first, len(lines)) if lines[number].startswith(end))
        numbers |= set(range(first + 1, last + 2))
    return numbers


def fenced_code_lines(lines: list[str]) -> set[int]:
    numbers = set()
    inside = False
    for number, line in enumerate(lines, 1):
        if FENCE.match(line):
            inside = not inside
        if inside or FENCE.match(line):
            numbers.add(number)
    assert not inside, 'README.md has a code block that is never closed'
    return numbers


def test_the_readme_s_rendered_sections_are_found_by_the_renderer_s_own_markers():
    lines = (ROOT / 'README.md').read_text(encoding='utf-8').splitlines()
    rendered = rendered_lines(lines)
    for start, end in RENDERED:
        assert {lines[number - 1] for number in rendered} >= {start, end}
    assert any(line.startswith('### restore-file') for line in (lines[number - 1] for number in rendered))


def test_no_line_the_readme_s_writers_wrote_but_a_table_row_or_one_word_is_longer_than_120_characters():
    lines = (ROOT / 'README.md').read_text(encoding='utf-8').splitlines()
    left_out = rendered_lines(lines) | fenced_code_lines(lines)
    assert [number for number in long_lines('README.md', table_rows_too=False)
            if number not in left_out and len(lines[number - 1].split()) > 1] == []
