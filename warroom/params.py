"""Instance params for the local war room: a YAML file keyed by the param names of integration.yml.

Credentials (type 9) are ``{identifier, password}`` as XSOAR stores them; a boolean (type 8) is true or false, false
when left out, as XSOAR hands an unticked checkbox. A secret may stay out of the file: ``WARROOM_PARAM_<NAME>`` in
the environment (the password part, for credentials) fills it. A number or a date written unquoted is read as the
text written (``TypedTextLoader``), as XSOAR hands a text setting.
"""
from __future__ import annotations

import copy
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import yaml

from .line import plural, quoted
from .spec import IntegrationSpec, ParamSpec

ENV_PREFIX = 'WARROOM_PARAM_'
BOOLEAN = 8  # the checkbox param type: True when ticked, False otherwise (content-docs parameter-types.md)
MULTI_SELECT = 16  # a list of the param's options (content-docs parameter-types.md, "Multi Select")
# Short Text, Short Encrypted, Long Text, Long Encrypted: text boxes in the instance dialog (parameter-types.md)
TEXT_BOXES = frozenset({0, 4, 12, 14})
KINDS = {bool: 'true or false', list: 'a list', dict: 'an object'}  # a value named by its kind, never shown


# YAML 1.1 reads 2024_0315 as 20240315, 0755 as 493, 0x1F as 31, 1:30 as 90, 1.50 as 1.5 and 2024-03-15 as a date
# (2024-13-45 as a ValueError); XSOAR hands a text setting, and takes a typed argument, as the text typed.
AS_TYPED_TAGS = ('tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:timestamp')


class TypedTextLoader(yaml.SafeLoader):
    """YAML as the war room reads what an analyst types (a params file, an --args file): a number or a date stays the
    text written; true, false and null keep their meaning (a checkbox, a value not given)."""


TypedTextLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in AS_TYPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load_typed_yaml(source: str | IO[str]) -> Any:
    return yaml.load(source, Loader=TypedTextLoader)  # safe: a SafeLoader that resolves fewer implicit types


class ParamsError(ValueError):
    """The params file does not fit integration.yml."""


def env_name(param: str) -> str:
    return ENV_PREFIX + param.upper()


def warn_if_readable_by_others(path: str | Path, given: dict, spec: IntegrationSpec) -> None:
    """A params file that holds a secret and that other users of this machine can read gets a warning."""
    holds_secret = any(spec.params[name].is_credentials
                       and (value.get('password') if isinstance(value, dict) else value not in (None, ''))
                       for name, value in given.items() if name in spec.params)
    if holds_secret and os.name == 'posix' and Path(path).stat().st_mode & 0o077:
        print(f'WARNING: {path} holds a secret and other users can read it: chmod 600 {path}, or move the secret '
              f'to the environment ({ENV_PREFIX}<NAME>).', file=sys.stderr)


def yaml_error_without_text(path: str | Path, error: yaml.YAMLError) -> str:
    """Where the params file is not YAML, never what is written there: PyYAML's message quotes the alias, tag or
    anchor it stumbled on, which is a secret typed unquoted (``password: *x`` or ``!x``)."""
    mark = getattr(error, 'problem_mark', None) or getattr(error, 'context_mark', None)
    where = f' at line {mark.line + 1}, column {mark.column + 1}' if mark is not None else ''
    return (f'{path} is not valid YAML{where} (the text there is not shown: it may be a secret). A value starting '
            f'with * & ! % @ or ` goes in quotes.')


def undeclared(spec: IntegrationSpec, given: Mapping) -> str:
    """The names in ``given`` that integration.yml declares no param for ('' when none): XSOAR's instance dialog
    saves only the params declared."""
    unknown = sorted(str(name) for name in set(given) - set(spec.params))
    if not unknown:
        return ''
    return (f'unknown {plural("param", len(unknown))} {", ".join(unknown)}; integration.yml declares '
            f'{", ".join(spec.params)}.')


