"""demisto-sdk's BA129 and BA112 against demisto/content's list of compliance policies (recorded in
test_data/xsoar/compliant_policies.json, which ``make xsoar-validate`` also gives the SDK): a command or script
taking an argument a policy names declares one of the policies naming it, and declares no policy the list lacks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from warroom.spec import PROJECT_ROOT

RECORDED = json.loads((PROJECT_ROOT / 'test_data' / 'xsoar' / 'compliant_policies.json').read_text(encoding='utf-8'))
POLICY_NAMES = {policy['name'] for policy in RECORDED['policies']}
SCRIPT_YMLS = sorted((PROJECT_ROOT / 'playbooks' / 'scripts').glob('*/*.yml'))


def _policies_by_argument() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for policy in RECORDED['policies']:
        for argument in policy['arguments']:
            found.setdefault(argument, set()).add(policy['name'])
    return found


def _callables() -> list[tuple[str, list[str], list[str]]]:
    """(name, argument names, declared compliantpolicies) of every integration command and pack script."""
    integration = yaml.safe_load((PROJECT_ROOT / 'integration.yml').read_text(encoding='utf-8'))
    found = [(command['name'], [arg['name'] for arg in command.get('arguments') or []],
              command.get('compliantpolicies') or []) for command in integration['script']['commands']]
    for path in SCRIPT_YMLS:
        script = yaml.safe_load(path.read_text(encoding='utf-8'))
        found.append((script['name'], [arg['name'] for arg in script.get('args') or []],
                      script.get('compliantpolicies') or []))
    return found


@pytest.mark.parametrize('name, arguments, declared', _callables(), ids=lambda value: str(value)[:40])
def test_a_command_taking_a_policy_argument_declares_a_policy_that_names_it(name: str, arguments: list[str],
                                                                             declared: list[str]) -> None:
    policies = _policies_by_argument()
    missing = {arg: sorted(policies[arg]) for arg in arguments if arg in policies and not policies[arg] & set(declared)}
    assert not missing, f'{name} declares none of the policies naming {missing} (BA129)'


@pytest.mark.parametrize('name, arguments, declared', _callables(), ids=lambda value: str(value)[:40])
def test_a_declared_compliant_policy_is_one_content_lists(name: str, arguments: list[str],
                                                          declared: list[str]) -> None:
    assert set(declared) <= POLICY_NAMES, f'{name}: {sorted(set(declared) - POLICY_NAMES)} (BA112)'


def test_the_recorded_list_says_where_it_comes_from() -> None:
    assert RECORDED['source'].startswith('https://github.com/demisto/content/blob/')
    assert RECORDED['source'].endswith('/Config/compliant_policies.json')
