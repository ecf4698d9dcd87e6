"""State of an emulated Huawei Cloud HSS project and of the IAM that issues its tokens. No HTTP here.

Hosts, isolated files, security events, and the account's IAM users, access keys and issued tokens. Every
operation is a method that returns plain data or raises ``HssError``, so the behaviour can be driven directly
from tests as well as through ``responses.create_app`` / ``create_iam_app``. Checking a request's credentials,
throttling, the request log and injected faults are the gateway's (``gateway.py``), which only looks up
what it needs here (``secret_key_of``, ``issued_token``, ``has_project``).
Time is injected: ``clock`` (monotonic) drives restore progress (and the gateway's rate window),
``wall_clock`` (epoch seconds) drives token expiry, update times and event windows (and the gateway's
``X-Sdk-Date`` freshness check), so tests never sleep.

Isolated files move ``isolated -> restoring -> restored``. The move is computed lazily from
``clock``: a file whose restore was accepted less than ``stage_seconds`` ago is ``restoring``,
afterwards ``restored`` (``stage_seconds=0``: ``restored`` at once).

A restore (PUT) naming a copy already ``restoring`` or ``restored`` is accepted again and changes nothing: the task
issued first is not restarted, nor its update_time moved. Huawei's page for the API (the seed) and its SDKs' models say
nothing of a second restore of one copy, so this is the emulator's choice: the PUT is idempotent, because a client
must be able to resend a PUT whose answer was lost after HSS acted (a gateway's 504, a read timeout) without the
resend being refused and the restore reported failed. A copy still ``isolating`` is refused (HSS.0011): nothing can be
restored before its isolation task is done.

Both listings serve ``limit`` rows a page unless the paging knobs say otherwise (``max_page_rows``,
``total_num_surplus``), as some HSS versions and gateways serve fewer rows than asked; ``empty_without_data_list``
has a listing of nothing leave ``data_list`` out.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import itertools
import json
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from .exceptions import (AgentNotInstalled, AgentOffline, AgentUnreachable, IamError, InvalidFileInformation,
                         InvalidParameter, IsolatedFileNotFound, ProjectForbidden, TooManyItems, shown)

__all__ = [
    "HssBackend",
    "load_seed",
    "IssuedToken",
    "LoginPolicy",
    "ISOLATED_FILE_PATH_RE",
    "EVENTS_PATH_RE",
    "ISOLATION_STATUSES",
    "FIELD_LIMITS",
    "ALL_ENTERPRISE_PROJECTS",
    "DEFAULT_ENTERPRISE_PROJECT",
]

ISOLATED = "isolated"
ISOLATING = "isolating"
RESTORING = "restoring"
RESTORED = "restored"
ISOLATION_STATUSES = (ISOLATED, RESTORED, ISOLATING, RESTORING)
# Where an isolation came from (huaweicloudsdkhss v5 IsolatedFileResponseInfo.isolate_source): a security alarm, or a
# virus scan, which raises no security event.
ISOLATE_SOURCES = ("event", "antivirus")
# A server's status in HSS's events (EventManagementResponseInfo.host_status): running, shut off, being created, failed.
# Only a running server's agent can be online.
HOST_STATUSES = ("ACTIVE", "SHUTOFF", "BUILDING", "ERROR")
# How important a server is to its owner, as its events give it (ListSecurityEventsRequest.asset_value: an important,
# a common or a test asset).
ASSET_VALUES = ("important", "common", "test")
# What HSS lists of a host or a file: host_name and event_name of 1 to 256 characters (IsolatedFileResponseInfo,
# EventManagementResponseInfo), times in 13-digit milliseconds (ListSecurityEventsRequest's begin_time and end_time).
LISTED_NAME_MAX = 256
MS_RANGE = range(10 ** 12, 10 ** 13)

# How a host's rows of the isolated-file listing give its host_id or file_path (Host.host_id_listed,
# Host.file_path_listed): as is, or not at all.
LISTED_FORMS = ("as is", "left out", "null", "empty")

ALL_ENTERPRISE_PROJECTS = "all_granted_eps"
DEFAULT_ENTERPRISE_PROJECT = "0"

# IsolatedFileRequestInfo field lengths, from the API page.
FIELD_LIMITS = {"host_id": 64, "file_hash": 256, "file_path": 256, "file_attr": 256}
REQUIRED_FIELDS = ("host_id", "file_hash")  # the page makes every field optional; a restore needs these two

# ListIsolatedFile's query ranges, from Huawei's page for the API (limit 10 to 1000, default 10; offset 0 to
# 2000000), the same as ListSecurityEvents's in the SDK's request model.
LIST_LIMIT_MIN, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT = 10, 1000, 10
LIST_OFFSET_MAX = 2_000_000
# The region header of each API here: 0 to 128 characters (ListSecurityEventsRequest in Huawei's Python SDK; the PHP
# SDK's ListIsolatedFileRequest and ChangeIsolatedFileRequest, huaweicloud-sdk-php-v3 Services/Hss/V5/Model).
REGION_MAX = 128
# The longest value of each text query parameter ListIsolatedFile takes (the same page: enterprise_project_id 0 to 64
# characters, host_name 1 to 64, private_ip 1 to 256; file_hash 1 to 512, the PHP SDK's ListIsolatedFileRequest), and
# of its region header. An empty value counts as not given, so no minimum is checked.
LIST_TEXT_MAX = {"enterprise_project_id": 64, "host_name": 64, "private_ip": 256, "file_hash": 512,
                 "region": REGION_MAX}
# ListIsolatedFile's filters the emulator checks but does not apply: which rows a time window keeps (by update_time,
# by when the file was isolated?) Huawei does not say. The PHP SDK's ListIsolatedFileRequest: last_days 1 to 30,
# public_ip at most 256 characters, asset_value 128; its docstrings and the Python SDK's: begin_time and end_time are
# ms, "end_time减去begin_time小于等于2天", and neither goes with last_days (互斥).
LIST_UNAPPLIED_FILTERS = ("last_days", "begin_time", "end_time", "public_ip", "asset_value")
LIST_UNAPPLIED_TEXT_MAX = {"public_ip": 256, "asset_value": 128}
LIST_LAST_DAYS_MAX = 30
LIST_WINDOW_MAX_MS = 2 * 86_400_000

# ListSecurityEvents (GET /v5/{project_id}/event/events), from the SDK's request model.
EVENT_CATEGORIES = ("host", "container")
EVENT_HANDLE_STATUSES = ("unhandled", "handled")
# EventManagementResponseInfo.handle_method ("only for handled alarms"); isolate_and_kill: the alarm was handled by
# isolating its file and killing its process (ChangeEvent's operate_type of the same name).
EVENT_HANDLE_METHODS = ("mark_as_handled", "ignore", "add_to_alarm_whitelist", "add_to_login_whitelist",
                        "isolate_and_kill")
# ChangeEvent's operate_types that undo a handling (unhandle: 取消手动处理, do_not_ignore: 取消忽略, ...): the alarm is
# unhandled again.
EVENT_UNDO_METHODS = ("unhandle", "do_not_ignore", "remove_from_alarm_whitelist", "remove_from_login_whitelist",
                      "do_not_isolate_or_kill")
EVENT_LIMIT_MIN, EVENT_LIMIT_MAX, EVENT_LIMIT_DEFAULT = 10, 1000, 10
EVENT_OFFSET_MAX = 2_000_000
# ListSecurityEventsRequest's text parameters (enterprise_project_id 1 to 256 characters, host_id 0 to 64,
# host_name 1 to 256) and its region header (0 to 128).
EVENT_TEXT_MAX = {"enterprise_project_id": 256, "host_id": 64, "host_name": 256, "region": REGION_MAX}
EVENT_LAST_DAYS_MAX = 30
EVENT_WINDOW_MAX_MS = 2 * 86_400_000  # end_time - begin_time may span two days at most
# event_name of an isolating event -> (event_type, event_class_id, severity), codes from the SDK's lists
# (ListSecurityEventsRequest's event_types and event_class_ids: 1012 and av_1012 are a hacker tool, 黑客工具). A name no
# class of theirs has ("Suspicious script", "Malicious program") is generic malware, 1001 通用恶意软件 / malware_1001.
EVENT_KINDS = {
    "Trojan": (1004, "av_1004", "High"),
    "Virus": (1002, "av_1002", "High"),
    "Worm": (1003, "av_1003", "High"),
    "Botnet": (1005, "av_1005", "High"),
    "Backdoor": (1006, "av_1006", "Critical"),
    "Rootkit": (1010, "av_1010", "Critical"),
    "Ransomware": (1011, "av_1011", "Critical"),
    "Hacker tool": (1012, "av_1012", "Medium"),
    "Webshell": (1015, "av_1015", "High"),
    "Mining": (1016, "av_1016", "Medium"),
    "Suspicious script": (1001, "malware_1001", "Medium"),
}
DEFAULT_EVENT_KIND = (1001, "malware_1001", "High")  # "Malicious program"
# Huawei's documents name no event time ListSecurityEvents' begin_time and end_time filter on: occur_time here (发生时间,
# the one time EventManagementResponseInfo gives of when the event occurred, as a user reads an alarm's time).
# Readings of ListSecurityEvents's begin_time and end_time other than Huawei's SDK's (13-digit milliseconds, both ends
# in): Open Telekom Cloud's HSS (the same service; gophertelekomcloud's event.ListOpts) calls them "accurate to
# seconds". Each maps (begin, end) in ms to the first and last occur_time listed: begin itself left out; both rounded
# to their second down, up, inward (begin up, end down) or outward; or compared by second (occur_time's second from
# begin's to end's).
_DOWN, _UP = (lambda ms: ms - ms % 1000), (lambda ms: ms + -ms % 1000)
EVENT_TIME_READINGS: dict[str, Callable[[int, int], tuple[int, int]]] = {
    "begin_excluded": lambda begin, end: (begin + 1, end),
    "seconds_down": lambda begin, end: (_DOWN(begin), _DOWN(end)),
    "seconds_up": lambda begin, end: (_UP(begin), _UP(end)),
    "seconds_inward": lambda begin, end: (_UP(begin), _DOWN(end)),
    "seconds_outward": lambda begin, end: (_DOWN(begin), _UP(end)),
    "by_second": lambda begin, end: (_DOWN(begin), _DOWN(end) + 999),
}
# Where an isolating event names the file: as an EventFileResponseInfo, or, a malware alarm on a running program, as
# the EventProcessResponseInfo of its process only (process_path, process_file_hash; file_info_list empty).
EVENT_FILE_LISTS = ("file_info_list", "process_info_list")
EVENT_ABSTRACT_MAX = 512  # EventManagementResponseInfo.event_abstract: 0 to 512 characters
EVENT_LEAD_MS = 4_000  # an event occurs a few seconds before HSS isolates its file

ISOLATED_FILE_PATH_RE = re.compile(r"/v5/(?P<project_id>[^/]+)/event/isolated-file")
EVENTS_PATH_RE = re.compile(r"/v5/(?P<project_id>[^/]+)/event/events")
_PROJECT_ID_RE = re.compile(r"[0-9a-f]{32}")
_SEED_UPDATE_TIME_MS = 1_763_800_000_000  # update_time of seed items that give none (Nov 2025)


@dataclass
class Host:
    host_id: str
    host_name: str
    os_type: str
    private_ip: str
    enterprise_project_id: str
    restore_stages: float = 1.0  # how long its agent takes to restore a file, in stage_seconds
    agent_online: bool = True  # an offline agent never picks the restore task up: the copy stays "restoring"
    restore_fails: bool = False  # the agent cannot put files back: the copy is "isolated" again after the delay
    # HSS's agent errors (its API Reference, "Error Codes"), each refusing a restore request whole: no agent on the
    # server (HSS.1001), or HSS cannot send the request to it (HSS.1006)
    agent_installed: bool = True
    agent_unreachable: bool = False
    host_status: str = "ACTIVE"  # HOST_STATUSES
    asset_value: str = "common"  # ASSET_VALUES
    # How the isolated-file listing gives its host_id and its files' file_path, each one of LISTED_FORMS: Huawei's
    # Python SDK makes every field of IsolatedFileResponseInfo optional, so a row may leave one out, or give it null
    # or empty. A restore still needs the ID (REQUIRED_FIELDS); one without a path restores the hash on that host.
    host_id_listed: str = "as is"
    file_path_listed: str = "as is"
    public_ip: str = ""  # its EIP, if it has one (IsolatedFileResponseInfo.public_ip)

    @property
    def agent_status(self) -> str:
        """Its agent as HSS's events name its state (huaweicloudsdkhss v5 EventManagementResponseInfo.agent_status):
        ``not_installed``, ``offline`` or ``online``."""
        if not self.agent_installed:
            return "not_installed"
        return "online" if self.agent_online else "offline"

    @property
    def protect_status(self) -> str:
        """Whether HSS protects it (EventManagementResponseInfo.protect_status): ``opened`` while it has an agent,
        online or not (an offline agent interrupts protection, which stays on), ``closed`` without one."""
        return "opened" if self.agent_installed else "closed"


@dataclass
class IsolatedFile:
    host_id: str
    file_hash: str
    file_path: str
    file_attr: str
    status: str  # isolated, isolating or restored; "restoring" is derived from restore_started
    update_time: int  # ms since the epoch
    isolate_source: str = "event"
    event_name: str = "Malicious program"
    restore_started: float | None = None  # clock() when a restore was accepted
    occur_time: int | None = None  # when the event that isolated it occurred (ms); None: a virus scan's, no event
    event_lists_file: str = "file_info_list"  # where its event names it (EVENT_FILE_LISTS)


@dataclass
class SecurityEvent:
    """A host security event that isolated one file (HSS's "isolate and kill" on a malware alarm)."""

    event_id: str
    file: IsolatedFile
    occur_time: int  # ms since the epoch
    handle_status: str = "unhandled"
    handle_method: str | None = None  # how it was handled (EVENT_HANDLE_METHODS), once handled
    handle_time: int | None = None  # when, in ms
    event_count: int = 1  # how many times it occurred: HSS lists repeats of an event as one, counted (repeat_event)


@dataclass
class User:
    domain: str
    name: str
    password: str
    project_ids: frozenset
    enterprise_projects: frozenset | None = None  # the only ones the user is allowed in (None: every one)


@dataclass
class LoginPolicy:
    """IAM's account lockout, named as ShowDomainLoginPolicy names it, at the defaults of Huawei's "Login
    Authentication Policy" page: ``login_failed_times`` failed logins within ``period_with_login_failures``
    minutes lock the user for ``lockout_duration`` minutes, and no one can unlock it meanwhile. IAM's token API
    counts a wrong password as a failed login, and answers a locked user 401 "The account is locked." (IAM FAQ,
    "Why Is My Account Locked?"), even with the right password."""

    login_failed_times: int = 5
    period_with_login_failures: int = 15
    lockout_duration: int = 15


@dataclass
class IssuedToken:
    domain: str
    user: str
    project_id: str
    expires_at: float  # epoch seconds
    forced_expired: bool = False
    enterprise_projects: frozenset | None = None  # its user's, as add_user gave them

    def has_expired(self, now: float) -> bool:
        """``now``: epoch seconds by the project's wall clock."""
        return self.forced_expired or now >= self.expires_at


# --------------------------------------------------------------------------- seed


def load_seed(seed: dict | str | Path) -> dict:
    """Read (if a path) and check a tenant seed; raises ValueError naming the bad entry."""
    if isinstance(seed, (str, Path)):
        seed = json.loads(Path(seed).read_text(encoding="utf-8"))
    if not isinstance(seed, dict):
        raise ValueError("seed must be a JSON object")
    if not isinstance(seed.get("project_id"), str) or not _PROJECT_ID_RE.fullmatch(seed["project_id"]):
        raise ValueError("seed.project_id must be 32 lowercase hex characters")
    if not isinstance(seed.get("hosts"), list):
        raise ValueError("seed.hosts must be a list")
    host_ids: set[str] = set()
    for index, host in enumerate(seed["hosts"]):
        where = f"hosts[{index}]"
        if not isinstance(host, dict):
            raise ValueError(f"{where} must be an object")
        _check_seed_text(host.get("host_id"), f"{where}.host_id", FIELD_LIMITS["host_id"])
        if host["host_id"] in host_ids:
            raise ValueError(f"{where}.host_id {host['host_id']} is repeated")
        host_ids.add(host["host_id"])
        _check_seed_host(host, where)
        keys: set[tuple[str, str]] = set()
        for f_index, item in enumerate(host.get("isolated_files") or ()):
            f_where = f"{where}.isolated_files[{f_index}]"
            for name in ("file_hash", "file_path"):
                _check_seed_text(item.get(name), f"{f_where}.{name}", FIELD_LIMITS[name])
            _check_seed_text(item.get("file_attr", "0"), f"{f_where}.file_attr", FIELD_LIMITS["file_attr"])
            _check_seed_text(item.get("event_name", "-"), f"{f_where}.event_name", LISTED_NAME_MAX)
            update_time = item.get("update_time", MS_RANGE.start)
            if type(update_time) is not int or update_time not in MS_RANGE:
                raise ValueError(f"{f_where}.update_time must be a time in milliseconds (13 digits)")
            minutes = item.get("isolated_minutes_ago", 0)
            if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 <= minutes <= 43_200:
                raise ValueError(f"{f_where}.isolated_minutes_ago must be a number of minutes from 0 to 43200")
            if item.get("isolation_status", ISOLATED) not in ISOLATION_STATUSES:
                raise ValueError(f"{f_where}.isolation_status must be one of {list(ISOLATION_STATUSES)}")
            if item.get("isolate_source", "event") not in ISOLATE_SOURCES:
                raise ValueError(f"{f_where}.isolate_source must be one of {list(ISOLATE_SOURCES)}")
            key = (item["file_hash"].lower(), item["file_path"])
            if key in keys:
                raise ValueError(f"{f_where} repeats a file_hash and file_path already on this host")
            keys.add(key)
    return seed


def _check_seed_host(host: dict, where: str) -> None:
    """A seeded host's own values (not its ID or files), each one HSS could list; add_host's too."""
    if "host_name" in host:
        _check_seed_text(host["host_name"], f"{where}.host_name", LISTED_NAME_MAX)
    if host.get("private_ip", "") != "" and not _is_ip_address(host["private_ip"]):
        raise ValueError(f"{where}.private_ip must be an IPv4 or IPv6 address (or left out: none known)")
    if host.get("os_type", "Linux") not in ("Linux", "Windows"):
        raise ValueError(f"{where}.os_type must be Linux or Windows")
    if host.get("agent_status", "online") not in ("online", "offline"):
        raise ValueError(f"{where}.agent_status must be online or offline")
    if host.get("host_status", "ACTIVE") not in HOST_STATUSES:
        raise ValueError(f"{where}.host_status must be one of {list(HOST_STATUSES)}")
    if host.get("asset_value", "common") not in ASSET_VALUES:
        raise ValueError(f"{where}.asset_value must be one of {list(ASSET_VALUES)}")
    if host.get("host_status", "ACTIVE") != "ACTIVE" and host.get("agent_status", "online") == "online":
        raise ValueError(f"{where}.host_status {host['host_status']} needs agent_status offline: only a running "
                         "server's agent is online")
    stages = host.get("restore_stages", 1)
    if isinstance(stages, bool) or not isinstance(stages, (int, float)) or not 0 <= stages <= 1000:
        raise ValueError(f"{where}.restore_stages must be a number from 0 to 1000")
    if not isinstance(host.get("restore_fails", False), bool):
        raise ValueError(f"{where}.restore_fails must be true or false")


def _seed_update_time(item: dict, wall_clock: Callable[[], float], index: int) -> int:
    """When a seeded file was isolated: ``isolated_minutes_ago`` (relative to the emulator's start, so that its event
    is recent enough to be fetched), else ``update_time`` (ms), else a fixed date in the past."""
    if "isolated_minutes_ago" in item:
        return int(wall_clock() * 1000 - float(item["isolated_minutes_ago"]) * 60_000)
    return item.get("update_time", _SEED_UPDATE_TIME_MS + 60_000 * index)


def _check_seed_text(value: Any, where: str, limit: int) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise ValueError(f"{where} must be a string of 1 to {limit} characters")


def _is_ip_address(value: Any) -> bool:
    """An IPv4 or IPv6 address, as HSS lists a server's IP (IsolatedFileResponseInfo, EventManagementResponseInfo)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return isinstance(value, str)


# --------------------------------------------------------------------------- helpers


def _token_digest(token: str) -> str:
    # Tokens are looked up by digest: no timing signal from dict lookups, and no token kept in memory.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def _event_types(text: str | None) -> set[int] | None:
    """ListSecurityEvents' event_types: the SDK's list[int], sent comma-separated (its collection format 'csv'); None
    when not given. An alarm's type is its name's (EVENT_KINDS)."""
    return None if text is None else {_whole_number(code, "event_types", 0, 2 ** 31 - 1) for code in text.split(",")}


def _whole_number(value: Any, name: str, minimum: int, maximum: int) -> int:
    """An int, or a string of digits (query parameters arrive as text)."""
    if isinstance(value, bool):
        raise InvalidParameter(f"{name} must be a whole number")
    if isinstance(value, str):
        if not value.strip().isdigit() or not value.strip().isascii():
            raise InvalidParameter(f"{name} must be a whole number")
        digits = value.strip().lstrip("0") or "0"
        if len(digits) > len(str(maximum)):  # out of range, and maybe more digits than int() converts
            raise InvalidParameter(f"{name} must be between {minimum} and {maximum}")
        value = int(digits)
    if not isinstance(value, int):
        raise InvalidParameter(f"{name} must be a whole number")
    if not minimum <= value <= maximum:
        raise InvalidParameter(f"{name} must be between {minimum} and {maximum}")
    return value


def _check_lengths(limits: dict[str, int], values: dict[str, Any]) -> None:
    """Each text parameter given in ``values`` no longer than ``limits`` says (characters, as Huawei counts them)."""
    for name, value in values.items():
        if value is not None and len(value) > limits[name]:
            raise InvalidParameter(f"{name} must be at most {limits[name]} characters long, not {len(value)}")


def _check_unapplied_filters(filters: dict[str, Any]) -> None:
    """ListIsolatedFile's LIST_UNAPPLIED_FILTERS, given as query text: each within Huawei's bounds, or a 400."""
    unknown = sorted(set(filters) - set(LIST_UNAPPLIED_FILTERS))
    if unknown:
        raise TypeError(f"list_isolated_files() got an unexpected keyword argument {unknown[0]!r}")
    _check_lengths(LIST_UNAPPLIED_TEXT_MAX, {name: filters.get(name) for name in LIST_UNAPPLIED_TEXT_MAX})
    last_days, begin_time, end_time = (filters.get(name) for name in LIST_UNAPPLIED_FILTERS[:3])
    if last_days is not None:
        if begin_time is not None or end_time is not None:
            raise InvalidParameter("last_days cannot be given with begin_time or end_time")
        _whole_number(last_days, "last_days", 1, LIST_LAST_DAYS_MAX)
    begin, end = (None if value is None else _whole_number(value, name, 0, 2**63 - 1)
                  for name, value in (("begin_time", begin_time), ("end_time", end_time)))
    if begin is not None and end is not None and end - begin > LIST_WINDOW_MAX_MS:
        raise InvalidParameter("end_time - begin_time must not exceed 2 days")


def _address(host: Host) -> dict:
    """The host's IPs as HSS lists them: private_ip and public_ip (its EIP), each when it has one. Huawei's models
    give each IP 1 character at least (IsolatedFileResponseInfo, EventManagementResponseInfo): never ""."""
    return {name: address for name, address in (("private_ip", host.private_ip), ("public_ip", host.public_ip))
            if address}


def _event_id(item: IsolatedFile) -> str:
    """A stable UUID-shaped event ID for the event that isolated ``item``."""
    digest = hashlib.sha256(f"event\n{item.host_id}\n{item.file_hash}\n{item.file_path}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _file_name(path: str) -> str:
    """The last name in ``path`` (a directory's too, written with a separator last), or ``path`` if it names none:
    EventFileResponseInfo's file_alias is 1 to 256 characters."""
    names = [name for name in re.split(r"[\\/]", path) if name]
    return names[-1] if names else path


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- backend


class HssBackend:
    """One HSS project (plus the IAM users and keys of its account). Public methods are thread-safe."""

    def __init__(self, stage_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time, token_lifetime_s: float = 86400, max_items: int = 100,
                 max_page_rows: int | None = None) -> None:
        self.stage_seconds = stage_seconds
        self.clock = clock
        self.wall_clock = wall_clock
        self._true_wall_clock = wall_clock
        self.token_lifetime_s = token_lifetime_s
        self.max_items = max_items
        # Paging knobs of both listings (isolated files, security events), for clients that must not trust a page to
        # hold what they asked for. Each may be set at any time.
        self.max_page_rows = max_page_rows  # a page serves at most this many rows, whatever limit asks (None: limit)
        self.total_num_surplus = 0  # total_num counts this many rows more than the listing holds: no page serves them
        # A listing of nothing (total_num 0) leaves data_list out, as the SDK's models (ListIsolatedFileResponse,
        # ListSecurityEventsResponse) allow, every field of theirs being optional. May be set at any time.
        self.empty_without_data_list = False
        # How ListSecurityEvents reads begin_time and end_time: to the millisecond, as Huawei's SDK has them (None), or
        # another reading the vendors' documents leave open (EVENT_TIME_READINGS). May be set at any time.
        self.event_time_reading: str | None = None
        # ListSecurityEvents' order (HSS's documents give none): by occur_time, newest first unless events_oldest_first;
        # ties in isolation order (None), or anew for each page request, seeded by the number and the page's offset.
        self.events_oldest_first = False
        self.event_tie_order_seed: int | None = None
        self.file_tie_order_seed: int | None = None  # the same for isolated files of one update_time: _ties_ordered
        # HSS.1007 "Agent offline" to a restore on a host whose agent is offline (else it waits: Host.agent_online),
        # HSS.1018 "Invalid file information" to an item of another file_attr: Huawei says not when (settable any time)
        self.offline_agents_refuse = False
        self.file_attr_checked = False
        self.project_id: str | None = None  # the project that holds the hosts
        self.projects: set[str] = set()  # every project of the account (access keys may use any)
        self.hosts: dict[str, Host] = {}
        self.files: list[IsolatedFile] = []  # listing order
        self.events: list[SecurityEvent] = []  # one per file isolated by an event, in isolation order
        self.domain_id = "0b8f2a7c4d3e4b5f9a6c1d2e3f4a5b6c"  # the account that owns the project (seedable)
        self.region = "ap-southeast-1"
        self.put_sizes: list[int] = []  # len(data_list) of every accepted restore
        self._by_host_hash: dict[tuple[str, str], list[IsolatedFile]] = {}
        # (host, hash, path): finds one file among thousands that share a hash (bulk restores) without a scan.
        self._by_host_hash_path: dict[tuple[str, str, str], list[IsolatedFile]] = {}
        self._users: dict[tuple[str, str], User] = {}
        self._access_keys: dict[str, str] = {}
        self._key_grants: dict[str, frozenset] = {}  # a key whose user may act in these enterprise projects only
        self._tokens: dict[str, IssuedToken] = {}
        self.login_policy = LoginPolicy()  # may be set at any time
        self._failed_logins: dict[tuple[str, str], list[float]] = {}  # (domain, user) -> wall_clock() of each
        self._locked_until: dict[tuple[str, str], float] = {}
        self._bulk_numbers = itertools.count(1)
        self._lock = threading.RLock()

    def set_clock_skew(self, seconds: float) -> None:
        """From now on the project's wall clock runs ``seconds`` ahead of the one it was given (negative: behind)."""
        true_wall_clock = self._true_wall_clock
        with self._lock:
            self.wall_clock = (lambda: true_wall_clock() + seconds) if seconds else true_wall_clock

    @classmethod
    def from_seed(cls, seed: dict | str | Path, **kwargs: Any) -> "HssBackend":
        seed = load_seed(seed)
        backend = cls(**kwargs)
        backend.project_id = seed["project_id"]
        backend.domain_id = seed.get("domain_id", backend.domain_id)
        backend.region = seed.get("region", backend.region)
        backend.projects.add(seed["project_id"])
        for host in seed["hosts"]:
            backend.add_host(
                host["host_id"],
                host.get("host_name", host["host_id"]),
                os_type=host.get("os_type", "Linux"),
                private_ip=host.get("private_ip", ""),
                enterprise_project_id=host.get("enterprise_project_id", DEFAULT_ENTERPRISE_PROJECT),
                restore_stages=float(host.get("restore_stages", 1)),
                agent_online=host.get("agent_status", "online") == "online",
                restore_fails=bool(host.get("restore_fails", False)),
                host_status=host.get("host_status", "ACTIVE"),
                asset_value=host.get("asset_value", "common"),
            )
            for index, item in enumerate(host.get("isolated_files") or ()):
                backend._add_file(
                    host["host_id"],
                    item["file_hash"],
                    item["file_path"],
                    file_attr=item.get("file_attr", "0"),
                    status=item.get("isolation_status", ISOLATED),
                    update_time=_seed_update_time(item, backend.wall_clock, len(backend.files)),
                    isolate_source=item.get("isolate_source", "event"),
                    event_name=item.get("event_name", "Malicious program"),
                )
        return backend

    # ----------------------------------------------------------------- principals

    def add_user(self, domain: str, name: str, password: str, project_ids: list[str],
                 enterprise_projects: list[str] | None = None) -> None:
        """``enterprise_projects``: the only ones the user is allowed in (None: every one), for its tokens as for
        an access key's user (add_access_key)."""
        with self._lock:
            self._users[(domain, name)] = User(domain, name, password, frozenset(project_ids),
                                               None if enterprise_projects is None else frozenset(enterprise_projects))
            self.projects.update(project_ids)

    def add_access_key(self, ak: str, sk: str, enterprise_projects: list[str] | None = None) -> None:
        """``enterprise_projects``: the only ones the key's IAM user is allowed in (None: every one)."""
        with self._lock:
            self._access_keys[ak] = sk
            if enterprise_projects is not None:
                self._key_grants[ak] = frozenset(enterprise_projects)

    def issue_token(self, domain: str, name: str, password: str, project_id: str) -> tuple[str, datetime]:
        """IAM password authentication scoped to a project; raises a 401 IamError."""
        with self._lock:
            user, now = self._users.get((domain, name)), self.wall_clock()
            if self._locked_until.get((domain, name), now) > now:
                raise IamError(401, "The account is locked.")
            # Compare even for an unknown user, so the answer takes as long either way.
            if not _same_secret(password, user.password if user else secrets.token_hex(16)) or user is None:
                if user is not None:
                    self._login_failed((domain, name), now)
                raise IamError(401, "The username or password is wrong.")
            if project_id not in user.project_ids:
                raise IamError(401, "The request you have made requires authentication.")
            token = "MIIT" + secrets.token_urlsafe(1536)  # opaque and long, like IAM's
            expires_at = self.wall_clock() + self.token_lifetime_s
            self._tokens[_token_digest(token)] = IssuedToken(domain, name, project_id, expires_at,
                                                             enterprise_projects=user.enterprise_projects)
        return token, datetime.fromtimestamp(expires_at, tz=timezone.utc)

    def _login_failed(self, user: tuple[str, str], now: float) -> None:
        """Counts a failed login; the one that reaches the policy's maximum within its period locks the user."""
        policy = self.login_policy
        failures = [moment for moment in self._failed_logins.get(user, ())
                    if now - moment < policy.period_with_login_failures * 60] + [now]
        if len(failures) >= policy.login_failed_times:
            self._locked_until[user], failures = now + policy.lockout_duration * 60, []
        self._failed_logins[user] = failures

    def is_locked(self, domain: str, name: str) -> bool:
        """Whether IAM's lockout holds the user now."""
        with self._lock:
            return self._locked_until.get((domain, name), 0.0) > self.wall_clock()

    def expire_token(self, token: str) -> None:
        """The token expires now (a token IAM never issued is ignored)."""
        with self._lock:
            issued = self._tokens.get(_token_digest(token))
            if issued is not None:
                issued.forced_expired = True

    def expire_tokens(self) -> None:
        """Test hook: every token issued so far is expired (tokens issued later are not)."""
        with self._lock:
            for issued in self._tokens.values():
                issued.forced_expired = True

    # ----------------------------------------------------------------- lookups for the gateway

    def secret_key_of(self, access_key: str) -> str | None:
        with self._lock:
            return self._access_keys.get(access_key)

    def enterprise_projects_of(self, access_key: str) -> frozenset | None:
        """The enterprise projects the key's user is allowed in, when not every one (None)."""
        with self._lock:
            return self._key_grants.get(access_key)

    def issued_token(self, token: str) -> IssuedToken | None:
        """The record of a token IAM issued (None: it never issued this one)."""
        with self._lock:
            return self._tokens.get(_token_digest(token))

    def has_project(self, project_id: str) -> bool:
        with self._lock:
            return project_id in self.projects

    # ----------------------------------------------------------------- hosts and files (setup)

    def add_host(
        self,
        host_id: str,
        host_name: str,
        os_type: str = "Linux",
        private_ip: str = "",
        enterprise_project_id: str = DEFAULT_ENTERPRISE_PROJECT,
        restore_stages: float = 1.0,
        agent_online: bool = True,
        restore_fails: bool = False,
        host_status: str = "ACTIVE",
        asset_value: str = "common",
        public_ip: str = "",
    ) -> None:
        """A server HSS protects; ValueError for one HSS could never hold (an ID of other than 1 to 64 characters, a
        private_ip or public_ip that is no IP address, or any value a seed may not give)."""
        if public_ip and not _is_ip_address(public_ip):
            raise ValueError(f"host {shown(host_id)}.public_ip must be an IPv4 or IPv6 address (or left out: none)")
        _check_seed_text(host_id, "host_id", FIELD_LIMITS["host_id"])
        _check_seed_host({"host_name": host_name, "os_type": os_type, "private_ip": private_ip,
                          "agent_status": "online" if agent_online else "offline", "host_status": host_status,
                          "restore_stages": restore_stages, "restore_fails": restore_fails,
                          "asset_value": asset_value}, f"host {shown(host_id)}")
        with self._lock:
            self.hosts[host_id] = Host(host_id, host_name, os_type, private_ip, enterprise_project_id,
                                       restore_stages, agent_online, restore_fails, host_status=host_status,
                                       asset_value=asset_value, public_ip=public_ip)

    def _known_host(self, host_id: str) -> Host:
        """The host of a file isolated on it; ValueError for a host HSS does not know."""
        if host_id not in self.hosts:
            raise ValueError(f"no host {shown(host_id)}: add it first (add_host)")
        return self.hosts[host_id]

    def _add_file(self, host_id: str, file_hash: str, file_path: str, **fields: Any) -> IsolatedFile:
        status = fields.pop("status", ISOLATED)
        restore_started = None
        if status == RESTORING:  # a seeded restore in flight: it finishes stage_seconds from now
            status, restore_started = ISOLATED, self.clock()
        item = IsolatedFile(host_id, file_hash, file_path, status=status, restore_started=restore_started, **fields)
        self.files.append(item)
        if item.isolate_source == "event":
            item.occur_time = item.update_time - EVENT_LEAD_MS
            self.events.append(SecurityEvent(_event_id(item), item, item.occur_time))
        self._by_host_hash.setdefault((host_id, file_hash.lower()), []).append(item)
        self._by_host_hash_path.setdefault((host_id, file_hash.lower(), file_path), []).append(item)
        return item

    def remove_host(self, host_id: str) -> None:
        """The host is removed from HSS (its agent uninstalled, the server deleted): neither it, its isolated files in
        any status, nor their events are listed any more."""
        with self._lock:
            del self.hosts[host_id]
            self.files = [item for item in self.files if item.host_id != host_id]
            self.events = [event for event in self.events if event.file.host_id != host_id]
            for index in (self._by_host_hash, self._by_host_hash_path):
                for key in [key for key in index if key[0] == host_id]:
                    del index[key]

    def isolate_file(self, host_id: str, file_hash: str, file_path: str, event_name: str = "Trojan",
                     file_attr: str | None = None, minutes_ago: float = 0, isolate_source: str = "event",
                     event_lists_file: str = "file_info_list") -> dict:
        """HSS detects malware on a known host and isolates the file (now, or ``minutes_ago``): the file is listed as
        isolated and, isolated by an alarm (not a virus scan: ISOLATE_SOURCES), an unhandled host security event records
        it, naming the file in ``event_lists_file`` (EVENT_FILE_LISTS). Returns the event as ListSecurityEvents shows it
        ({} for none). ValueError for a host HSS does not know, a source not in ISOLATE_SOURCES, a list not in
        EVENT_FILE_LISTS, or a hash, path, attribute or name HSS could never hold."""
        if isolate_source not in ISOLATE_SOURCES:
            raise ValueError(f"isolate_source must be one of {list(ISOLATE_SOURCES)}")
        if event_lists_file not in EVENT_FILE_LISTS:
            raise ValueError(f"event_lists_file must be one of {list(EVENT_FILE_LISTS)}")
        for name, value in (("file_hash", file_hash), ("file_path", file_path)):
            _check_seed_text(value, name, FIELD_LIMITS[name])
        _check_seed_text(event_name, "event_name", LISTED_NAME_MAX)
        if file_attr is not None:
            _check_seed_text(file_attr, "file_attr", FIELD_LIMITS["file_attr"])
        with self._lock:
            host = self._known_host(host_id)
            item = self._add_file(host_id, file_hash, file_path,
                                  file_attr=file_attr or ("32" if host.os_type == "Windows" else "755"),
                                  update_time=int(self.wall_clock() * 1000 - minutes_ago * 60_000),
                                  event_name=event_name, isolate_source=isolate_source,
                                  event_lists_file=event_lists_file)
            return self._render_event(self.events[-1]) if self.events and self.events[-1].file is item else {}

    def add_isolated_files(
        self,
        host_id: str,
        count: int,
        file_hash: str | None = None,
        file_attr: str | None = None,
        isolation_status: str = ISOLATED,
        event_name: str = "Malicious program",
    ) -> list[dict]:
        """Isolate ``count`` generated files on a known host; returns them as the listing shows them.

        With ``file_hash`` every file shares that hash (distinct paths), else each gets its own hash.
        """
        if isolation_status not in ISOLATION_STATUSES:
            raise ValueError(f"isolation_status must be one of {list(ISOLATION_STATUSES)}")
        if file_hash:
            _check_seed_text(file_hash, "file_hash", FIELD_LIMITS["file_hash"])
        with self._lock:
            host = self._known_host(host_id)
            windows = host.os_type == "Windows"
            wall_ms = int(self.wall_clock() * 1000)
            added = []
            for _ in range(count):
                number = next(self._bulk_numbers)
                path = (f"C:\\ProgramData\\Quarantine\\bulk\\file-{number:06d}.exe" if windows
                        else f"/var/lib/quarantine/bulk/file-{number:06d}.bin")
                digest = file_hash or hashlib.sha256(f"{host_id}\n{path}".encode()).hexdigest()
                added.append(self._add_file(
                    host_id, digest, path, file_attr=file_attr or ("32" if windows else "755"),
                    status=isolation_status, update_time=wall_ms, event_name=event_name,
                ))
            now = self.clock()
            return [self._render(item, now) for item in added]

    # ----------------------------------------------------------------- status

    def _restore_delay(self, item: IsolatedFile) -> float:
        return self.stage_seconds * self.hosts[item.host_id].restore_stages

    def _status(self, item: IsolatedFile, now: float) -> str:
        """restoring until the host's agent is done (never, when it is offline), then restored, or isolated again
        on a host whose restores fail."""
        if item.restore_started is None:
            return item.status
        host = self.hosts[item.host_id]
        if not host.agent_online or now - item.restore_started < self._restore_delay(item):
            return RESTORING
        return ISOLATED if host.restore_fails else RESTORED

    def _update_time(self, item: IsolatedFile, now: float) -> int:
        """The listing's update_time: the restore's acceptance while restoring, its end once it ended."""
        if item.restore_started is None or self._status(item, now) == RESTORING:
            return item.update_time
        return item.update_time + int(self._restore_delay(item) * 1000)

    def _render(self, item: IsolatedFile, now: float) -> dict:
        host = self.hosts[item.host_id]
        row = {
            "os_type": host.os_type,
            "host_id": item.host_id,
            "host_name": host.host_name,
            "file_hash": item.file_hash,
            "file_path": item.file_path,
            "file_attr": item.file_attr,
            "isolation_status": self._status(item, now),
            **_address(host),
            "update_time": self._update_time(item, now),
            "isolate_source": item.isolate_source,
            "event_name": item.event_name,
        }
        if item.occur_time is not None:  # the SDK's IsolateEventResponseInfo, its fields each optional: a few given
            row["agent_event_info"] = {"event_id": _event_id(item), "event_name": item.event_name,
                                       "occur_time": item.occur_time}
        for name, listed in (("host_id", host.host_id_listed), ("file_path", host.file_path_listed)):
            if listed == "left out":
                del row[name]
            elif listed != "as is":
                row[name] = {"null": None, "empty": ""}[listed]
        return row

    def snapshot(self) -> list[dict]:
        """Every file the project knows, in listing order, with its status now (for demos and tests)."""
        with self._lock:
            now = self.clock()
            return [{"host_id": item.host_id, "host_name": self.hosts[item.host_id].host_name,
                     "file_hash": item.file_hash, "file_path": item.file_path,
                     "isolation_status": self._status(item, now)} for item in self.files]

    def isolation_status(self, host_id: str, file_hash: str, file_path: str | None = None) -> str:
        """Current status of one isolated file (for tests). KeyError if none matches, ValueError if ambiguous."""
        with self._lock:
            now = self.clock()
            matches = (self._by_host_hash.get((host_id, file_hash.lower()), ()) if file_path is None else
                       self._by_host_hash_path.get((host_id, file_hash.lower(), file_path), ()))
            statuses = {self._status(item, now) for item in matches}
        if not statuses:
            raise KeyError(f"no isolated file {file_hash} {file_path or ''} on host {host_id}")
        if len(statuses) > 1:
            raise ValueError(f"{len(matches)} files match with different statuses: give file_path")
        return statuses.pop()

    # ----------------------------------------------------------------- the API

    def _in_scope(self, project_id: str, host: Host, enterprise_project_id: str | None,
                  granted: frozenset | None = None) -> bool:
        if project_id != self.project_id:
            return False
        # Left out, the parameter means the default enterprise project (the Chinese ListIsolatedFile and
        # ChangeIsolatedFile pages: "企业项目ID默认取值为“0”", its default value is "0"; the SDK for events: README,
        # "Try it from the war room, locally"); all_granted_eps, all those the user is granted (``granted``; None:
        # every one).
        wanted = enterprise_project_id or DEFAULT_ENTERPRISE_PROJECT
        if wanted == ALL_ENTERPRISE_PROJECTS:
            return granted is None or host.enterprise_project_id in granted
        return host.enterprise_project_id == wanted

    @staticmethod
    def _check_granted(enterprise_project_id: str | None, granted: frozenset | None) -> None:
        """The seed's page: "If you have only the permission on an enterprise project, you need to transfer the
        enterprise project ID ... Otherwise, an error is reported due to insufficient permission"."""
        wanted = enterprise_project_id or DEFAULT_ENTERPRISE_PROJECT
        if granted is not None and wanted != ALL_ENTERPRISE_PROJECTS and wanted not in granted:
            raise ProjectForbidden(f"the user is not allowed in enterprise project {shown(wanted)}")

    def list_isolated_files(
        self,
        project_id: str,
        *,
        enterprise_project_id: str | None = None,
        file_hash: str | None = None,
        host_name: str | None = None,
        file_path: str | None = None,
        isolation_status: str | None = None,
        private_ip: str | None = None,
        offset: int | str = 0,
        limit: int | str = LIST_LIMIT_DEFAULT,
        region: str | None = None,
        granted: frozenset | None = None,
        **unapplied: str,
    ) -> dict:
        """GET isolated-file: ``{"total_num": N, "data_list": [...]}`` in a stable (isolation) order. file_hash and
        private_ip match exactly (the hash case-insensitively); host_name and file_path match any part, whatever the
        case, as HSS list filters do. ``region`` (the request's region header) and ``unapplied``, any of
        LIST_UNAPPLIED_FILTERS, are checked, not used."""
        _check_lengths(LIST_TEXT_MAX, {"enterprise_project_id": enterprise_project_id, "host_name": host_name,
                                       "private_ip": private_ip, "file_hash": file_hash, "region": region})
        _check_unapplied_filters(unapplied)
        self._check_granted(enterprise_project_id, granted)
        offset = _whole_number(offset, "offset", 0, LIST_OFFSET_MAX)
        limit = _whole_number(limit, "limit", LIST_LIMIT_MIN, LIST_LIMIT_MAX)
        if isolation_status is not None and isolation_status not in ISOLATION_STATUSES:
            raise InvalidParameter(f"isolation_status must be one of {', '.join(ISOLATION_STATUSES)}")
        wanted_hash, wanted_name, wanted_path = ((text or "").lower() for text in (file_hash, host_name, file_path))
        with self._lock:
            now = self.clock()
            matches = []
            for item in self.files:
                host = self.hosts[item.host_id]
                if wanted_hash and item.file_hash.lower() != wanted_hash:
                    continue
                if wanted_path and wanted_path not in item.file_path.lower():
                    continue
                if wanted_name and wanted_name not in host.host_name.lower():
                    continue
                if private_ip and host.private_ip != private_ip:
                    continue
                if not self._in_scope(project_id, host, enterprise_project_id, granted):
                    continue
                if isolation_status and self._status(item, now) != isolation_status:
                    continue
                matches.append(item)
            served, total_num = self._page(self._ties_ordered(matches, offset), offset, limit)
            page = [self._render(item, now) for item in served]
        return self._listing(total_num, page)

    def list_security_events(
        self,
        project_id: str,
        *,
        category: str | None = None,
        enterprise_project_id: str | None = None,
        last_days: int | str | None = None,
        begin_time: str | None = None, end_time: str | None = None,
        handle_status: str | None = None,
        host_id: str | None = None,
        host_name: str | None = None,
        offset: int | str = 0,
        limit: int | str = EVENT_LIMIT_DEFAULT,
        region: str | None = None,
        granted: frozenset | None = None, event_types: str | None = None,
    ) -> dict:
        """GET event/events (ListSecurityEvents): ``{"total_num": N, "data_list": [...]}``, as _events_ordered orders.

        Only host events exist here (each one isolated a file); ``category`` is required, as in the SDK. ``region``
        is the request's region header: checked, as the SDK's model bounds it, and otherwise not used.
        """
        _check_lengths(EVENT_TEXT_MAX, {"enterprise_project_id": enterprise_project_id, "host_id": host_id,
                                        "host_name": host_name, "region": region})
        if category is None:
            raise InvalidParameter("category is required")
        self._check_granted(enterprise_project_id, granted)
        if category not in EVENT_CATEGORIES:
            raise InvalidParameter(f"category must be one of {', '.join(EVENT_CATEGORIES)}")
        if handle_status is not None and handle_status not in EVENT_HANDLE_STATUSES:
            raise InvalidParameter(f"handle_status must be one of {', '.join(EVENT_HANDLE_STATUSES)}")
        offset = _whole_number(offset, "offset", 0, EVENT_OFFSET_MAX)
        limit = _whole_number(limit, "limit", EVENT_LIMIT_MIN, EVENT_LIMIT_MAX)
        begin, end = self._event_window(last_days, begin_time, end_time)
        types = _event_types(event_types)
        if self.event_time_reading is not None and begin_time is not None:
            begin, end = EVENT_TIME_READINGS[self.event_time_reading](begin, end)
        with self._lock:
            matches = [
                event for event in self.events
                if category == "host" and begin <= event.occur_time <= end
                and (handle_status is None or event.handle_status == handle_status)
                and (types is None or EVENT_KINDS.get(event.file.event_name, DEFAULT_EVENT_KIND)[0] in types)
                and (host_id is None or event.file.host_id == host_id)
                and (host_name is None or host_name.lower() in self.hosts[event.file.host_id].host_name.lower())
                and self._in_scope(project_id, self.hosts[event.file.host_id], enterprise_project_id, granted)
            ]
            self._events_ordered(matches, offset)
            served, total_num = self._page(matches, offset, limit)
            page = [self._render_event(event) for event in served]
        return self._listing(total_num, page)

    def _ties_ordered(self, files: list[IsolatedFile], offset: int) -> list[IsolatedFile]:
        """``files``, those of one update_time, with ``file_tie_order_seed`` set, ordered anew at the first one's place
        in an order of that seed and the page's ``offset`` (else in isolation order): HSS's documents give the
        isolated-file listing no order at all. The seed may be set at any time."""
        if self.file_tie_order_seed is not None:
            place: dict[int, int] = {}
            for item in files:
                place.setdefault(item.update_time, len(place))
            random.Random(f"{self.file_tie_order_seed}/{offset}").shuffle(files)
            files.sort(key=lambda item: place[item.update_time])  # a stable sort: ties keep the order above
        return files

    def _events_ordered(self, events: list[SecurityEvent], offset: int) -> None:
        """Sorts ``events`` by occur_time, newest first (oldest first with ``events_oldest_first``); those of one
        occur_time in isolation order, or, with ``event_tie_order_seed`` set, in an order of that seed and the page's
        ``offset``."""
        if self.event_tie_order_seed is not None:
            random.Random(f"{self.event_tie_order_seed}/{offset}").shuffle(events)
        # a stable sort: ties keep the order above
        events.sort(key=lambda event: event.occur_time, reverse=not self.events_oldest_first)

    def _page(self, matches: list, offset: int, limit: int) -> tuple[list, int]:
        """The rows of ``matches`` one listing page serves from ``offset``, and the total_num it reports: ``limit``
        rows, or as the paging knobs say (``max_page_rows``, ``total_num_surplus``)."""
        rows = limit if self.max_page_rows is None else min(limit, self.max_page_rows)
        return matches[offset:offset + rows], len(matches) + self.total_num_surplus

    def _listing(self, total_num: int, page: list) -> dict:
        """A listing page's body: without data_list when it lists nothing and ``empty_without_data_list`` says so."""
        if total_num == 0 and self.empty_without_data_list:
            return {"total_num": 0}
        return {"total_num": total_num, "data_list": page}

    def _event_window(self, last_days: Any, begin_time: Any, end_time: Any) -> tuple[int, int]:
        """(begin, end) in ms: last_days, or begin_time and end_time (13-digit ms, two days apart at most)."""
        now_ms = int(self.wall_clock() * 1000)
        if last_days is not None:
            if begin_time is not None or end_time is not None:
                raise InvalidParameter("last_days cannot be given with begin_time or end_time")
            days = _whole_number(last_days, "last_days", 1, EVENT_LAST_DAYS_MAX)
            return now_ms - days * 86_400_000, now_ms
        if begin_time is None and end_time is None:
            return 0, now_ms
        if begin_time is None or end_time is None:
            raise InvalidParameter("begin_time and end_time must be given together")
        for name, value in (("begin_time", begin_time), ("end_time", end_time)):
            if not (isinstance(value, str) and len(value) == 13 and value.isdigit() and value.isascii()):
                raise InvalidParameter(f"{name} must be a timestamp in milliseconds (13 digits)")
        begin, end = int(begin_time), int(end_time)
        if end < begin:
            raise InvalidParameter("end_time must not be before begin_time")
        if end - begin > EVENT_WINDOW_MAX_MS:
            raise InvalidParameter("end_time - begin_time must not exceed 2 days")
        return begin, end

    def handle_event(self, event_id: str, method: str = "mark_as_handled") -> None:
        """Setup and test hook: the event is handled (as an operator does in the console, or ChangeEvent), by
        ``method``: isolate_and_kill is how an operator isolates the file an alarm names; one of EVENT_UNDO_METHODS
        makes it unhandled again."""
        if method not in EVENT_HANDLE_METHODS + EVENT_UNDO_METHODS:
            raise ValueError(f"method must be one of {list(EVENT_HANDLE_METHODS + EVENT_UNDO_METHODS)}")
        with self._lock:
            for event in self.events:
                if event.event_id == event_id:
                    undone = method in EVENT_UNDO_METHODS
                    event.handle_status, event.handle_method = ("unhandled", None) if undone else ("handled", method)
                    event.handle_time = None if undone else int(self.wall_clock() * 1000)
                    return
        raise KeyError(event_id)

    def repeat_event(self, event_id: str) -> None:
        """Setup and test hook: the event occurs again on its host. HSS lists it once, its event_count raised (the
        SDK's EventManagementResponseInfo: 事件发生次数, the times it occurred); its occur_time, the first, stays."""
        with self._lock:
            [event] = [event for event in self.events if event.event_id == event_id]
            event.event_count += 1

    def _render_event(self, event: SecurityEvent) -> dict:
        """One EventManagementResponseInfo, with the fields an isolating malware alarm fills in."""
        item, host = event.file, self.hosts[event.file.host_id]
        event_type, event_class_id, severity = EVENT_KINDS.get(item.event_name, DEFAULT_EVENT_KIND)
        windows = host.os_type == "Windows"
        return {
            "event_id": event.event_id, "event_class_id": event_class_id, "event_type": event_type,
            "event_name": item.event_name, "severity": severity, "container_name": None, "image_name": None,
            "host_name": host.host_name, "host_id": host.host_id, **_address(host), "os_type": host.os_type,
            "host_status": host.host_status, "agent_status": host.agent_status,
            "protect_status": host.protect_status,
            "asset_value": host.asset_value, "attack_phase": "exploit", "attack_tag": "attack_success",
            "occur_time": event.occur_time, "handle_time": event.handle_time, "handle_status": event.handle_status,
            "handle_method": event.handle_method, "handler": None,
            "operate_accept_list": ["mark_as_handled", "ignore", "add_to_alarm_whitelist"],
            "operate_detail_list": [],
            "resource_info": {
                "domain_id": self.domain_id, "project_id": self.project_id,
                "enterprise_project_id": host.enterprise_project_id, "region_name": self.region,
                "vm_name": host.host_name, "vm_uuid": host.host_id, "os_type": host.os_type,
            },
            "recommendation": "Check whether the file is malicious; if it is not, restore it from the isolated "
                              "files list.",
            "description": f"{item.event_name} detected; the file was isolated and its process killed.",
            "event_abstract": f"{item.event_name}: {item.file_path}"[:EVENT_ABSTRACT_MAX],
            "event_details": "",
            "process_info_list": [], "user_info_list": [], "file_info_list": [],
            "event_count": event.event_count,
        } | {item.event_lists_file: [self._event_file_entry(item, windows)]}

    @staticmethod
    def _event_file_entry(item: IsolatedFile, windows: bool) -> dict:
        """The isolated file as its event names it: an EventFileResponseInfo, or its process's
        EventProcessResponseInfo (huaweicloudsdkhss v5)."""
        if item.event_lists_file == "process_info_list":
            return {"process_name": _file_name(item.file_path), "process_path": item.file_path,
                    "process_filename": _file_name(item.file_path), "process_file_hash": item.file_hash}
        return {
            "file_path": item.file_path, "file_alias": _file_name(item.file_path),
            "file_hash": item.file_hash, "file_sha256": item.file_hash,
            # No file behind the emulator: a stand-in MD5, stable per file.
            "file_md5": hashlib.md5(item.file_hash.encode(), usedforsecurity=False).hexdigest(),
            "file_attr": item.file_attr, "file_type": "PE32 executable" if windows else "ELF 64-bit executable",
            "file_mtime": item.update_time - 86_400_000, "file_action": "isolate", "is_dir": False,
        }

    def restore_isolated_files(
        self, project_id: str, data_list: Any, enterprise_project_id: str | None = None,
        granted: frozenset | None = None, region: str | None = None,
    ) -> None:
        """PUT isolated-file. All or nothing: every item is checked before any file changes. ``region`` (the request's
        region header) and ``enterprise_project_id`` are bounded as the listing's (the PHP SDK's
        ChangeIsolatedFileRequest: 0 to 128 and 0 to 64 characters)."""
        _check_lengths(LIST_TEXT_MAX, {"enterprise_project_id": enterprise_project_id, "region": region})
        items = self._checked_items(data_list)
        self._check_granted(enterprise_project_id, granted)
        with self._lock:
            targets: list[IsolatedFile] = []
            now = self.clock()
            for index, item in enumerate(items):
                targets.extend(self._restore_targets(project_id, index, item, enterprise_project_id, now, granted))
            wall_ms = int(self.wall_clock() * 1000)
            for target in targets:
                if self._status(target, now) == ISOLATED:  # isolated, or isolated again after a failed restore
                    target.restore_started = now
                    target.update_time = wall_ms
            self.put_sizes.append(len(items))

    def _checked_items(self, data_list: Any) -> list[dict]:
        if not isinstance(data_list, list):
            raise InvalidParameter("data_list must be an array of IsolatedFileRequestInfo objects")
        if not data_list:
            raise InvalidParameter("data_list must hold at least one item")
        if len(data_list) > self.max_items:
            raise TooManyItems(f"data_list holds {len(data_list)} items; at most {self.max_items} per request")
        for index, item in enumerate(data_list):
            where = f"data_list[{index}]"
            if not isinstance(item, dict):
                raise InvalidParameter(f"{where} must be an object")
            unknown = sorted(set(item) - set(FIELD_LIMITS))
            if unknown:
                raise InvalidParameter(f"{where}.{unknown[0]} is not a field of IsolatedFileRequestInfo")
            for name, limit in FIELD_LIMITS.items():
                if name not in item:
                    if name in REQUIRED_FIELDS:
                        raise InvalidParameter(f"{where}.{name} is required")
                    continue
                value = item[name]
                if not isinstance(value, str):
                    raise InvalidParameter(f"{where}.{name} must be a string")
                if not 1 <= len(value) <= limit:
                    raise InvalidParameter(f"{where}.{name} must be 1 to {limit} characters long, not {len(value)}")
        return data_list

    def _restore_targets(
        self, project_id: str, index: int, item: dict, enterprise_project_id: str | None, now: float,
        granted: frozenset | None = None,
    ) -> list[IsolatedFile]:
        where = f"data_list[{index}]"
        host = self.hosts.get(item["host_id"])
        if host is None or project_id != self.project_id:
            raise IsolatedFileNotFound(f"{where}: no server with host_id {shown(item['host_id'])} in this project")
        if not self._in_scope(project_id, host, enterprise_project_id, granted):
            scope = enterprise_project_id or DEFAULT_ENTERPRISE_PROJECT  # left out: the default one (_in_scope)
            raise IsolatedFileNotFound(f"{where}: server {shown(host.host_id)} is not in enterprise project "
                                       f"{shown(scope)}")
        if "file_path" in item:
            candidates = self._by_host_hash_path.get((host.host_id, item["file_hash"].lower(), item["file_path"]), [])
        else:
            candidates = self._by_host_hash.get((host.host_id, item["file_hash"].lower()), [])
        if not candidates:
            what = "file_hash and file_path" if "file_path" in item else "file_hash"
            raise IsolatedFileNotFound(f"{where}: no isolated file with that {what} on server {shown(host.host_id)}")
        if any(self._status(c, now) == ISOLATING for c in candidates):
            raise IsolatedFileNotFound(f"{where}: the file is still being isolated; restore it once it is isolated")
        if not host.agent_installed:
            raise AgentNotInstalled(f"{where}: server {shown(host.host_id)}")
        if host.agent_unreachable:
            raise AgentUnreachable(f"{where}: server {shown(host.host_id)}")
        if self.offline_agents_refuse and not host.agent_online:
            raise AgentOffline(f"{where}: server {shown(host.host_id)}")
        if self.file_attr_checked and any(c.file_attr != item.get("file_attr", c.file_attr) for c in candidates):
            raise InvalidFileInformation(f"{where}: file_attr {shown(item['file_attr'])} is not the isolated file's")
        return candidates


def token_times(expires_at: datetime, lifetime_s: float) -> tuple[str, str]:
    """(issued_at, expires_at) as IAM writes them: ``2026-11-23T17:00:00.000000Z``."""
    return _iso(expires_at - timedelta(seconds=lifetime_s)), _iso(expires_at)
