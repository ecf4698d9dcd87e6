"""What the XSOAR server does with what fetch-incidents hands over: the pack's classifier picks each incident's
type, its incoming mapper fills the incident fields from the raw event, and the incident is created.

The classifier, mapper and incident fields are read from the pack's own files (``playbooks/classifiers``,
``playbooks/incident_fields``), the fields of the packs it depends on from ``test_data/xsoar/dependencies.json``:
nothing here repeats them.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .line import plural, quoted
from .playbook.model import PLAYBOOKS_DIR
from .playbook.values import Scope, is_empty, resolve
from .spec import PROJECT_ROOT

if TYPE_CHECKING:  # types only: ingest runs the war room it is handed, and imports neither it nor the integration
    from .runtime import WarRoom

CLASSIFIERS_DIR = PLAYBOOKS_DIR / 'classifiers'
INCIDENT_FIELDS_DIR = PLAYBOOKS_DIR / 'incident_fields'
DEPENDENCIES_FILE = PROJECT_ROOT / 'test_data' / 'xsoar' / 'dependencies.json'
# Incident keys a mapper may set by their own name (XSOAR's system fields), not through CustomFields.
SYSTEM_FIELDS = frozenset({'name', 'details', 'severity', 'occurred', 'owner', 'dbotMirrorId'})
# The field types that hold a list. The admin guide (Create a Mapper): "When mapping a list, we recommend you map to a
# multi select field. Short text fields do not support lists."
LIST_FIELD_TYPES = frozenset({'multiSelect', 'tagsSelect', 'grid'})
NEW_INCIDENT_STATUS = 1  # "Active": XSOAR starts the investigation when the incident is created


class IngestError(ValueError):
    """Content the war room cannot apply as XSOAR would (an unknown field, a mapper for another type)."""


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding='utf-8'))


def _context_flags(value: Any) -> Any:
    """Mappers write ``isContext``; the playbook value reader knows ``iscontext`` (the same meaning)."""
    if isinstance(value, dict):
        return {('iscontext' if key == 'isContext' else key): _context_flags(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_context_flags(item) for item in value]
    return value


def _read_value(spec: dict | None, raw: dict) -> Any:
    """A mapper or classifier value (``{"complex": {...} or null, "simple": "path"}``) read from the raw event."""
    spec = _context_flags(spec or {})
    if spec.get('complex') is None:
        path = spec.get('simple') or ''
        return resolve({'simple': path}, Scope({}, {}, raw), is_context=True) if path else None
    return resolve({'complex': spec['complex']}, Scope({}, {}, raw))


@dataclass
class PackContent:
    classifier: dict
    mapper: dict
    field_cli_names: dict[str, str]  # display name -> cliName, for the pack's fields and its dependencies'
    field_types: dict[str, str] = field(default_factory=dict)  # display name -> type, where defined

    @classmethod
    def load(cls) -> 'PackContent':
        classifiers = [_read_json(path) for path in sorted(CLASSIFIERS_DIR.glob('*.json'))]
        by_type = {item['type']: item for item in classifiers}
        names, field_types = {}, {}
        for path in sorted(INCIDENT_FIELDS_DIR.glob('*.json')):
            definition = _read_json(path)
            names[definition['name']], field_types[definition['name']] = definition['cliName'], definition['type']
        for pack in _read_json(DEPENDENCIES_FILE)['packs'].values():
            for cli_name, definition in (pack.get('incident_fields') or {}).items():
                names[definition['name']] = cli_name
                if definition.get('type'):
                    field_types[definition['name']] = definition['type']
        return cls(by_type['classification'], by_type['mapping-incoming'], names, field_types)

    def classify(self, raw: dict, configured_type: str = '') -> str:
        """The classifier's type (its key looked up in keyTypeMap, else its default type); the instance's incident type
        only for an event the classifier leaves unclassified: classifying "overrides whatever you configured in the
        integration settings" (content-docs docs/incidents/incident-classification-mapping.md)."""
        key = _read_value(self.classifier.get('transformer'), raw)
        key_map = self.classifier.get('keyTypeMap') or {}
        if isinstance(key, str) and key in key_map:
            return key_map[key]
        return self.classifier.get('defaultIncidentType') or configured_type or 'Unclassified'

    def map_fields(self, raw: dict, incident_type: str) -> tuple[dict, dict]:
        """(system fields, CustomFields by cliName) the incoming mapper sets for this incident type."""
        mapping = (self.mapper.get('mapping') or {}).get(incident_type)
        if mapping is None:
            return {}, {}
        system, custom = {}, {}
        for field_name, spec in (mapping.get('internalMapping') or {}).items():
            value = _read_value(spec, raw)
            if is_empty(value):
                continue
            if field_name in SYSTEM_FIELDS:
                system[field_name] = value
            elif field_name in self.field_cli_names:
                self._check_list_fits(field_name, value)
                custom[self.field_cli_names[field_name]] = value
            else:
                raise IngestError(f'the mapper {quoted(self.mapper["name"])} maps {quoted(field_name)}, which is '
                                  f'neither a field of the pack nor of a pack it depends on')
        return system, custom

    def _check_list_fits(self, field_name: str, value: Any) -> None:
        """A list goes only into a field that holds lists, even a list of one."""
        kind = self.field_types.get(field_name)
        if isinstance(value, list) and kind not in LIST_FIELD_TYPES:
            raise IngestError(f'the mapper {quoted(self.mapper["name"])} maps a list of {len(value)} '
                              f'{plural("value", len(value))} into {quoted(field_name)}, a {kind or "single-value"} '
                              f'field: XSOAR\'s short text fields do not support lists (map it to a multi select '
                              f'field, or take one value)')


