"""integration.yml, read once: the commands, their arguments and outputs, and the instance params.

The war room checks what an analyst types against this, the docs are rendered from it and the contract
tests compare the code with it, so nothing else in the project repeats an argument or output name.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from .line import plural, quoted

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INTEGRATION_YML = PROJECT_ROOT / 'integration.yml'


class ArgumentError(ValueError):
    """What an analyst typed does not fit the command's declaration; nothing was run."""


# --------------------------------------------------------------------------- XSOAR's built-in arguments
# The server reads these itself on every integration command, typed or run by a playbook task, and the integration
# declares none of them (DEVELOPERS.md, "Built-in arguments", gives the source of each). The war room checks their
# form, acts on what it can model and hands them to the integration, as XSOAR does (WarRoom.run).

@dataclass(frozen=True)
class ServerOptions:
    """What the built-in arguments of one command ask of the server."""
    using: str | None = None  # the instance to run on
    using_brand: tuple[str, ...] = ()  # run only on instances of these brands
    using_category: str | None = None  # run only on instances of integrations of this category
    execution_timeout: int | None = None  # seconds one run may take, instead of the server's limit
    extend_context: tuple[tuple[str, str], ...] = ()  # (context key, path in the entry's Contents)
    ignore_outputs: bool = False  # write none of the entry's EntryContext
    raw_response: bool = False  # show the entry's Contents, not its readable output
    retry_count: int | None = None  # accepted, not acted on
    retry_interval: int | None = None  # accepted, not acted on
    auto_extract: str | None = None  # accepted, not acted on: the war room extracts no indicators
    debug_mode: bool = False  # CommonServerPython's debug log of http.client's output (debug_mode.py)


EXTRACTION_MODES = ('none', 'inline', 'out-of-band')  # indicator extraction: none, inline, out of band


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not re.fullmatch(r'[0-9]+', text) or int(text) < minimum:
            raise ValueError(f'a whole number, {minimum} or more')
        return int(text)
    return parse


def _boolean(text: str) -> bool:
    if text.lower() not in ('true', 'false'):
        raise ValueError('true or false')
    return text.lower() == 'true'


def _extraction_mode(text: str) -> str:
    if text.lower() not in EXTRACTION_MODES:
        raise ValueError(f'one of {", ".join(EXTRACTION_MODES)}')
    return text.lower()


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(',') if name.strip())
    if not names:
        raise ValueError('names joined by ","')
    return names


def _context_keys(text: str) -> tuple[tuple[str, str], ...]:
    """``key=path`` pairs joined by ``::``; an empty path takes the whole Contents."""
    pairs = []
    for part in text.split('::'):
        key, equals, path = part.partition('=')
        if not equals or not key.strip():
            raise ValueError('key=path pairs joined by :: (an empty path takes the whole raw response)')
        pairs.append((key.strip(), path.strip()))
    return tuple(pairs)


BUILTIN_ARGUMENTS: dict[str, tuple[str, Callable[[str], object]]] = {
    'using': ('using', str.strip),
    'using-brand': ('using_brand', _names),
    'using-category': ('using_category', str.strip),
    'execution-timeout': ('execution_timeout', _whole(1)),
    'extend-context': ('extend_context', _context_keys),
    'ignore-outputs': ('ignore_outputs', _boolean),
    'raw-response': ('raw_response', _boolean),
    'retry-count': ('retry_count', _whole(0)),
    'retry-interval': ('retry_interval', _whole(0)),
    'auto-extract': ('auto_extract', _extraction_mode),
    'debug-mode': ('debug_mode', _boolean),
}


def split_server_options(args: dict) -> tuple[dict, ServerOptions, list[str]]:
    """(the command's own arguments, what the built-in ones ask of the server, the problems of their form). A
    built-in argument given empty counts as not given."""
    own, options, problems = {}, {}, []
    for name, value in args.items():
        if name not in BUILTIN_ARGUMENTS:
            own[name] = value
            continue
        text = '' if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        if not text.strip():
            continue
        field_name, parse = BUILTIN_ARGUMENTS[name]
        try:
            options[field_name] = parse(text.strip())
        except ValueError as form:
            problems.append(f'{name} must be {form}; got {quoted(text)}')
    return own, ServerOptions(**options), problems


