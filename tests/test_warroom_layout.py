"""The war room keeps the integration's rule for code (DEVELOPERS.md): types on every signature, no function longer
than about 50 lines. The checks are the integration's own, from test_integration_layout, run on every module under
warroom/ (the emulators, the playbook runner, the bench and xsoar_validate.py included)."""
from __future__ import annotations

import ast

import pytest

from test_integration_layout import MAX_FUNCTION_LINES, long_functions, untyped
from warroom.spec import PROJECT_ROOT

MODULES = sorted(path.relative_to(PROJECT_ROOT).as_posix() for path in (PROJECT_ROOT / 'warroom').rglob('*.py'))


def tree_of(module: str) -> ast.Module:
    return ast.parse((PROJECT_ROOT / module).read_text(encoding='utf-8'))




def test_the_checks_cover_the_modules_of_every_war_room_package():
    assert {'warroom/cli.py', 'warroom/bench.py', 'warroom/xsoar_validate.py', 'warroom/playbook/runner.py',
            'warroom/emulator/httpserver.py', 'warroom/emulator/hss/responses.py',
            'warroom/images/png.py'} <= set(MODULES)


@pytest.mark.parametrize('module', MODULES)
def test_every_signature_of_the_war_room_is_typed(module):
    assert untyped(tree_of(module)) == []


@pytest.mark.parametrize('module', MODULES)
def test_no_function_of_the_war_room_is_longer_than_fifty_lines(module):
    assert long_functions(tree_of(module), MAX_FUNCTION_LINES) == []


@pytest.mark.parametrize('module', MODULES)
def test_no_line_of_the_war_room_is_longer_than_120_characters(module):
    lines = (PROJECT_ROOT / module).read_text(encoding='utf-8').splitlines()
    assert [number for number, line in enumerate(lines, 1) if len(line) > 120] == []