def xsoar_params(spec: IntegrationSpec, params: dict) -> dict:
    """``params`` as XSOAR hands them to the integration, ParamsError for what its instance dialog never saves: a
    name integration.yml does not declare, a value of a kind the dialog never gives (``kind_problem``). A copy of
    their own for each run (what a run changes in them never reaches the next), every boolean param True or False (the
    text true or false, from the environment, read as one), False when not set. A select's value is not checked
    against its options here (``load_params`` checks a params file's): an instance saved by an older version's
    free-text field may hold another spelling, which the integration reads.

    Any other param left out stays out, no default from integration.yml filled in: an instance saved before the param
    existed lacks it in XSOAR too, so the integration must cope with it missing (the CLI's ``load_params`` fills the
    defaults in, as the dialog does for a new instance)."""
    unknown = undeclared(spec, params)
    if unknown:
        raise ParamsError(f'Instance params: {unknown}')
    handed = copy.deepcopy(params)
    for name, param in spec.params.items():
        value = handed.get(name)
        problem = kind_problem(name, param, value)
        if problem:
            raise ParamsError(problem)
        if param.type != BOOLEAN or isinstance(value, bool):
            continue
        text = str(value).strip().lower() if value is not None else 'false'
        if text not in ('true', 'false'):
            raise ParamsError(f'Param {name} is a checkbox: true or false; got {quoted(value)}.')
        handed[name] = text == 'true'
    return handed


def kind_problem(name: str, param: ParamSpec, value: Any) -> str:
    """Why XSOAR would never hand ``value`` for a text box or a credentials param ('' when it would): its dialog
    gives text, and a user name and password of text (parameter-types.md, "Authentication"), an object even when only
    the password is asked for, never plain text (the params file's shorthand, which ``load_params`` makes one). What
    was written is named by its kind only: it may be a secret."""
    if value is None or (isinstance(value, str) and not param.is_credentials):
        return ''
    kind = 'text' if isinstance(value, str) else KINDS.get(type(value), 'a number')
    if param.type in TEXT_BOXES:
        return f'Param {name} is text (type {param.type}, a text box in the instance dialog); got {kind}.'
    if not param.is_credentials:
        return ''
    parts = (value.get('identifier', ''), value.get('password', '')) if isinstance(value, dict) else (None,)
    if all(isinstance(part, str) for part in parts):
        return ''
    if isinstance(value, dict):
        kind = 'an object whose identifier or password is not text'
    return f'Param {name} is a user name and password (type 9): {{identifier, password}} of text; got {kind}.'


def load_params(path: str | Path | None, spec: IntegrationSpec, environ: Mapping[str, str] = os.environ) -> dict:
    """Defaults from integration.yml, then the file, then the environment."""
    given = {}
    if path is not None:
        try:
            with open(path, encoding='utf-8') as handle:
                given = load_typed_yaml(handle) or {}
        except UnicodeDecodeError as error:
            raise ParamsError(f'{path} is not UTF-8 text: {error.reason} at byte {error.start}.') from None
        except yaml.YAMLError as error:
            raise ParamsError(yaml_error_without_text(path, error)) from None
        if not isinstance(given, dict):
            raise ParamsError(f'{path} must be a mapping of param names to values.')
        warn_if_readable_by_others(path, given, spec)
    unknown = undeclared(spec, given)
    if unknown:
        raise ParamsError(f'{path}: {unknown}')
    params = spec.default_params()
    params.update(given)
    for name, param in spec.params.items():
        from_env = environ.get(env_name(name))
        if from_env is not None:
            if param.is_credentials:  # the secret from the environment, the user name or key ID from the file
                given_part = params.get(name)
                identifier = given_part.get('identifier', '') if isinstance(given_part, dict) else ''
                params[name] = {'identifier': identifier, 'password': from_env}
            else:
                params[name] = from_env
        if param.is_credentials and isinstance(params.get(name), str):
            params[name] = {'identifier': '', 'password': params[name]}
        value = params.get(name)
        picked = value if param.type == MULTI_SELECT and isinstance(value, list) else [value]
        if param.options and value not in (None, '') and any(item not in param.options for item in picked):
            raise ParamsError(f'Param {name} must be {"some" if param.type == MULTI_SELECT else "one"} of '
                              f'{", ".join(param.options)}; got {quoted(value)}.')
    return xsoar_params(spec, params)
