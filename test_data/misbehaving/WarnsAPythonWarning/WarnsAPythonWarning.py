"""A pack script, loaded as the playbook runner loads the pack's, that shows a Python warning on the thread running it
and logs a line of its own, then ends as XSOAR takes it."""
import warnings
from typing import Any

WARNING_TEXT = 'a Python warning the script shows'
LOG_LINE = 'the close was checked'


def main(demisto: Any) -> None:
    warnings.warn(WARNING_TEXT, UserWarning)
    demisto.info(LOG_LINE)
    demisto.results({'Type': 1, 'ContentsFormat': 'text', 'Contents': 'done'})
