"""Fault injection for the emulated vendors: what a flaky network, gateway or service does to a request.

One ``FaultPlan`` decides, request by request, whether a fault hits it, either by chance (``rate``, drawn
from a seeded random generator, so a run can be repeated exactly) or by a scripted ``sequence``. Each vendor's
gateway (``xdr/gateway.py``, ``hss/gateway.py``) holds the plan, and its HTTP layer (``responses.py``) hands
every request to ``serve`` with its own ``VendorFaults``: how that vendor writes an error and, for HSS, how its
tokens expire. Every fault is recorded (``FaultPlan.injected``: which request, by number, method and path, got
which fault) so that tests can account for each one.

Where each fault happens, as seen from the client:

- before the service acts (the request changes nothing): ``429`` (with ``Retry-After``), ``500``, ``502``,
  ``503``, ``504`` in the vendor's JSON error form, the same with ``-html`` as a gateway's HTML page
  (``503-html``), and ``reset`` (the connection is cut without an answer). The service's own among them
  (``VendorFaults.service_kinds``: HSS's ``500``, HSS.0041) come only once its gateway's checks passed the request
  (``VendorFaults.past_gateway``): a request they refuse, a wrong signature, meets their refusal instead (the plan
  still records the fault it chose); the others come before any check;
- before the vendor's API gateway checks the credentials (HSS only: ``VendorFaults.gateway_error``), its own
  errors in its own form: ``400-apigw`` (a request it refuses), ``413-apigw`` (a body too large), ``500-apigw`` (a
  fault of its own). A rate picks them only when ``kinds`` names them;
- before the request reaches the vendor, a 200 from something in between, without the vendor's request ID:
  ``200-page`` (a proxy's or captive portal's HTML page) and ``200-empty`` (a load balancer's empty 200). A rate
  picks them only when ``kinds`` names them, as they are no answer a client can account for by itself;
- after the service acted (the change is made, the answer is lost or damaged): ``slow`` (the answer comes
  ``delay`` seconds late, after the client's read timeout; with ``trickle`` its headers come at once and its body a
  byte every ``trickle`` seconds, each byte within any read timeout), ``malformed`` (a body that is not JSON) and
  ``truncated`` (the connection closes half-way through the body);
- ``expire-token`` (HSS only): the IAM token the request carries reaches its expiry now, then the request
  goes on (401 APIGW.0307; an AK/SK-signed request carries no token and passes);
- ``skew=SECONDS`` is not per request: the emulated tenant's wall clock runs that far ahead (negative: behind)
  from the moment the gateway is given the plan; the advanced Cortex XDR key (5 minutes) and AK/SK signatures
  (15 minutes) are checked against it.

Spec syntax (``python -m warroom emulate --faults SPEC``; ``;`` between options, no spaces needed)::

    rate=0.2;seed=7                          20% of requests, any kind the vendor supports (but -apigw, 200-)
    rate=0.2;kinds=429,503-html,reset        20%, only these kinds (equally likely)
    sequence=429,ok,reset*2                  request 1 gets a 429, 2 goes through, 3 and 4 are reset;
                                             after the sequence, ``rate`` (if given) takes over
    retry-after=0;delay=0.5;skew=-600        Retry-After of 429/503 (default 1), slow delay (default 65 s),
                                             clock offset
    sequence=slow;trickle=1                  the answer's body a byte a second, the headers at once
"""
from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from .httpserver import AbortConnection, Request, Response

__all__ = ["FaultPlan", "FaultRecord", "VendorFaults", "serve", "FAULT_KINDS", "SPEC_HELP", "FaultSpecError"]

STATUS_KINDS = ("429", "500", "502", "503", "504", "500-html", "502-html", "503-html", "504-html")
GATEWAY_KINDS = ("400-apigw", "413-apigw", "500-apigw")
IN_BETWEEN_KINDS = ("200-page", "200-empty")  # a 200 from in front of the vendor: a proxy's page, a balancer's
AFTER_KINDS = ("slow", "malformed", "truncated")
FAULT_KINDS = STATUS_KINDS + GATEWAY_KINDS + IN_BETWEEN_KINDS + ("reset",) + AFTER_KINDS + ("expire-token",)
NAMED_ONLY_KINDS = GATEWAY_KINDS + IN_BETWEEN_KINDS  # a rate picks them only when its kinds name them
OK = "ok"
DEFAULT_RETRY_AFTER_S = 1
DEFAULT_DELAY_S = 65.0  # longer than the integration's default read timeout (60 s)
MAX_SEQUENCE = 100_000