def create_incident(fetched: dict, content: PackContent, incident_id: str, configured_type: str = '') -> dict:
    """The incident XSOAR creates from one fetched incident: typed, mapped, active."""
    raw = json.loads(fetched['rawJSON']) if fetched.get('rawJSON') else {}
    incident_type = content.classify(raw, configured_type)
    system, custom = content.map_fields(raw, incident_type)
    incident = {'id': incident_id, 'name': fetched['name'], 'type': incident_type,
                'severity': fetched.get('severity', 0), 'occurred': fetched.get('occurred', ''),
                'details': fetched.get('details', ''), 'status': NEW_INCIDENT_STATUS}
    if fetched.get('dbotMirrorId'):  # set by the integration, not the mapper: XSOAR keeps it on the incident
        incident['dbotMirrorId'] = fetched['dbotMirrorId']
    incident.update(system)
    incident['rawJSON'] = fetched.get('rawJSON', '')
    incident['CustomFields'] = custom
    return incident


STATE_FILE = '.fetch-state.json'  # in the output directory: the last run and the next incident ID
FIRST_INCIDENT_ID = 3001


def fetch_to_files(war_room: WarRoom, out_dir: Path, content: PackContent | None = None) -> list[Path]:
    """One fetch-incidents run, as XSOAR's scheduler makes it: the last run kept in ``out_dir``, each incident
    created (classified, mapped) and written as an incident file that ``warroom close`` takes."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state_path = out_dir / STATE_FILE
    state = json.loads(state_path.read_text(encoding='utf-8')) if state_path.exists() else {}
    content = content or PackContent.load()
    fetched, last_run = war_room.fetch(dict(state.get('last_run') or {}))
    next_id = int(state.get('next_incident_id') or FIRST_INCIDENT_ID)
    configured_type = str(war_room.params.get('incidentType') or '')
    written = []
    for item in fetched:
        incident = create_incident(item, content, str(next_id), configured_type)
        path = out_dir / f'incident-{next_id}.json'
        # 'x': a new file only, never through a link nor over a file already there (O_EXCL refuses both).
        with open(path, 'x', encoding='utf-8') as handle:
            handle.write(json.dumps({'incident': incident, 'context': {}}, indent=2) + '\n')
        written.append(path)
        next_id += 1
    fresh_state = out_dir / f'{STATE_FILE}.{os.getpid()}.tmp'
    with open(fresh_state, 'x', encoding='utf-8') as handle:
        handle.write(json.dumps({'last_run': last_run, 'next_incident_id': next_id}, indent=2) + '\n')
    os.replace(fresh_state, state_path)  # replaces a link there, never writes through it
    return written