def instance_name(brand: str) -> str:
    """The name XSOAR gives the first instance of an integration brand, as the war room names its own."""
    return f'{brand}_instance_1'


@dataclass(frozen=True)
class ArgumentSpec:
    name: str
    description: str = ''
    required: bool = False
    default: str | None = None
    predefined: tuple[str, ...] = ()
    is_array: bool = False
    hidden: bool = False


def no_value(value: object) -> bool:
    """An argument given nothing: null, text of blanks only, or a list or object of nothing else ("empty/missing",
    which a mandatory argument may not be: demisto/content pull request 748)."""
    if isinstance(value, (list, dict)):
        return all(map(no_value, value.values() if isinstance(value, dict) else value))
    return value is None or str(value).strip() == ''


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    polling: bool
    arguments: dict[str, ArgumentSpec]
    outputs: tuple[dict, ...]

    def check_args(self, args: dict[str, str]) -> dict[str, str]:
        """The arguments with defaults filled in (built-in ones as given), or ArgumentError naming every problem at
        once."""
        self._refuse(self._problems(args))
        checked = {name: spec.default for name, spec in self.arguments.items() if spec.default is not None}
        checked.update({name: value for name, value in args.items() if value is not None})
        return checked

    def check_polling_args(self, args: dict) -> dict:
        """The PollingArgs an entry gives for this command's next run, checked as a typed command's are, or
        ArgumentError. XSOAR passes a polling run only the arguments the command declares: content-docs
        docs/integrations/scheduled-commands.md, on PollResult.args_for_next_run, "you must add it to the yml file
        with the attribute hidden: true, that way the polling command will recognize the argument for the next
        run". A required argument must be there too; no default is filled in and no predefined value checked (a
        polling run's values may be JSON types, as CommonServerPython's polling_function writes them)."""
        self._refuse(self._problems(args, predefined=False, builtins=False), 'the next run scheduled by PollingArgs')
        return dict(args)

    def _refuse(self, problems: list[str], what: str = '') -> None:
        if problems:
            raise ArgumentError(f'!{self.name}{" (" + what + ")" if what else ""}: ' + '; '.join(problems) + '.')

    def _problems(self, args: dict, predefined: bool = True, builtins: bool = True) -> list[str]:
        """What does not fit the declaration: unknown, missing or out-of-list arguments, and (``builtins``) built-in
        arguments of the wrong form, which are taken beside the declared ones."""
        problems = []
        if builtins:
            args, _, problems = split_server_options(args)
        unknown = sorted(set(args) - set(self.arguments))
        if unknown:
            problems.append(f'unknown {plural("argument", len(unknown))} {", ".join(unknown)}; {self.name} takes '
                            f'{", ".join(a.name for a in self.arguments.values() if not a.hidden)}')
        for spec in self.arguments.values():
            value = args.get(spec.name)
            if spec.required and no_value(value):
                problems.append(f'{spec.name} is required ({spec.description.strip()})')
            elif predefined and not (value is None or isinstance(value, str) and not value.strip()) and \
                    spec.predefined and str(value) not in spec.predefined:  # a list, even empty, is none of them
                problems.append(f'{spec.name} must be one of {", ".join(spec.predefined)}; got {quoted(value)}')
        return problems


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: int
    display: str = ''
    default: object = None
    required: bool = False
    options: tuple[str, ...] = ()

    @property
    def is_credentials(self) -> bool:
        return self.type == 9


@dataclass(frozen=True)
class IntegrationSpec:
    raw: dict = field(repr=False)
    commands: dict[str, CommandSpec] = field(repr=False)
    params: dict[str, ParamSpec] = field(repr=False)

    def command(self, name: str) -> CommandSpec:
        if name == 'test-module':
            return CommandSpec('test-module', 'Tests the instance settings.', False, {}, ())
        try:
            return self.commands[name]
        except KeyError:
            raise ArgumentError(f'Unknown command !{name}. This integration has: '
                                f'{", ".join("!" + c for c in self.commands)}, !test-module.') from None

    @property
    def brand(self) -> str:
        return str(self.raw['commonfields']['id'])

    @property
    def instance(self) -> str:
        """The one instance of the integration this war room runs."""
        return instance_name(self.brand)

    def instance_refusal(self, command: str, options: ServerOptions) -> str:
        """XSOAR's error when ``using``, ``using-brand`` or ``using-category`` pick no instance this war room runs;
        '' when they pick it (or say nothing)."""
        where = f'This war room runs one instance, "{self.instance}" (brand {self.brand}, category ' \
                f'{self.raw.get("category")}): name it, or leave the argument out.'
        if options.using is not None and options.using != self.instance:
            return f'!{command}: no enabled instance is named "{options.using}" (using). {where}'
        if options.using_brand and self.brand.lower() not in {b.lower() for b in options.using_brand}:
            return f'!{command}: no enabled instance of brand {", ".join(options.using_brand)} (using-brand). {where}'
        category = str(self.raw.get('category') or '')
        if options.using_category is not None and options.using_category.lower() != category.lower():
            return f'!{command}: no enabled instance in category {options.using_category} (using-category). {where}'
        return ''

    def default_params(self) -> dict:
        return {name: spec.default for name, spec in self.params.items() if spec.default is not None}


