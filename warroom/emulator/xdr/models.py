"""State of an emulated Cortex XDR tenant: API keys, endpoints, quarantined files, response actions.

No HTTP here: every operation is a method that returns a dict or raises ``XdrError``, so the
behaviour can be driven directly from tests as well as through ``responses.create_app``. Checking a
request's headers against the keys, throttling, the request log and injected faults are the gateway's
(``gateway.py``), which looks keys up here (``api_key``).
Time is injected (``clock`` for action progress and the gateway's rate window, ``wall_clock`` for the
gateway's advanced-key timestamp check) so tests can step through an action without sleeping.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .shapes import ReplyShapes
from .exceptions import ApiError, BadRequest

__all__ = ["XdrBackend", "ApiKey", "load_seed", "RUNNING_STATUSES", "FINAL_STATUSES", "AUTH_STANDARD",
           "AUTH_ADVANCED"]

# Action statuses as the Get Action Status API reports them. CANCELED, one L, beside the page's CANCELLED:
# demisto/content expects it from get_action_status (Packs/Core/Integrations/CortexCoreIR/CortexCoreIR.py,
# values_raise_error of core-terminate-process), so a seeded endpoint may end in it.
PENDING = "PENDING"
IN_PROGRESS = "IN_PROGRESS"
COMPLETED_SUCCESSFULLY = "COMPLETED_SUCCESSFULLY"
RUNNING_STATUSES = frozenset({PENDING, IN_PROGRESS, "PENDING_ABORT"})
FINAL_STATUSES = frozenset(
    {COMPLETED_SUCCESSFULLY, "COMPLETED_PARTIAL", "FAILED", "TIMEOUT", "CANCELLED", "CANCELED", "ABORTED", "EXPIRED"}
)
FAILURE_STATUSES = FINAL_STATUSES - {COMPLETED_SUCCESSFULLY}
UNLISTED = "unlisted"  # a stage, not a status: the action's status lists no endpoint yet
STAGED = object()  # an endpoint whose status reads list what its action's stage gives (no "reported_status" seeded)

AUTH_STANDARD = "standard"
AUTH_ADVANCED = "advanced"

FIRST_ACTION_ID = 1001  # real tenants never hand out small ids; a distinctive start also catches off-by-one

_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")
_ENDPOINT_ID_RE = re.compile(r"[0-9a-fA-F]{32}")
_DIGITS_RE = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class RestoreFailure:
    status: str
    error_description: str


@dataclass
class Endpoint:
    endpoint_id: str
    endpoint_name: str
    quarantined: dict[str, str] = field(default_factory=dict)  # file_hash -> file_path
    restored: dict[str, str] = field(default_factory=dict)
    restore_failure: RestoreFailure | None = None
    # Seeded "reported_status": what every status read lists for it instead (any JSON: a status Cortex XDR may add, or
    # null); seeded "listed": false: status reads leave it out of data, though its action includes it.
    reported_status: Any = STAGED
    listed: bool = True


@dataclass
class RestoreAction:
    action_id: int
    file_hash: str
    endpoint_ids: tuple[str, ...]
    incident_id: int | None
    created_at: float
    applied: bool = False  # whether final outcomes were written to the endpoints


@dataclass
class ApiKey:
    key_id: str
    key: str
    auth_type: str
    licensed: bool
    permitted: bool | frozenset  # every API, none, or the paths of those its role may use (its RBAC permissions)

    def permits(self, path: str) -> bool:
        return self.permitted if isinstance(self.permitted, bool) else path in self.permitted


# --------------------------------------------------------------------------- seed


def load_seed(seed: dict | str | Path) -> dict:
    """Read (if a path) and check a tenant seed; raises ValueError naming the bad entry."""
    if isinstance(seed, (str, Path)):
        seed = json.loads(Path(seed).read_text(encoding="utf-8"))
    if not isinstance(seed, dict) or not isinstance(seed.get("endpoints"), list):
        raise ValueError("seed must be an object with an 'endpoints' list")
    seen: set[str] = set()
    for index, entry in enumerate(seed["endpoints"]):
        where = f"endpoints[{index}]"
        endpoint_id = entry.get("endpoint_id", "")
        if not isinstance(endpoint_id, str) or not _ENDPOINT_ID_RE.fullmatch(endpoint_id):
            raise ValueError(f"{where}.endpoint_id must be 32 hex characters")
        if endpoint_id.lower() in seen:
            raise ValueError(f"{where}.endpoint_id {endpoint_id} is repeated")
        seen.add(endpoint_id.lower())
        for q_index, item in enumerate(entry.get("quarantined", [])):
            if not _SHA256_RE.fullmatch(str(item.get("file_hash", ""))):
                raise ValueError(f"{where}.quarantined[{q_index}].file_hash must be a SHA256")
        failure = entry.get("restore_failure")
        if failure is not None and failure.get("status") not in FAILURE_STATUSES:
            raise ValueError(f"{where}.restore_failure.status must be one of {sorted(FAILURE_STATUSES)}")
    return seed


def _endpoint_from_seed(entry: dict) -> Endpoint:
    failure = entry.get("restore_failure")
    return Endpoint(
        endpoint_id=entry["endpoint_id"].lower(),
        endpoint_name=entry.get("endpoint_name", ""),
        quarantined={q["file_hash"].lower(): q.get("file_path", "") for q in entry.get("quarantined", [])},
        restore_failure=RestoreFailure(failure["status"], failure.get("error_description", "")) if failure else None,
        reported_status=entry.get("reported_status", STAGED),
        listed=entry.get("listed") is not False,
    )


# --------------------------------------------------------------------------- helpers


def _parse_int(value: Any, field_name: str) -> int:
    """Accept an int or a string of digits (the API documents ids as strings but sends ints)."""
    if isinstance(value, bool):  # bool is an int subclass; True is not an id
        raise BadRequest(f"{field_name} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS_RE.fullmatch(value.strip()):
        try:
            return int(value.strip())
        except ValueError:  # more digits than Python's int() converts (4300): no id of the API's
            pass
    raise BadRequest(f"{field_name} must be an integer")


def _normalize_hash(file_hash: Any) -> str:
    if not isinstance(file_hash, str) or not _SHA256_RE.fullmatch(file_hash):
        raise BadRequest("file_hash must be a valid SHA256 (64 hexadecimal characters)")
    return file_hash.lower()


# --------------------------------------------------------------------------- backend


class XdrBackend:
    """One tenant. All public methods are thread-safe (the HTTP server is threaded)."""

    def __init__(
        self,
        stage_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        reply_shapes: ReplyShapes | None = None,
    ) -> None:
        self.stage_seconds = stage_seconds
        # How long a new action's status lists no endpoint (an empty data) before its stages start, as a real
        # tenant's may right after the restore is created; settable at any time.
        self.unlisted_seconds = 0.0
        # Whether a restore of a file no endpoint asked holds is accepted as an action including none (endpoints_count
        # 0, the API's "Number of endpoints included in the request") rather than refused "No quarantined file ...";
        # no public source says which a tenant does. Settable at any time.
        self.empty_restores = False
        self.clock = clock
        self.wall_clock = wall_clock
        self._true_wall_clock = wall_clock
        # How replies are worded: by default the seeded mix real tenants send, so every test meets every shape.
        self.shapes = reply_shapes or ReplyShapes(mixed=True)
        self.endpoints: dict[str, Endpoint] = {}
        self.actions: dict[int, RestoreAction] = {}
        self._api_keys: dict[str, ApiKey] = {}
        self._action_ids = itertools.count(FIRST_ACTION_ID)
        self._bulk_numbers = itertools.count(1)
        self._lock = threading.RLock()

    def set_clock_skew(self, seconds: float) -> None:
        """From now on the tenant's wall clock runs ``seconds`` ahead of the one it was given (negative: behind)."""
        true_wall_clock = self._true_wall_clock
        with self._lock:
            self.wall_clock = (lambda: true_wall_clock() + seconds) if seconds else true_wall_clock

    @classmethod
    def from_seed(cls, seed: dict | str | Path, **kwargs: Any) -> "XdrBackend":
        backend = cls(**kwargs)
        for entry in load_seed(seed)["endpoints"]:
            endpoint = _endpoint_from_seed(entry)
            backend.endpoints[endpoint.endpoint_id] = endpoint
        return backend

    # ----------------------------------------------------------------- API keys

    def add_api_key(
        self, key_id: str, key: str, auth_type: str = AUTH_STANDARD, licensed: bool = True,
        permitted: bool | list[str] = True,
    ) -> None:
        """``permitted``: the role may use every API, none, or those of the paths listed (a role may read the Action
        Center's actions without the Quarantine permission a restore needs)."""
        if auth_type not in (AUTH_STANDARD, AUTH_ADVANCED):
            raise ValueError(f"auth_type must be {AUTH_STANDARD!r} or {AUTH_ADVANCED!r}")
        with self._lock:
            self._api_keys[str(key_id)] = ApiKey(str(key_id), key, auth_type, licensed,
                                                 permitted if isinstance(permitted, bool) else frozenset(permitted))

    def api_key(self, key_id: str) -> ApiKey | None:
        with self._lock:
            return self._api_keys.get(key_id)

    # ----------------------------------------------------------------- restore

    def restore_file(self, file_hash: str, endpoint_id: str | None = None,
                     incident_id: int | str | None = None) -> dict:
        file_hash = _normalize_hash(file_hash)
        if incident_id is not None:
            incident_id = _parse_int(incident_id, "incident_id")
        if endpoint_id is not None and (not isinstance(endpoint_id, str) or not endpoint_id.strip()):
            raise BadRequest("endpoint_id must be a non-empty string")
        with self._lock:
            self._apply_finished_actions()
            targets = self._endpoints_holding(file_hash, endpoint_id)
            action = RestoreAction(
                action_id=next(self._action_ids),
                file_hash=file_hash,
                endpoint_ids=tuple(targets),
                incident_id=incident_id,
                created_at=self.clock(),
            )
            self.actions[action.action_id] = action
            self._apply_finished_actions()  # stage_seconds=0: the outcome is visible at once
        return self.shapes.restore_reply(action.action_id, len(targets))

    def _endpoints_holding(self, file_hash: str, endpoint_id: str | None) -> list[str]:
        if endpoint_id is None:
            targets = [eid for eid, ep in self.endpoints.items() if file_hash in ep.quarantined]
            if not targets and not self.empty_restores:
                raise ApiError(f"No quarantined file with hash {file_hash} was found on any endpoint")
            return targets
        endpoint = self.endpoints.get(endpoint_id.strip().lower())
        if endpoint is None:  # a tenant words it so (ebarti/cortex-xdr-client issue #30): the reason in err_msg
            raise ApiError(f"Unknown endpoint_id {endpoint_id}",
                           f"{ApiError.default_msg} - No endpoint was found for creating the requested action")
        if file_hash not in endpoint.quarantined:
            if self.empty_restores:
                return []
            raise ApiError(f"No quarantined file with hash {file_hash} was found on endpoint {endpoint.endpoint_id}")
        return [endpoint.endpoint_id]

    # ----------------------------------------------------------------- action status

    def get_action_status(self, group_action_id: Any) -> dict:
        # "Get Action Status" documents group_action_id as an Integer (unlike the restore's incident_id, a String
        # its own example sends as a number): text is refused, though a restore reply may give the ID as text.
        if not isinstance(group_action_id, int) or isinstance(group_action_id, bool):
            raise BadRequest("group_action_id must be an integer")
        action_id = group_action_id
        with self._lock:
            self._apply_finished_actions()
            action = self.actions.get(action_id)
            if action is None:
                raise ApiError(f"Action ID {action_id} was not found")
            status = self._stage_status(action)
            data: dict[str, Any] = {}
            error_reasons: dict[str, dict] = {}
            listed = [e for e in action.endpoint_ids if self.endpoints[e].listed] if status != UNLISTED else []
            for endpoint_id in listed:
                failure = self.endpoints[endpoint_id].restore_failure
                reported = self.endpoints[endpoint_id].reported_status
                if reported is not STAGED:
                    data[endpoint_id] = reported
                elif status != "final":
                    data[endpoint_id] = status
                elif failure is None:
                    data[endpoint_id] = COMPLETED_SUCCESSFULLY
                else:
                    data[endpoint_id] = failure.status
                    error_reasons[endpoint_id] = self.shapes.failure_reason(failure.error_description)
        reply: dict[str, Any] = {"data": data}
        if error_reasons:
            reply["errorReasons"] = error_reasons
        return reply

    def _stage_status(self, action: RestoreAction) -> str:
        """UNLISTED, PENDING, IN_PROGRESS, or "final" (per-endpoint outcome decided by the caller)."""
        elapsed = self.clock() - action.created_at - self.unlisted_seconds
        if elapsed < 0:
            return UNLISTED
        if elapsed < self.stage_seconds:
            return PENDING
        if elapsed < 2 * self.stage_seconds:
            return IN_PROGRESS
        return "final"

    def _apply_finished_actions(self) -> None:
        """Lazily write the outcome of every action that has reached its final stage."""
        for action in self.actions.values():
            if action.applied or self._stage_status(action) != "final":
                continue
            for endpoint_id in action.endpoint_ids:
                endpoint = self.endpoints[endpoint_id]
                if endpoint.restore_failure is None and action.file_hash in endpoint.quarantined:
                    endpoint.restored[action.file_hash] = endpoint.quarantined.pop(action.file_hash)
            action.applied = True

    def quarantine_files(self, count: int, endpoint_ids: list[str] | None = None, salt: str = "bulk") -> list[str]:
        """Quarantine ``count`` generated files, each on every endpoint given (default: all); returns their hashes."""
        with self._lock:
            targets = [self.endpoints[e.lower()] for e in (endpoint_ids or list(self.endpoints))]
            hashes = []
            for _ in range(count):
                file_hash = hashlib.sha256(f"{salt}-{next(self._bulk_numbers)}".encode()).hexdigest()
                for endpoint in targets:
                    endpoint.quarantined[file_hash] = f"C:\\ProgramData\\Quarantine\\{salt}\\{file_hash[:12]}.exe"
                hashes.append(file_hash)
            return hashes

    # ----------------------------------------------------------------- inspection (tests, demo)

    def quarantined(self, endpoint_id: str) -> set[str]:
        with self._lock:
            self._apply_finished_actions()
            return set(self.endpoints[endpoint_id.lower()].quarantined)

    def restored(self, endpoint_id: str) -> set[str]:
        with self._lock:
            self._apply_finished_actions()
            return set(self.endpoints[endpoint_id.lower()].restored)
