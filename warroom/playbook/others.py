"""What the playbooks use from other packs, played back locally: other integrations' commands answered from
recorded replies, and CommonScripts' ``IsIntegrationAvailable``.

The commands, their arguments and their declared outputs come from ``test_data/xsoar/dependencies.json`` (as the
integrations' YAML declares them); a reply is ``test_data/xsoar/replies/<brand>/<command>/<first required argument's
value>.json``: the list of entries the integration returns. A reply is held to the rules this pack's entries are
(``checked_entry``, ``refuse_undeclared_outputs``): it may only write context paths the command declares, so a
recording cannot invent data the real integration would not give."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..line import plural
from ..runtime import ENTRY_ERROR, ENTRY_NOTE, DemistoMisuse, checked_entry, refuse_undeclared_outputs
from ..spec import BUILTIN_ARGUMENTS, PROJECT_ROOT, instance_name

DEPENDENCIES_FILE = PROJECT_ROOT / 'test_data' / 'xsoar' / 'dependencies.json'
REPLIES_DIR = PROJECT_ROOT / 'test_data' / 'xsoar' / 'replies'
OWN_BRAND = 'Quarantine Restore'  # integration.yml commonfields.id: the brand IsIntegrationAvailable asks about


class ReplayError(ValueError):
    """A call the recordings cannot answer as the other integration would (not declared, not recorded)."""


@dataclass(frozen=True)
class OtherCommand:
    brand: str  # '' for a generic command (such as file) that any enabled integration of its kind answers
    name: str
    arguments: tuple[str, ...]
    required: tuple[str, ...]
    outputs: frozenset[str]


def load_other_commands(path: Path = DEPENDENCIES_FILE) -> dict[str, OtherCommand]:
    """Every command of another pack's integration the playbooks may call, by command name."""
    commands = {}
    for pack in json.loads(path.read_text(encoding='utf-8'))['packs'].values():
        for brand, integration in (pack.get('integrations') or {}).items():
            for name, command in integration['commands'].items():
                commands[name] = OtherCommand(brand, name, tuple(command['arguments']), tuple(command['required']),
                                              frozenset(command['outputs']))
    for name, command in (json.loads(path.read_text(encoding='utf-8')).get('generic_commands') or {}).items():
        commands[name] = OtherCommand('', name, tuple(command['arguments']), tuple(command['required']),
                                      frozenset(command['outputs']))
    return commands


def as_keys(value: Any) -> list[str]:
    """An argument's values: a list, or text split on commas."""
    values = value if isinstance(value, list) else str(value).split(',')
    return [str(item).strip() for item in values if str(item).strip()]


def no_instance(brand: str, command: str) -> list[dict]:
    """What a command no enabled instance runs gives, in a task or a script's executeCommand: an error entry (XSOAR
    runs a command on an enabled instance only; the wording is ours)."""
    return [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text', 'Contents': f'No enabled instance of {brand} can run '
                                                                        f'!{command}.'}]


@dataclass
class OtherIntegrations:
    """The other integrations of the XSOAR server the playbooks run on: which brands have an enabled instance,
    and their commands' recorded replies."""

    enabled: set[str] = field(default_factory=lambda: {OWN_BRAND, 'Cortex XDR - IR'})
    commands: dict[str, OtherCommand] = field(default_factory=load_other_commands)
    replies_dir: Path = REPLIES_DIR

    def is_available(self, brand: str) -> bool:
        return any(brand.lower() == known.lower() for known in self.enabled)

    def knows(self, command: str) -> bool:
        return command in self.commands

    def providers(self, command: str, brand: str = '') -> list[str]:
        """The enabled brands that answer the command: its own integration's, or (a generic command) every enabled
        brand with recorded replies for it; with ``brand`` (a task's ``Brand|||command``), that brand only, and only
        when it has an enabled instance, as XSOAR runs a command on an enabled instance only."""
        spec = self.commands[command]
        if spec.brand:
            return [spec.brand] if self.is_available(spec.brand) and brand in ('', spec.brand) else []
        if brand:
            return [brand] if self.is_available(brand) else []
        return sorted(known for known in self.enabled if (self.replies_dir / known / command).is_dir())

    def run(self, brand: str, command: str, args: dict) -> list[dict]:
        spec = self.commands[command]
        if brand and spec.brand and brand != spec.brand:
            raise ReplayError(f'!{command} belongs to {spec.brand}, not {brand}')
        builtin = sorted(set(args) & set(BUILTIN_ARGUMENTS))
        if builtin:  # XSOAR would take them; recorded replies cannot honour them, so say so rather than guess
            raise ReplayError(f'!{command} takes no built-in {plural("argument", len(builtin))} {", ".join(builtin)} '
                              f'here: the war room interprets built-in arguments on this pack\'s commands only; the '
                              f'recorded replies of {spec.brand or "other integrations"} cannot honour them. Leave '
                              f'{", ".join(builtin)} out, or add support in warroom/playbook/others.py first')
        unknown = sorted(set(args) - set(spec.arguments))
        if unknown:
            raise ReplayError(f'!{command} has no {plural("argument", len(unknown))} {", ".join(unknown)} '
                              f'({spec.brand or "it"} declares {", ".join(spec.arguments)})')
        brands = self.providers(command, brand)
        if not brands:
            return no_instance(brand or spec.brand or 'an integration', command)
        missing = [name for name in spec.required if not args.get(name)]
        if missing:
            return [{'Type': ENTRY_ERROR, 'ContentsFormat': 'text',
                     'Contents': f'!{command}: {", ".join(missing)} is required.'}]
        entries = []
        for key in as_keys(args[spec.required[0]]):  # a list argument runs once per value, as reputation commands do
            for provider in brands:
                entries += self._recorded(spec, provider, key)
        return entries

    def _recorded(self, spec: OtherCommand, brand: str, key: str) -> list[dict]:
        path = self.replies_dir / brand / spec.name / f'{key}.json'
        if not path.is_file():
            if not spec.brand:  # a reputation source that knows nothing of this file says so, without context
                return [{'Type': ENTRY_NOTE, 'ContentsFormat': 'text',
                         'Contents': f'{brand}: no information on {key}.'}]
            raise ReplayError(f'no recorded reply of !{spec.name} for {spec.required[0]}={key} ({path})')
        try:  # XSOAR holds any integration's entries to the rules it holds this pack's to
            entries = [checked_entry(entry) for entry in json.loads(path.read_text(encoding='utf-8'))]
            refuse_undeclared_outputs(entries, [{'contextPath': output} for output in spec.outputs], f'!{spec.name}',
                                      f'{brand}\'s YAML')
        except DemistoMisuse as error:
            raise ReplayError(f'{path}: {error}') from None
        return entries

    def is_integration_available(self, context: dict, args: dict) -> dict:
        """CommonScripts' IsIntegrationAvailable: 'yes' (and brandInstances in context) or 'no'."""
        brand = str(args.get('brandname') or '')
        if self.is_available(brand):
            context['brandInstances'] = [instance_name(brand)]
            return {'Type': ENTRY_NOTE, 'ContentsFormat': 'text', 'Contents': 'yes'}
        return {'Type': ENTRY_NOTE, 'ContentsFormat': 'text', 'Contents': 'no'}