def _argument(raw: dict) -> ArgumentSpec:
    default = raw.get('defaultValue')
    return ArgumentSpec(
        name=raw['name'],
        description=raw.get('description', ''),
        required=bool(raw.get('required')),
        default=None if default is None else str(default),
        predefined=tuple(str(v) for v in raw.get('predefined') or ()),
        is_array=bool(raw.get('isArray')),
        hidden=bool(raw.get('hidden')),
    )


def _param(raw: dict) -> ParamSpec:
    return ParamSpec(
        name=raw['name'],
        type=int(raw['type']),
        display=raw.get('display') or raw.get('displaypassword') or raw['name'],
        default=raw.get('defaultvalue'),
        required=bool(raw.get('required')),
        options=tuple(raw.get('options') or ()),
    )


def _by_name(items: list[dict], what: str) -> dict[str, dict]:
    """``items`` by name, or ValueError for a name given twice, as demisto-sdk's validate refuses it (IN113 for a
    command's arguments, IN114 for the params): read by name, the last would quietly replace the first."""
    named: dict[str, dict] = {}
    for item in items:
        if item['name'] in named:
            raise ValueError(f'integration.yml: {what} {quoted(item["name"])} is declared twice')
        named[item['name']] = item
    return named


def parse_spec(raw: dict) -> IntegrationSpec:
    commands = {}
    for command in raw['script']['commands']:
        commands[command['name']] = CommandSpec(
            name=command['name'],
            description=command.get('description', ''),
            polling=bool(command.get('polling')),
            arguments={name: _argument(a) for name, a in _by_name(command.get('arguments') or [],
                                                                   f"!{command['name']}'s argument").items()},
            outputs=tuple(command.get('outputs') or ()),
        )
    declared = _by_name(raw.get('configuration') or [], 'param')
    if raw['script'].get('isfetch'):
        _check_fetch_params(declared)
    params = {name: _param(p) for name, p in declared.items()}
    return IntegrationSpec(raw=raw, commands=commands, params=params)


def _check_fetch_params(declared: dict[str, dict]) -> None:
    """A fetching integration's params hold first_fetch, and max_fetch with a default value, or ValueError: content-docs
    fetching-incidents.md, "Make sure that first_fetch parameter exist in the integration yml file", "Make sure that
    the max_fetch parameter exist in the integration yml file and it has a default value"."""
    if 'first_fetch' not in declared:
        raise ValueError('integration.yml: a fetching integration (isfetch) declares the param "first_fetch"')
    if declared.get('max_fetch', {}).get('defaultvalue') in (None, ''):
        raise ValueError('integration.yml: a fetching integration (isfetch) declares the param "max_fetch" with a '
                         'default value')


def parse_script_spec(raw: dict) -> CommandSpec:
    """A script's YAML as a CommandSpec: its arguments are held to what it declares as a command's are."""
    arguments = _by_name(raw.get('args') or [], f"script {raw.get('name')}'s argument")
    return CommandSpec(name=str(raw.get('name')), description=str(raw.get('comment') or ''), polling=False,
                       arguments={name: _argument(a) for name, a in arguments.items()},
                       outputs=tuple(raw.get('outputs') or ()))


@functools.lru_cache(maxsize=4)
def load_spec(path: Path = INTEGRATION_YML) -> IntegrationSpec:
    with open(path, encoding='utf-8') as handle:
        return parse_spec(yaml.safe_load(handle))
