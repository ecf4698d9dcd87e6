"""integration.yml, read once: the commands, their arguments and outputs, and the instance params.

The war room checks what an analyst types against this, the docs are rendered from it and the contract
tests compare the code with it, so nothing else in the project repeats an argument or output name.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INTEGRATION_YML = PROJECT_ROOT / 'integration.yml'


class ArgumentError(ValueError):
    """What an analyst typed does not fit the command's declaration; nothing was run."""


@dataclass(frozen=True)
class ArgumentSpec:
    name: str
    description: str = ''
    required: bool = False
    default: str | None = None
    predefined: tuple[str, ...] = ()
    is_array: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str
    polling: bool
    arguments: dict[str, ArgumentSpec]
    outputs: tuple[dict, ...]

    def check_args(self, args: dict[str, str]) -> dict[str, str]:
        """The arguments with defaults filled in, or ArgumentError naming every problem at once."""
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
        self._refuse(self._problems(args, predefined=False), 'the next run scheduled by PollingArgs')
        return dict(args)

    def _refuse(self, problems: list[str], what: str = '') -> None:
        if problems:
            raise ArgumentError(f'!{self.name}{" (" + what + ")" if what else ""}: ' + '; '.join(problems) + '.')

    def _problems(self, args: dict, predefined: bool = True) -> list[str]:
        problems = []
        unknown = sorted(set(args) - set(self.arguments))
        if unknown:
            problems.append(f'unknown argument(s) {", ".join(unknown)}; {self.name} takes '
                            f'{", ".join(a.name for a in self.arguments.values() if not a.hidden)}')
        for spec in self.arguments.values():
            value = args.get(spec.name)
            if spec.required and (value is None or str(value).strip() == ''):
                problems.append(f'{spec.name} is required ({spec.description.strip()})')
            elif predefined and value not in (None, '') and spec.predefined and str(value) not in spec.predefined:
                problems.append(f'{spec.name} must be one of {", ".join(spec.predefined)}; got {value!r}')
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


def parse_spec(raw: dict) -> IntegrationSpec:
    commands = {}
    for command in raw['script']['commands']:
        commands[command['name']] = CommandSpec(
            name=command['name'],
            description=command.get('description', ''),
            polling=bool(command.get('polling')),
            arguments={a['name']: _argument(a) for a in command.get('arguments') or ()},
            outputs=tuple(command.get('outputs') or ()),
        )
    params = {p['name']: _param(p) for p in raw.get('configuration') or ()}
    return IntegrationSpec(raw=raw, commands=commands, params=params)


@functools.lru_cache(maxsize=4)
def load_spec(path: Path = INTEGRATION_YML) -> IntegrationSpec:
    with open(path, encoding='utf-8') as handle:
        return parse_spec(yaml.safe_load(handle))
