"""A pack script, loaded as the playbook runner loads the pack's, whose YAML sets a timeout of its own."""
from typing import Any


def main(demisto: Any) -> None:
    """Writes a note, as a post-processing script may."""
    demisto.results({'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done'})