SPEC_HELP = (
    "Faults to inject, as OPTION;OPTION... with OPTION one of: rate=P (share of requests, 0 to 1), "
    "seed=N (random seed, default 0), kinds=K,K,... (default: every kind the vendor supports, but the -apigw and "
    "200- ones), "
    "sequence=STEP,STEP,... (one step per request in order; STEP is a kind, ok, or KIND*N), "
    "retry-after=S (Retry-After of injected 429/503, default 1), delay=S (how late a slow answer comes, "
    "default 65), trickle=S (a slow body, a byte every S seconds), "
    "skew=S (the emulator's clock runs S seconds ahead; negative: behind). "
    f"Kinds: {', '.join(FAULT_KINDS)}. Example: 'rate=0.2;seed=7;kinds=429,503-html,reset,truncated'."
)

REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class FaultSpecError(ValueError):
    """A --faults spec that cannot be read; the message names the part."""


@dataclass(frozen=True)
class FaultRecord:
    number: int  # 1-based position of the request among those the plan saw
    method: str
    path: str
    kind: str


@dataclass(frozen=True)
class VendorFaults:
    """What the shared layer needs from a vendor: its error reply for a status (None: an HTML page), how its
    tokens expire (None: the vendor has no tokens), and its API gateway's own error for a status, given before the
    gateway checks the credentials (None: no such gateway, and the -apigw kinds pass the request through)."""

    error_reply: Callable[[int, int], Response | None]  # (status, retry_after_s) -> reply
    expire_tokens: Callable[[Request], None] | None = None  # expires the token the request carries
    gateway_error: Callable[[int], Response] | None = None  # status -> the gateway's reply
    # Kinds the service behind the gateway answers, not the gateway: it sees only what the gateway passed, so
    # past_gateway(request, reply) runs the gateway's checks and gives the reply only to a request they pass.
    service_kinds: tuple[str, ...] = ()
    past_gateway: Callable[[Request, Response], Response] | None = None


@dataclass
class FaultPlan:
    rate: float = 0.0
    kinds: tuple[str, ...] = ()  # empty: every kind the vendor supports, but NAMED_ONLY_KINDS
    seed: int = 0
    sequence: tuple[str, ...] = ()
    retry_after_s: int = DEFAULT_RETRY_AFTER_S
    delay_s: float = DEFAULT_DELAY_S
    trickle_s: float = 0.0  # a slow answer's body a byte every trickle_s seconds (0: the whole answer delay_s late)
    skew_s: float = 0.0
    injected: list[FaultRecord] = field(default_factory=list)
    seen: int = 0  # requests the plan has decided on

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise FaultSpecError(f"rate must be between 0 and 1, not {self.rate:g}")
        for kind in self.kinds:
            _check_kind(kind)
        for step in self.sequence:
            if step != OK:
                _check_kind(step)
        if self.retry_after_s < 0 or self.delay_s < 0 or self.trickle_s < 0:
            raise FaultSpecError("retry-after, delay and trickle must not be negative")
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- spec

    @classmethod
    def parse(cls, spec: str) -> "FaultPlan":
        options: dict = {}
        for part in (p.strip() for p in spec.split(";")):
            if not part:
                continue
            name, sep, value = part.partition("=")
            name, value = name.strip().lower(), value.strip()
            if not sep or not value:
                raise FaultSpecError(f"{part!r} is not NAME=VALUE")
            try:
                if name == "rate":
                    options["rate"] = float(value)
                elif name == "seed":
                    options["seed"] = int(value)
                elif name == "kinds":
                    options["kinds"] = tuple(k.strip() for k in value.split(",") if k.strip())
                elif name == "sequence":
                    options["sequence"] = _expand(value)
                elif name == "retry-after":
                    options["retry_after_s"] = int(value)
                elif name == "delay":
                    options["delay_s"] = float(value)
                elif name == "trickle":
                    options["trickle_s"] = float(value)
                elif name == "skew":
                    options["skew_s"] = float(value)
                else:
                    raise FaultSpecError(f"unknown option {name!r}; options are rate, seed, kinds, sequence, "
                                         f"retry-after, delay, trickle, skew")
            except ValueError as error:
                if isinstance(error, FaultSpecError):
                    raise
                raise FaultSpecError(f"{part!r}: {error}") from None
        return cls(**options)

    def describe(self) -> str:
        parts = []
        if self.sequence:
            parts.append(f"a sequence of {len(self.sequence)} steps")
        if self.rate:
            parts.append(f"{self.rate:.0%} of requests ({', '.join(self.kinds) or 'every kind'}, seed {self.seed})")
        if self.skew_s:
            parts.append(f"a clock {abs(self.skew_s):g} s {'ahead' if self.skew_s > 0 else 'behind'}")
        return "faults: " + ("; ".join(parts) if parts else "none")

    # ----------------------------------------------------------------- decisions and records

    def choose(self, request: Request, supported: tuple[str, ...]) -> str | None:
        """The fault for the next request (None: let it through), recorded when there is one."""
        with self._lock:
            self.seen += 1
            number = self.seen
            if number <= len(self.sequence):
                kind = self.sequence[number - 1]
                kind = None if kind == OK else kind
            elif self.rate and self._random.random() < self.rate:
                named = self.kinds or tuple(k for k in supported if k not in NAMED_ONLY_KINDS)  # those only when named
                kinds = [k for k in named if k in supported]
                kind = self._random.choice(kinds) if kinds else None
            else:
                kind = None
            if kind is not None:
                self.injected.append(FaultRecord(number, request.method, request.path, kind))
        return kind

    def counts(self) -> Counter:
        """How many requests got each fault."""
        with self._lock:
            return Counter(record.kind for record in self.injected)


