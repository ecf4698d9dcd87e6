"""XSOAR's debug mode, as CommonServerPython sets it up for a command run with ``debug-mode=true``.

What demisto/content's ``Packs/Base/Scripts/CommonServerPython/CommonServerPython.py`` does (``DebugLogger``,
``IntegrationLogger``, ``censor_request_logs``, ``add_sensitive_log_strs``), as far as the integration's requests go:

- ``http.client.HTTPConnection.debuglevel`` is 1, and http.client's ``print`` goes to a logger: every request's
  header block and body (``send: b'...'``, the bytes' repr), every reply's status line and headers (``reply:``,
  ``header:``) reach the server log through ``demisto.info``, from whichever thread sent the request (a call XSOAR
  serves unlocked from another thread unless the integration called ``demisto.enable_multithreading()``);
- each line is first masked of the strings the logger holds (MASK for each): the value of every param whose name holds
  one of ``SENSITIVE_PARAM_WORDS`` (in a credentials param, its password), and its base64, and a credentials param's
  ``identifier:password`` in base64; and whatever ``add_sensitive_log_strs`` was given. Each string is held as given,
  with ``\\r \\n \\t`` escaped and unescaped, JSON-escaped, and as ``quote_plus`` writes it;
- then a ``send:`` or ``header:`` line is split at blanks (and before each ``\\r\\n`` of the repr), and the word after
  any word holding one of ``CENSORED_WORDS`` (in any case) is masked, or the one after that when it is ``Bearer``,
  ``JWT`` or ``Basic``; the line is joined again with single blanks.

Left out, as the integration cannot change them: the lines CSP logs when debug mode starts (``os.environ``, which
holds a proxy URL with its password, and the params, masked) and the cURL commands it logs at the end (their
``--proxy`` is the environment's proxy URL, unmasked); Python logging at DEBUG, which tests turn on themselves.
``add_sensitive_log_strs`` is put in the integration's namespace for the run, as XSOAR runs the integration in one
namespace after CommonServerPython.
"""
from __future__ import annotations

import base64
import http.client
import json
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Iterator
from urllib.parse import quote_plus

MASK = '<XX_REPLACED>'
SENSITIVE_PARAM_WORDS = ('key', 'private', 'password', 'secret', 'token', 'credentials', 'service_account')
CENSORED_WORDS = ('authorization:', 'cookie', 'token', 'username', 'password', 'key', 'identifier', 'credential',
                  'client')
AUTH_SCHEMES = ('bearer', 'jwt', 'basic')
SEND_PREFIX = "send: b'"
REPR_LINE_BREAK = '\\r\\n'  # a line break as the bytes' repr shows it
REGISTRAR = 'add_sensitive_log_strs'


class DebugLog:
    """The logger CSP's debug mode sends http.client's output to, writing each line with demisto.info from the thread
    that sent the request (``Demisto.csp_info``: refused from a worker before demisto.enable_multithreading())."""

    def __init__(self, params: dict, demisto: Any) -> None:
        self._demisto = demisto
        self.strings: list[str] = []
        self._learn_params(params)

    def _learn_params(self, params: dict) -> None:
        for name, value in params.items():
            if isinstance(value, dict):
                self._learn_params(value)
                if value.get('identifier') and value.get('password'):
                    self.add(_b64(f"{value['identifier']}:{value['password']}"))
            elif isinstance(value, str) and any(word in name.lower() for word in SENSITIVE_PARAM_WORDS):
                self.add(value, _b64(value))

    def add(self, *texts: str) -> None:
        """As add_sensitive_log_strs: each text (masked of those held first), in the forms CSP holds it in."""
        for text in texts:
            if text:
                text = self.masked(text)
                escaped = text.replace('\r', '\\r').replace('\n', '\\n').replace('\t', '\\t')
                unescaped = text.replace('\\r', '\r').replace('\\n', '\n').replace('\\t', '\t')
                self.strings += [escaped, unescaped, json.dumps(text)[1:-1], quote_plus(text)]

    def masked(self, text: str) -> str:
        for string in list(self.strings):
            text = text.replace(string, MASK)
        return text

    def print(self, *values: Any, sep: str = ' ', **_: Any) -> None:
        """http.client's print: one line of its debug output."""
        line = self.masked(sep.join(str(value) for value in values))
        if line.startswith(('send:', 'header:')):
            line = censored(line)
        self._demisto.csp_info(line)


def censored(line: str) -> str:
    """The line with the word after each keyword word masked (after Bearer, JWT or Basic, the word after those)."""
    sent = line.startswith(SEND_PREFIX)
    words = (line[len(SEND_PREFIX):] if sent else line).replace(REPR_LINE_BREAK, ' ' + REPR_LINE_BREAK).split()
    for at in range(len(words) - 1):  # a word masked is read as masked when its turn comes, as CSP reads them
        if any(keyword in words[at].lower() for keyword in CENSORED_WORDS):
            if words[at + 1].lower() in AUTH_SCHEMES and at + 2 < len(words):
                words[at + 2] = MASK
            else:
                words[at + 1] = f'"{MASK}"}}\'' if words[at + 1].endswith("}'") else MASK
    joined = ' '.join(words).replace(' ' + REPR_LINE_BREAK, REPR_LINE_BREAK)
    return SEND_PREFIX + joined if sent else joined


def _b64(text: str) -> str:
    return base64.b64encode(text.encode('utf-8', 'ignore')).decode()


@contextmanager
def xsoar_debug_mode(params: dict, demisto: Any, integration: ModuleType) -> Iterator[DebugLog]:
    """For one run: http.client prints to a DebugLog of ``params`` logging through ``demisto``, and ``integration``
    sees ``add_sensitive_log_strs``; all undone after."""
    debug_log = DebugLog(params, demisto)
    saved_level = http.client.HTTPConnection.debuglevel
    http.client.HTTPConnection.debuglevel = 1
    http.client.print = debug_log.print  # http.client looks print up in its own module first
    vars(integration)[REGISTRAR] = debug_log.add
    try:
        yield debug_log
    finally:
        vars(integration).pop(REGISTRAR, None)
        del http.client.print
        http.client.HTTPConnection.debuglevel = saved_level
