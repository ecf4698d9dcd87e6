"""The version XSOAR keeps of an instance's integration context, and its check of a versioned write.

What demisto/content states of it (XSOAR 6.0+):

- ``Packs/ApiModules/Scripts/DemistoClassApiModule/DemistoClassApiModuleClasses.py``, the ``demisto`` XSOAR runs an
  integration with: ``getIntegrationContextVersioned(refresh=False)`` hands back the server's reply to
  ``getIntegrationContext`` as is (CommonServerPython's ``get_integration_context`` reads its ``context`` and
  ``version``), and ``setIntegrationContextVersioned(value, version, sync=False)``, its ``version`` with no default,
  sends that version back to the server. The unversioned ``setIntegrationContext`` sends as its version
  ``{"version": -1, "sequenceNumber": -1, "primaryTerm": -1}``: the server's version is that object, so the war room
  hands it out in that form (``handed_out``; the numbers in it are the war room's own), and an integration can only
  pass it back, never count with it.
- ``Tests/demistomock/demistomock.py``: "If the version is older than the current, an error will be thrown", -1 its
  default, "no version"; CommonServerPython's ``get_integration_context_with_version`` writes -1 too. The channel
  raises a refusal of the server as ``ValueError`` (``__do``), which CommonServerPython's
  ``set_to_integration_context_with_retries`` catches to read again and retry. The server's words are not
  published: the refusal's text is the war room's.
"""
from __future__ import annotations

import json
import weakref
from typing import Any

# The version an unversioned write sends (XSOAR's setIntegrationContext, DemistoClassApiModuleClasses.py)
NO_CONTEXT_VERSION = {'version': -1, 'sequenceNumber': -1, 'primaryTerm': -1}
# -1 as it stands is demistomock's default and what CommonServerPython writes when it has no version
UNVERSIONED = (-1, NO_CONTEXT_VERSION)


class ContextVersion:
    """The version of an integration context, moved on at each write: XSOAR keeps one per instance, the war room one
    per context object, whichever runs share it. Each run that holds the context holds its version (``of``), so both
    live as long as some run does: a context id is its own while that run holds the context."""

    _held: 'weakref.WeakValueDictionary[int, ContextVersion]' = weakref.WeakValueDictionary()

    def __init__(self) -> None:
        self.writes = 0

    @classmethod
    def of(cls, context: dict) -> 'ContextVersion':
        return cls._held.setdefault(id(context), cls())

    def handed_out(self) -> dict[str, int]:
        """The version as a versioned read gives it: XSOAR's object, a new one for each read."""
        return {'version': self.writes, 'sequenceNumber': self.writes, 'primaryTerm': 1}

    def check_write(self, given: Any) -> None:
        """Raises ValueError, as XSOAR's channel raises the server's refusal, unless ``given`` (a JSON copy of what
        the integration sent) is the version stored, or no version: another write moved it since ``given`` was read,
        or it is no version a read handed out (a number counted from it, a part of it)."""
        if given not in UNVERSIONED and given != self.handed_out():
            raise ValueError(f'The integration context was not saved: version {json.dumps(given)} is not the one '
                             f'stored ({json.dumps(self.handed_out())}); it was written since, or it is no version '
                             f'a read gave. Read it again and apply the change to it.')

    def moved(self) -> None:
        self.writes += 1
