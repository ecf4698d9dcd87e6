"""QuarantineRestoreXdrIncidentId: the Cortex XDR incident an XSOAR incident stands for, by the rule the on-close
script (QuarantineRestoreOnClose) follows, so that the Cortex XDR playbook and a close restore under the same one.

The ID is the XDR Incident ID field's (CortexXDRIR's mapper fills it with the Cortex XDR incident_id), else, on an
incident whose type names Cortex XDR, the mirror ID (CortexXDRIR's mapper fills dbotMirrorId from the same
incident_id): the first of those values that a Cortex XDR incident can have. Writes it to
QuarantineRestore.XdrIncident.id (nothing when there is none).

Runs in XSOAR's stock python3 image (standard library only). The functions that read the ID are the on-close
script's, the same text (tests/test_contract.py): change one, change both.
"""
import re
from typing import Any

''' CONSTANTS '''

# A Cortex XDR incident ID: Cortex XDR numbers incidents from 1, and restore-file takes an incident_id of at most 18
# digits (ASCII: str.isdigit takes '²' too). Leading zeros name the same incident; the ID is written without them, as
# Cortex XDR and CortexXDRIR's records write it. A JSON number as a float is exact only below 2**53.
XDR_INCIDENT_ID = re.compile(r'0*([1-9][0-9]{0,17})')
FLOAT_EXACT_BELOW = 2 ** 53
# The mirror ID (dbotMirrorId) is a Cortex XDR incident ID only on an incident whose type names Cortex XDR: another
# type's is another system's (HSS's event_id, as this pack's fetch sets it, or a QRadar or Jira number).
XDR_TYPE_MARK = 'Cortex XDR'
CONTEXT_KEY = 'QuarantineRestore.XdrIncident(true)'
ENTRY_TYPE_NOTE = 1


''' HELPERS '''


def as_list(value: Any) -> list[Any]:
    if value is None or value == '':
        return []
    return value if isinstance(value, list) else [value]


def is_blank(value: Any) -> bool:
    """Nothing, text of blanks only, or a list or object of such values: XSOAR keeps a field an analyst or a mapper
    emptied as empty text or a list holding it (a grid, as a row of empty cells)."""
    if isinstance(value, (list, dict)):
        return all(is_blank(item) for item in (value.values() if isinstance(value, dict) else value))
    return value is None or isinstance(value, str) and not value.strip()


def present(value: Any) -> list[Any]:
    """A field's values with its blank items left out: a blank is no value, never sent to a vendor."""
    return [item for item in as_list(value) if not is_blank(item)]


def incident_fields(incident: dict[str, Any] | None) -> dict[str, Any]:
    """The incident's fields, custom ones lifted to the top as XSOAR shows them to scripts."""
    fields = {key: value for key, value in (incident or {}).items() if key != 'CustomFields'}
    fields.update((incident or {}).get('CustomFields') or {})
    return fields


def incident_number(value: Any) -> str:
    """The Cortex XDR incident ID ``value`` names (text or a JSON number), as Cortex XDR writes it; '' for a value no
    incident has (see XDR_INCIDENT_ID)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < FLOAT_EXACT_BELOW:
        value = int(value)
    found = XDR_INCIDENT_ID.fullmatch(value.strip() if isinstance(value, str) else str(value)) \
        if type(value) in (str, int) else None  # type(): a bool is no number
    return found.group(1) if found else ''


def of_xdr_type(fields: dict[str, Any]) -> bool:
    """Whether the incident's type names Cortex XDR (see XDR_TYPE_MARK)."""
    return XDR_TYPE_MARK in str(fields.get('type') or '')


def xdr_incident_id(fields: dict[str, Any]) -> str:
    """The Cortex XDR incident's ID: the XDR Incident ID field's, else, on an incident of a Cortex XDR type, the mirror
    ID (see XDR_TYPE_MARK); blank items are no value (a list holding one beside the ID, as the playbook's RemoveEmpty
    reads it before it takes one)."""
    mirrored = present(fields.get('dbotMirrorId')) if of_xdr_type(fields) else []
    for value in present(fields.get('xdrincidentid')) + mirrored:
        if number := incident_number(value):
            return number
    return ''


def xdr_incident_entry(incident: dict[str, Any] | None) -> dict[str, Any]:
    """The entry that writes the incident's Cortex XDR incident ID to the context."""
    number = xdr_incident_id(incident_fields(incident))
    said = f'Cortex XDR incident ID: {number}' if number else 'The incident names no Cortex XDR incident ID.'
    return {'Type': ENTRY_TYPE_NOTE, 'ContentsFormat': 'json', 'Contents': {'id': number or None},
            'HumanReadable': said, 'ReadableContentsFormat': 'markdown',
            'EntryContext': {CONTEXT_KEY: {'id': number or None}}}


''' MAIN '''


def main(demisto_obj: Any = None) -> None:
    """Entry point: XSOAR runs it with its global ``demisto``; tests and the war room pass their own."""
    runtime = demisto_obj if demisto_obj is not None else globals()['demisto']
    runtime.results(xdr_incident_entry(runtime.incident()))


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
