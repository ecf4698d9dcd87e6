"""A pack script, loaded as the playbook runner loads the pack's, that writes a context path its YAML's outputs do not
declare (Misbehaving.Close.notes) beside the one they do."""
from typing import Any


def main(demisto: Any) -> None:
    """Writes the close's reason, declared, and its notes, not declared."""
    args = demisto.args()
    record = {'reason': args.get('closeReason', ''), 'notes': args.get('closeNotes', '')}
    demisto.results({'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done',
                     'EntryContext': {'Misbehaving.Close': record}})
