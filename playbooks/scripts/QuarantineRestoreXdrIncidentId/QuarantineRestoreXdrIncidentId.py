"""QuarantineRestoreXdrIncidentId: the Cortex XDR incident an XSOAR incident stands for, by the rule the on-close
script (QuarantineRestoreOnClose) follows, so that the Cortex XDR playbook and a close restore under the same one.

The ID is the XDR Incident ID field's (CortexXDRIR's mapper fills it with the Cortex XDR incident_id), else, on an
incident whose type names Cortex XDR, the mirror ID (CortexXDRIR's mapper fills dbotMirrorId from the same
incident_id): the first of those values that a Cortex XDR incident can have. Writes it to
QuarantineRestore.XdrIncident.id (nothing when there is none). A field value no Cortex XDR incident has (text, 0) is
sent nowhere: the entry is then a note that names it and says to set the field to the incident's ID, unless
refusal_note is false (the False Positive playbook has written that note before its Cortex XDR playbook runs this).

Runs in XSOAR's stock python3 image (standard library only). The functions that read the ID are the on-close
script's, the same text (tests/test_contract.py): change one, change both.
"""
import json
import re
from typing import Any

''' CONSTANTS '''

# A Cortex XDR incident ID: Cortex XDR numbers incidents from 1, and restore-file takes an incident_id below 2**53
# only, as text too: its record keeps the ID in a Number, which XSOAR's context (a float64) holds exactly only below
# 2**53. Text of more than 18 digits restore-file refuses before that (so it is NO_SUCH_ID's); ASCII digits only
# (str.isdigit takes '²' too). Leading zeros name the same incident; the ID is written without them, as Cortex XDR and
# CortexXDRIR's records write it.
XDR_INCIDENT_ID = re.compile(r'0*([1-9][0-9]{0,17})')
FLOAT_EXACT_BELOW = 2 ** 53
NO_SUCH_ID = 'which no Cortex XDR incident has (its IDs are whole numbers from 1, of at most 18 digits)'
ROUNDED_ID = 'a JSON number from 2^53 on, which XSOAR hands on as a float64: it may not be the ID written'
TOO_LARGE_ID = ("a number from 2^53 on, which restore-file refuses: XSOAR's context keeps a Number "
                '(CortexXDR.RestoredFile.incident_id) exactly only below 2^53')
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
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) not in (str, int) or maybe_rounded(value) or too_large_to_keep(value):  # type(): a bool is no number
        return ''
    found = XDR_INCIDENT_ID.fullmatch(str(value).strip())
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


def refused_incident_id(fields: dict[str, Any]) -> list[str]:
    """The note's line on the XDR Incident ID field's values no Cortex XDR incident has, restore-file refuses, or may
    not be the one written, if any, each quoted as received: JSON (the mirror ID is not judged: on an incident of
    another type it is another system's, and not read)."""
    given = present(fields.get('xdrincidentid'))
    refused = [value for value in given if not incident_number(value)]
    source = "the field's other value" if len(refused) < len(given) else 'the mirror ID'  # the field is read first
    used = f'; {source}, {xdr_incident_id(fields)}, was' if xdr_incident_id(fields) else ''
    were = 'it was' if len(refused) == 1 else 'they were'
    by_reason = {NO_SUCH_ID: [], TOO_LARGE_ID: [], ROUNDED_ID: []}
    for value in refused:
        by_reason[refusal_reason(value)].append(json.dumps(value))
    held = '; and '.join(f'{shown_as_is(", ".join(texts))}, {reason}' for reason, texts in by_reason.items() if texts)
    return [f'Cortex XDR: the XDR Incident ID field holds {held}, so {were} not used{used}. Set the field to the '
            'incident\'s ID as Cortex XDR shows it.'] if refused else []


def refusal_reason(value: Any) -> str:
    """Why a value incident_number refused is not used, in the note's words."""
    if maybe_rounded(value):
        return ROUNDED_ID
    return TOO_LARGE_ID if too_large_to_keep(value) else NO_SUCH_ID


def maybe_rounded(value: Any) -> bool:
    """Whether ``value`` is a JSON number XSOAR's float64 may have rounded: restore-file refuses it too."""
    return isinstance(value, (int, float)) and value >= FLOAT_EXACT_BELOW  # a negative one is no ID either way


def too_large_to_keep(value: Any) -> bool:
    """Whether ``value`` is an ID's text from 2**53 on, which restore-file refuses (see TOO_LARGE_ID)."""
    found = XDR_INCIDENT_ID.fullmatch(value.strip()) if isinstance(value, str) else None
    return found is not None and int(found.group(1)) >= FLOAT_EXACT_BELOW


def text_of(value: Any) -> str:
    """Any context value as one string: '' for nothing, JSON for objects and lists."""
    if value is None:
        return ''
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)  # XSOAR's values are JSON: text keys, no loops
    return str(value)


def shown_as_is(value: Any) -> str:
    """A context or vendor value (a reason, an error, a path, a host or vendor name) for markdown text outside a code
    span, escaped so that markdown shows it as it is, on one line: a backtick would open a code span that a command's
    own span then closes; * and an _ at either end of a word mark emphasis (.../__init__.py would show as .../init.py
    in bold; an _ inside a word is left); [ and ] make a link, < an autolink or HTML, & a character reference, ~
    strikethrough, | a table's next cell, the . of www. and the : of :// a bare link, whose text GFM shows as its
    source, escapes and all; a backslash before punctuation, or last, would escape it; a line break would end the
    bullet (a next line could start a heading or a list). Each of the pack's scripts holds this rule, the same, as
    XSOAR runs a script alone (DEVELOPERS.md), and the integration's markdown_text escapes the same characters."""
    text = re.sub(r'\r\n|\r|\n', ' ', text_of(value))

    def escaped(match: re.Match) -> str:
        char, at = match.group(), match.start()
        inside_word = 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum()
        return char if char == '_' and inside_word else '\\' + char

    return re.sub(r'[`*_\[\]<&~|]|(?<=www)\.|:(?=//)|\\(?=[!-/:-@\[-`{-~]|$)', escaped, text)


def xdr_incident_entry(incident: dict[str, Any] | None, refusal_note: bool = True) -> dict[str, Any]:
    """The entry that writes the incident's Cortex XDR incident ID to the context: a note when the XDR Incident ID
    field holds a value no Cortex XDR incident has, which is sent nowhere (refused_incident_id says what to fix),
    unless ``refusal_note`` is false: a calling playbook has written that note already."""
    fields = incident_fields(incident)
    number = xdr_incident_id(fields)
    refused = refused_incident_id(fields) if refusal_note else []
    said = f'Cortex XDR incident ID: {number}' if number else 'The incident names no Cortex XDR incident ID.'
    return {'Type': ENTRY_TYPE_NOTE, 'ContentsFormat': 'json', 'Contents': {'id': number or None},
            'HumanReadable': '\n'.join(refused) or said, 'ReadableContentsFormat': 'markdown', 'Note': bool(refused),
            'EntryContext': {CONTEXT_KEY: {'id': number or None}}}


''' MAIN '''


def main(demisto_obj: Any = None) -> None:
    """Entry point: XSOAR runs it with its global ``demisto``; tests and the war room pass their own."""
    runtime = demisto_obj if demisto_obj is not None else globals()['demisto']
    refusal_note = str((runtime.args() or {}).get('refusal_note')).strip().lower() != 'false'  # a boolean false too
    runtime.results(xdr_incident_entry(runtime.incident(), refusal_note))


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
