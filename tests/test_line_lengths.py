"""Lines of at most 120 characters (DEVELOPERS.md), held for the tests and the hand-written docs as
test_integration_layout and test_warroom_layout hold it for the integration and the war room. A markdown table row
is one line whatever its length (GFM has no way to wrap one): the docs' rows are left out; so is README.md, whose
command reference, examples and settings are rendered from integration.yml by `python -m warroom docs`."""
from __future__ import annotations

import pytest

from conftest import ROOT

MAX_LINE = 120  # DEVELOPERS.md: "lines of at most 120 characters"
TEST_MODULES = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / 'tests').glob('*.py'))
DOCS = ['DEVELOPERS.md', 'test_data/xdr/README.md', 'test_data/hss/README.md']


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
