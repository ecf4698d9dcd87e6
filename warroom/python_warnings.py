"""Python's warnings during a run, as CommonServerPython routes them.

XSOAR runs the integration in the process and namespace CommonServerPython ran in first, and CSP (demisto/content's
``Packs/Base/Scripts/CommonServerPython/CommonServerPython.py``, ``WarningsHandler``) replaces ``warnings.showwarning``
for that whole process with a handler that calls ``demisto.info("python warning: " + warnings.formatwarning(...))``
from whichever thread shows the warning, swallowing any exception it meets. Right after, it calls urllib3's
``disable_warnings()``, so no urllib3 warning (``InsecureRequestWarning`` among them) is shown at all. CSP "will be
appended to each server script before being executed" (its docstring), so an automation script's warnings go the same
way: the playbook runner routes a pack script's through ``ScriptDemisto.csp_info``.

The war room's vendor emulators run in the same process (``LoopbackServer``'s threads), where in XSOAR the vendor is
not in the process at all: CSP's handler never sees a warning of theirs. So a warning shown on an emulator's thread
(``on_an_emulator_thread``) goes to the ``showwarning`` in place before the run (pytest's capture in tests), neither
failing the run as a call from another thread nor landing in its log. Any other thread's warning is routed as CSP
routes it: an integration worker's is refused before enable_multithreading, as XSOAR's unlocked channel would mix it.

Left out: its ``logging.raiseExceptions = False``, which only silences the traceback the logging module prints for a
handler's error: the war room keeps showing it.
"""
from __future__ import annotations

import functools
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import urllib3

from .emulator.httpserver import on_an_emulator_thread

WARNING_PREFIX = 'python warning: '


@contextmanager
def warnings_to(demisto: Any) -> Iterator[None]:
    """For one run: each warning shown is logged through ``demisto.csp_info`` (CSP's own demisto.info, held to the
    thread rule as XSOAR's channel is), urllib3's warnings silenced; ``showwarning`` and the filters put back after, as
    tests run many runs in one process and pytest captures warnings outside them. An emulator's warning goes to the
    ``showwarning`` in place before, as if shown outside the run."""
    shown_before = warnings.showwarning
    with warnings.catch_warnings():
        warnings.showwarning = functools.partial(_show, demisto, shown_before)
        urllib3.disable_warnings()
        yield


def _show(demisto: Any, shown_before: Callable[..., None], message: Warning | str, category: type[Warning],
          filename: str, lineno: int, file: Any = None, line: str | None = None) -> None:
    """CSP's ``WarningsHandler.handle_warning``. A refusal it swallows is kept all the same (``keeping_misuses``)."""
    if on_an_emulator_thread():
        shown_before(message, category, filename, lineno, file, line)
        return
    try:
        demisto.csp_info(WARNING_PREFIX + warnings.formatwarning(message, category, filename, lineno, line))
    except Exception:  # CSP's handler ignores a warning it cannot log
        pass