def _check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise FaultSpecError(f"unknown fault kind {kind!r}; kinds are {', '.join(FAULT_KINDS)}")


def _expand(value: str) -> tuple[str, ...]:
    steps: list[str] = []
    for item in (i.strip() for i in value.split(",") if i.strip()):
        kind, star, times = item.partition("*")
        count = int(times) if star else 1
        if count < 0 or len(steps) + count > MAX_SEQUENCE:
            raise FaultSpecError(f"sequence step {item!r}: at most {MAX_SEQUENCE} steps in all")
        steps.extend([kind.strip()] * count)
    return tuple(steps)


# --------------------------------------------------------------------------- the HTTP side


def supported_kinds(vendor: VendorFaults) -> tuple[str, ...]:
    return tuple(k for k in FAULT_KINDS if (k != "expire-token" or vendor.expire_tokens is not None)
                 and (k not in GATEWAY_KINDS or vendor.gateway_error is not None))


def gateway_page(status: int) -> Response:
    """The HTML page a load balancer or gateway sends instead of the API's JSON."""
    title = f"{status} {REASONS.get(status, 'Error')}"
    body = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            f"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()
    return Response(status, body, {"Content-Type": "text/html"})


def portal_page() -> Response:
    """The sign-in page a proxy or captive portal answers with 200 in the place of the API's answer."""
    body = (b"<html>\r\n<head><title>Network access</title></head>\r\n<body>\r\n<h1>Sign in to continue</h1>\r\n"
            b"<form method=\"post\" action=\"/login\"><input name=\"user\"><input name=\"password\" type=\"password\">"
            b"</form>\r\n</body>\r\n</html>\r\n")
    return Response(200, body, {"Content-Type": "text/html"})


def serve(plan: FaultPlan | None, request: Request, handle: Callable[[Request], Response],
          vendor: VendorFaults) -> Response:
    """``handle(request)``, or what the plan's fault for this request makes of it."""
    if plan is None:
        return handle(request)
    kind = plan.choose(request, supported_kinds(vendor))
    if kind is None:
        return handle(request)
    if kind == "reset":
        raise AbortConnection()
    if kind in GATEWAY_KINDS and vendor.gateway_error is not None:
        return vendor.gateway_error(int(kind[:3]))
    if kind in GATEWAY_KINDS:  # the vendor has no such gateway: as expire-token for one without tokens
        return handle(request)
    if kind == "200-page":
        return portal_page()
    if kind == "200-empty":  # a load balancer's 200 of its own: no body, no vendor's request ID
        return Response(200, b"", {})
    if kind in STATUS_KINDS:
        status = int(kind[:3])
        retry_after = plan.retry_after_s if status in (429, 503) else None
        reply = None if kind.endswith("-html") else vendor.error_reply(status, plan.retry_after_s)
        reply = reply or gateway_page(status)
        if retry_after is not None:
            reply.headers.setdefault("Retry-After", str(retry_after))
        if kind in vendor.service_kinds and vendor.past_gateway is not None:
            return vendor.past_gateway(request, reply)
        return reply
    if kind == "expire-token":
        if vendor.expire_tokens is not None:
            vendor.expire_tokens(request)
        return handle(request)
    reply = handle(request)  # the service acts; only its answer suffers
    if kind == "slow" and plan.trickle_s:
        reply.trickle_s = plan.trickle_s
    elif kind == "slow":
        reply.delay_s = plan.delay_s
    elif kind == "malformed":
        reply.body = (reply.body[:-1] if reply.body else b"") + b",}"
        reply.declared_length = None
    elif kind == "truncated":
        full = len(reply.body)
        reply.body = reply.body[: full // 2]
        reply.declared_length = max(full, 1)
    return reply
