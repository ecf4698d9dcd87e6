"""Quarantine Restore: gives quarantined files back once an incident turns out to be a false positive.

Runs unchanged inside Cortex XSOAR (which injects a global ``demisto``) and under the local ``warroom``
stand-in (which passes its own ``demisto`` object to ``main``). Imports only the standard library and
``requests`` so that it starts fast in XSOAR's stock Python image.

Layout, as XSOAR's HelloWorld: constants, errors, clients (HTTP only, nothing of XSOAR), helpers,
one ``<name>_command(client, args)`` per command, the dispatch table, ``main()``.
"""
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import string
import threading
import time
import traceback
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import requests
# urllib3 is requests' own transport (installed with it): its Retry is what the session's adapter retries with.
from urllib3.exceptions import ConnectTimeoutError, InvalidHeader, MaxRetryError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import RequestHistory, Retry

''' CONSTANTS '''

XDR_API_ROOT = '/public_api/v1'
XDR_RESTORE_PATH = '/endpoints/restore/'
XDR_ACTION_STATUS_PATH = '/actions/get_action_status/'

# Cortex XDR action statuses. An endpoint in a running status will change; a final one will not.
XDR_RUNNING_STATUSES = frozenset({'PENDING', 'IN_PROGRESS', 'PENDING_ABORT'})
XDR_FINAL_STATUSES = frozenset({
    'COMPLETED_SUCCESSFULLY', 'COMPLETED_PARTIAL', 'FAILED', 'TIMEOUT', 'CANCELLED', 'ABORTED', 'EXPIRED',
})
XDR_SUCCESS_STATUS = 'COMPLETED_SUCCESSFULLY'

# The overall outcome of a restore, written to CortexXDR.RestoredFile.status.
OUTCOME_IN_PROGRESS = 'IN_PROGRESS'
OUTCOME_SUCCESS = 'COMPLETED_SUCCESSFULLY'
OUTCOME_PARTIAL = 'COMPLETED_WITH_FAILURES'
OUTCOME_FAILED = 'FAILED'

XDR_RESTORE_CONTEXT = 'CortexXDR.RestoredFile(val.file_hash == obj.file_hash && val.action_id == obj.action_id)'

XDR_AUTH_TYPES = ('standard', 'advanced')
NONCE_ALPHABET = string.ascii_letters + string.digits
NONCE_LENGTH = 64

SHA256_PATTERN = re.compile(r'[0-9a-fA-F]{64}')
HASH_LENGTH_NAMES = {32: 'an MD5', 40: 'a SHA1', 128: 'a SHA512'}
MAX_IDENTIFIER_LENGTH = 256
# Single IDs (XDR endpoint_id, HSS enterprise_project_id) are opaque tokens: letters, digits, - and _ only, so
# none can carry a path (../, /), a query (?, #), percent-encoding or a NUL into a request. HSS item fields
# (host_id, file_hash, file_path, file_attr) are free text of the documented lengths: they travel as JSON values
# or encoded query values, never in a URL path.
IDENTIFIER_PATTERN = re.compile(r'[A-Za-z0-9_-]+')
IDENTIFIER_RULE = 'an ID: letters, digits, - and _ only'
MAX_WHOLE_NUMBER = 10 ** 18 - 1  # 18 digits, as the text form allows

# XSOAR refuses to schedule a polling command sooner than 10 seconds after the previous run.
MIN_POLLING_INTERVAL = 10
DEFAULT_POLLING_INTERVAL = 10
DEFAULT_POLLING_TIMEOUT = 600
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0

# Retries, done by urllib3's Retry on the session's HTTPAdapter (see TransportRetry and HttpTransport).
# A request is sent at most 1 + DEFAULT_MAX_RETRIES times. Waits between attempts: Retry-After when the
# vendor sends one, else 0, 1, 2, 4 s (backoff 0.5 s doubling, each wait at most RETRY_BACKOFF_MAX); all
# the waits of one request together stay under MAX_RETRY_WAIT_SECONDS, and a Retry-After that would pass
# it ends the retries at once. So one chain of attempts takes at most 5 x (connect + read timeout) + 30 s
# (HSS token mode may run a few chains around a token refresh: see the README, Reliability).
DEFAULT_MAX_RETRIES = 4
DEFAULT_RETRY_BACKOFF = 0.5
RETRY_BACKOFF_MAX = 8.0
MAX_RETRY_WAIT_SECONDS = 30.0
# Every method these APIs use is safe to send again (see the README's Reliability section):
#   Cortex XDR POST endpoints/restore: a second restore of a file still quarantined adds an action on the
#     same endpoints, which restores nothing twice; the action followed is the one whose reply arrived.
#   Cortex XDR POST actions/get_action_status, HSS GET isolated-file: reads.
#   HSS PUT isolated-file: idempotent, HSS accepts a restore of a file already restoring or restored.
#   IAM POST auth/tokens: issues one more token; the last one is kept.
RETRIED_METHODS = frozenset({'GET', 'POST', 'PUT'})
# Rate limits and gateway errors. Cortex XDR's 500 is its unified error and names a lasting reason (no
# quarantined copy of the file), so a restore's 500 is not retried; Huawei's HSS.0001 / IAM 500 is a
# transient "system error", and every Huawei call here is a read or idempotent, so it is.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
HUAWEI_RETRY_STATUSES = RETRY_STATUSES | {500}
# Reading the status of an action this instance started: a 500 there is the service failing, not a lasting
# answer (test-module's probe of action 0 is the exception: its 500 is the answer, so it is not retried).
XDR_STATUS_RETRY_STATUSES = RETRY_STATUSES | {500}
# A gateway that answers these may have passed the request on before giving up: the service may have acted.
MAYBE_APPLIED_STATUSES = frozenset({502, 504})

ENTRY_TYPE_NOTE = 1
ENTRY_TYPE_ERROR = 4

# What each Cortex XDR error status means for the analyst, and what to do about it.
XDR_ERROR_ADVICE = {
    400: 'Cortex XDR rejected the request as malformed. Check the arguments: file_hash must be a SHA256 '
         'and incident_id a whole number.',
    401: 'Cortex XDR did not accept the API key. Check the API key ID, the key and the key type '
         '(standard or advanced) in the instance settings; an advanced key also needs this machine\'s '
         'clock to be right within a few minutes.',
    402: 'The tenant does not have the license this API needs (Cortex XDR Prevent or Cortex XDR Pro per '
         'Endpoint). Ask your Cortex XDR administrator.',
    403: 'The API key\'s role is not allowed to restore files. Give the role the Action Center response '
         'permission, or use a key whose role has it.',
    404: 'The server URL does not lead to the Cortex XDR public API. Copy the API URL again from '
         'Cortex XDR > Settings > API Keys (it starts with https://api-).',
    429: 'Cortex XDR is rate limiting this tenant (10 requests per second). Wait a few seconds and run '
         'the command again.',
    500: 'Cortex XDR could not carry out the request. Read its message below: it often says what is '
         'missing (for example no quarantined copy of the file); otherwise try again later.',
}
GENERIC_ERROR_ADVICE = 'The server answered with an unexpected status. Try again later; if it persists, ' \
                       'check the server URL and the vendor\'s status page.'

# Huawei Cloud API Gateway request signing (AK/SK), as the official SDK's Signer does it.
SDK_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256'
SDK_DATE_HEADER = 'X-Sdk-Date'
SDK_DATE_FORMAT = '%Y%m%dT%H%M%SZ'
SDK_CONTENT_HASH_HEADER = 'X-Sdk-Content-Sha256'
EMPTY_BODY_SHA256 = hashlib.sha256(b'').hexdigest()
# Headers our own requests sign; the gateway checks whatever the Authorization header lists.
HSS_SIGNED_HEADERS = ('content-type', 'host', 'x-project-id', 'x-sdk-date')

HSS_ISOLATED_FILE_PATH = '/v5/{project_id}/event/isolated-file'
IAM_TOKENS_PATH = '/v3/auth/tokens'
HSS_MAX_ITEMS_PER_REQUEST = 100  # some language versions of the API page cap data_list at 100
HSS_LIST_PAGE_SIZE = 200
HSS_FIELD_LIMITS = {'host_id': 64, 'file_hash': 256, 'file_path': 256, 'file_attr': 256}
# No truthiness term: a not_found row has no host, and must still replace the same row of an earlier run.
HSS_RESTORE_CONTEXT = ('HuaweiHSS.RestoredFile(val.host_id == obj.host_id && val.file_hash == obj.file_hash && '
                       'val.file_path == obj.file_path)')
HSS_AUTH_TYPES = ('token', 'aksk')
HUAWEI_TOKEN_EXPIRED = 'APIGW.0307'  # the API Gateway's "The token must be updated"
OUTCOME_RESTORING = 'restoring'
OUTCOME_ITEM_FAILED = 'failed'
OUTCOME_NOT_FOUND = 'not_found'
# A cached IAM token is replaced this long before it expires, so no request goes out with a dying token.
TOKEN_REFRESH_MARGIN_SECONDS = 600
TOKEN_CACHE_KEY = 'hss_iam_token'

HSS_ERROR_ADVICE = {
    400: 'HSS rejected the request. Check host_id (1-64 characters), file_hash, file_path and file_attr '
         '(1-256 characters), and that the file is still isolated on that host.',
    401: 'HSS did not accept the credentials. For AK/SK, check the access key, the secret key and this '
         'machine\'s clock (the gateway allows 15 minutes of skew); for a token, check the account name, the '
         'IAM user name and password, and the project ID.',
    403: 'The IAM user is not allowed to do this. Give it HSS permissions (for example HSS Administrator) '
         'in the project and enterprise project, or use another user.',
    404: 'The URL does not lead to the HSS API. Check hss_endpoint, hss_region and hss_project_id.',
    429: 'Huawei Cloud is throttling these requests. Wait a few seconds and run the command again.',
}
IAM_ERROR_ADVICE = {
    400: 'IAM rejected the token request. Check the account name, the IAM user name and the project ID.',
    401: 'IAM refused the user name or password. Check hss_domain (the account name) and hss_credentials; '
         'the user must not need MFA for API access.',
    403: 'IAM refused the token for this project. Check hss_project_id and that the user may access it.',
    404: 'The URL does not lead to IAM. Check hss_iam_endpoint and hss_region.',
}

DEFAULT_RATE_LIMIT = 10  # requests per second: Cortex XDR's documented per-tenant limit
DEFAULT_MAX_CONCURRENCY = 8

''' ERRORS '''


class RestoreError(Exception):
    """A failure the analyst can act on: the text says what went wrong and what to do."""


class VendorApiError(RestoreError):
    """A vendor API answered with an error; keeps the vendor's own code and message."""

    def __init__(self, vendor, http_status, advice, vendor_code=None, vendor_message=None,
                 vendor_extra=None, request_id=None, retry_note=''):
        self.vendor = vendor
        self.http_status = http_status
        self.vendor_code = vendor_code
        self.vendor_message = vendor_message
        self.vendor_extra = vendor_extra
        self.request_id = request_id
        details = []
        if vendor_code is not None:
            details.append(f'code {vendor_code}')
        if vendor_message:
            details.append(f'message "{vendor_message}"')
        if vendor_extra not in (None, '', {}, []):
            extra = vendor_extra if isinstance(vendor_extra, str) else json.dumps(vendor_extra, sort_keys=True)
            details.append(f'details {extra}')
        if request_id:
            details.append(f'request id {request_id}')
        said = f' {vendor} said: ' + ', '.join(details) + '.' if details else ''
        retried = f' {retry_note}' if retry_note else ''
        super().__init__(f'{vendor} answered HTTP {http_status}. {advice}{said}{retried}')


def add_note(error, note):
    """The same error (type and fields kept) with one more sentence at the end of its message."""
    if note:
        error.args = (f'{error} {note}',) + tuple(error.args[1:])
    return error


''' CLIENTS '''


class XdrApiKeyAuth(requests.auth.AuthBase):
    """Cortex XDR API key headers; an advanced key gets a fresh nonce and timestamp on every request."""

    def __init__(self, key_id, key, auth_type):
        self._key_id = key_id
        self._key = key
        self._advanced = auth_type == 'advanced'

    def __call__(self, request):
        request.headers['x-xdr-auth-id'] = self._key_id
        if self._advanced:
            # urllib3 sends a retried request again below requests' auth, from a copy of these headers: the
            # headers sign themselves each time they are written out, so no attempt repeats a nonce.
            request.headers = SignedOnSendHeaders(request.headers, self._signature_headers)
            request.headers.update(self._signature_headers())
        else:
            request.headers['Authorization'] = self._key
        return request

    def _signature_headers(self):
        nonce = ''.join(secrets.choice(NONCE_ALPHABET) for _ in range(NONCE_LENGTH))
        timestamp = str(int(time.time() * 1000))
        return {'x-xdr-nonce': nonce, 'x-xdr-timestamp': timestamp,
                'Authorization': hashlib.sha256(f'{self._key}{nonce}{timestamp}'.encode()).hexdigest()}

    def __repr__(self):
        return f'XdrApiKeyAuth(key_id={self._key_id!r}, key=<hidden>)'


class HuaweiAkSkAuth(requests.auth.AuthBase):
    """Signs each request with an access key / secret key pair (SDK-HMAC-SHA256)."""

    def __init__(self, access_key, secret_key, project_id=None, clock=None):
        self._access_key = access_key
        self._secret_key = secret_key
        self._project_id = project_id
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def __call__(self, request):
        parts = urlsplit(request.url)
        request.headers[SDK_DATE_HEADER] = self._clock().strftime(SDK_DATE_FORMAT)
        request.headers['Host'] = parts.netloc
        if self._project_id:
            request.headers['X-Project-Id'] = self._project_id
        signed = sorted(name for name in HSS_SIGNED_HEADERS if name in {k.lower() for k in request.headers})
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b'')
        signature = sdk_signature(self._secret_key, request.method, parts.path,
                                  parse_qsl(parts.query, keep_blank_values=True), request.headers, signed, body)
        request.headers['Authorization'] = (f'{SDK_SIGNING_ALGORITHM} Access={self._access_key}, '
                                            f'SignedHeaders={";".join(signed)}, Signature={signature}')
        return request

    def __repr__(self):
        return f'HuaweiAkSkAuth(access_key={self._access_key!r}, secret_key=<hidden>)'


class SignedOnSendHeaders(requests.structures.CaseInsensitiveDict):
    """Request headers whose signature headers are made anew each time they are written out.

    urllib3 retries a request inside requests' adapter, below requests' auth, and sends every attempt with a
    copy of the headers it was first given. An advanced Cortex XDR key must never send a nonce twice (the API
    refuses a replay with 401), so these headers sign themselves when the connection reads them to send
    (``items()``), and their copies keep doing so.
    """

    def __init__(self, data=None, sign=None):
        self._sign = sign
        super().__init__(data)

    def items(self):
        if self._sign is not None:
            self.update(self._sign())
        return super().items()

    def copy(self):
        return SignedOnSendHeaders(self._store.values(), self._sign)


class BrokenReply(ProtocolError):
    """A reply whose body came back cut off, or not JSON where JSON was due: retried like a broken connection."""


class TransportRetry(Retry):
    """urllib3's Retry, also bounded in the total time one request spends waiting between attempts.

    ``increment`` picks the next wait (the vendor's Retry-After with a 429 or 503, else the exponential
    backoff) and ends the retries when the waits would add up past ``max_wait``; ``sleep`` waits exactly
    that. Exhausted chains carry what happened: ``attempts`` on the MaxRetryError, ``gave_up`` on the Retry.
    """

    def __init__(self, *args, max_wait=MAX_RETRY_WAIT_SECONDS, waited=0.0, next_wait=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait
        self.waited = waited
        self.next_wait = next_wait
        self.gave_up = None

    @classmethod
    def policy(cls, max_retries=DEFAULT_MAX_RETRIES, backoff=DEFAULT_RETRY_BACKOFF, statuses=RETRY_STATUSES):
        # One count for every kind of retry (connect, read, status); TLS and other errors are never retried.
        return cls(total=max_retries, connect=None, read=None, status=None, other=0,
                   allowed_methods=RETRIED_METHODS, status_forcelist=statuses, backoff_factor=backoff,
                   backoff_max=RETRY_BACKOFF_MAX, respect_retry_after_header=True, raise_on_status=False)

    def new(self, **kwargs):
        kwargs.setdefault('max_wait', self.max_wait)
        kwargs.setdefault('waited', self.waited)
        return super().new(**kwargs)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        attempts = self.history + (RequestHistory(method, url, error, getattr(response, 'status', None), None),)
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError as exhausted:
            exhausted.attempts = attempts
            raise
        wait, asked = retry.get_backoff_time(), False
        if response is not None and response.status in self.RETRY_AFTER_STATUS_CODES:
            try:
                after = retry.get_retry_after(response)
            except InvalidHeader:  # a Retry-After urllib3 cannot read: the backoff applies
                after = None
            if after is not None:
                wait, asked = after, True
        if self.waited + wait > self.max_wait:
            self.gave_up = (f'the vendor asked to wait {wait:g} s (Retry-After)' if asked else
                            f'the next wait would be {wait:g} s') + \
                           f', past the {self.max_wait:g} s the retries of one request may wait in all'
            exhausted = MaxRetryError(_pool, url, error or ProtocolError(self.gave_up))
            exhausted.attempts, exhausted.gave_up = attempts, self.gave_up
            raise exhausted
        return retry.new(waited=self.waited + wait, next_wait=wait)

    def sleep(self, response=None):
        """urllib3 calls this before each resend: wait what ``increment`` chose."""
        if self.next_wait > 0:
            time.sleep(self.next_wait)


class RetryingAdapter(requests.adapters.HTTPAdapter):
    """requests' HTTPAdapter with a TransportRetry, able to carry on a retry chain the transport began.

    ``HTTPAdapter.send`` hands ``self.max_retries`` to urllib3: here that is the chain set for this thread
    (bulk work sends from several threads at once), the transport's own copy of the policy for each request,
    so that no request's state (``gave_up``) lands on the shared policy; outside a request, the policy.
    ``pool_maxsize``: connections kept per host, as many as the instance sends at once.
    """

    def __init__(self, policy, pool_maxsize=requests.adapters.DEFAULT_POOLSIZE):
        self._chain = threading.local()
        super().__init__(max_retries=policy, pool_maxsize=pool_maxsize)

    @property
    def max_retries(self):
        return getattr(self._chain, 'retry', None) or self.policy

    @max_retries.setter
    def max_retries(self, policy):
        self.policy = policy

    def carry_on(self, retry):
        self._chain.retry = retry


class HttpTransport:
    """A requests.Session with the instance's TLS, proxy, timeout and retry settings, shared by the vendor clients.

    Retries happen in urllib3, below requests: the session's adapter carries a TransportRetry (how many, which
    methods and statuses, backoff, Retry-After, the cap on waiting). A reply whose body comes back cut, or not
    JSON where JSON is due, only shows once urllib3 has handed the response up: the transport sends that
    request again on the same Retry chain, so those attempts count against the same limits.
    """

    def __init__(self, base_url, vendor, verify=True, proxy=False,
                 timeout=(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT), auth=None,
                 max_retries=DEFAULT_MAX_RETRIES, retry_backoff=DEFAULT_RETRY_BACKOFF, retry_statuses=RETRY_STATUSES,
                 pool_maxsize=requests.adapters.DEFAULT_POOLSIZE):
        self.base_url = base_url
        self.vendor = vendor
        self.verify = verify
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = verify
        self.session.auth = auth
        self.session.headers['Accept'] = 'application/json'
        self.adapter = RetryingAdapter(TransportRetry.policy(max_retries, retry_backoff, retry_statuses), pool_maxsize)
        self.session.mount('https://', self.adapter)
        self.session.mount('http://', self.adapter)
        # With "Use system proxy settings" unchecked, a None per scheme keeps requests from taking
        # HTTP(S)_PROXY from the environment while still honouring the CA bundle variables; 'all' covers
        # ALL_PROXY, which requests would otherwise still apply to every scheme.
        self.proxies = None if proxy else {'http': None, 'https': None, 'all': None}

    def request(self, method, path, expect_json=False, retry_statuses=None, **kwargs):
        """Sends the request, retried as above, and returns the response with its body read.

        ``expect_json``: a 2xx reply must carry JSON. ``retry_statuses``: this call's own statuses to retry.
        The response's ``attempts`` lists the attempts before it; a RestoreError raised here carries
        ``attempts`` too, the last one being the failure reported.
        """
        url = self.base_url + path
        host = urlsplit(url).netloc
        policy = self.adapter.policy
        # A copy per request (and so per thread): what one request's chain records never reaches another's.
        chain = policy.new(status_forcelist=policy.status_forcelist if retry_statuses is None else retry_statuses)
        while True:  # bounded: each pass spends one retry of the chain, and increment() raises when none is left
            response = self._send(method, url, host, chain, kwargs)
            retry = getattr(response.raw, 'retries', None)
            broken = reply_fault(response, expect_json)
            if broken is None:
                response.attempts = retry.history if retry is not None else ()
                response.gave_up = getattr(retry, 'gave_up', None)
                return response
            if retry is None:
                raise RestoreError(f'{self.vendor} at {host} {broken}. Try again later.')
            try:
                chain = retry.increment(method, url, error=BrokenReply(broken))
            except MaxRetryError as exhausted:
                raise transport_failure(f'{self.vendor} at {host} {broken}.', exhausted,
                                        'Check the server URL; if it is right, try again later.') from None
            chain.sleep()

    def _send(self, method, url, host, chain, kwargs):
        self.adapter.carry_on(chain)
        try:
            # verify per request: requests lets REQUESTS_CA_BUNDLE override a session's verify=False.
            return self.session.request(method, url, timeout=self.timeout, proxies=self.proxies, stream=True,
                                        verify=self.verify, **kwargs)
        except requests.exceptions.SSLError as error:
            raise RestoreError(
                f'The TLS certificate of {host} could not be verified ({type(error).__name__}). Make the '
                f'server\'s certificate authority trusted, or, for a test server only, check "Trust any '
                f'certificate".') from None
        except requests.exceptions.ConnectTimeout as error:
            raise transport_failure(
                f'{self.vendor} at {host} did not accept a connection within {self.timeout[0]} s.', exhausted_of(error),
                'Check the server URL, the network path and the proxy setting, or raise the connect timeout.') from None
        except requests.exceptions.ReadTimeout as error:
            raise transport_failure(
                f'{self.vendor} at {host} did not answer within {self.timeout[1]} s.', exhausted_of(error),
                'Try again later, or raise the read timeout.') from None
        except requests.exceptions.ConnectionError as error:
            exhausted = exhausted_of(error)
            reason = getattr(exhausted, 'reason', None)
            if isinstance(reason, ReadTimeoutError):
                raise transport_failure(
                    f'{self.vendor} at {host} did not answer within {self.timeout[1]} s.', exhausted,
                    'Try again later, or raise the read timeout.') from None
            if isinstance(reason, ProtocolError):
                raise transport_failure(
                    f'The connection to {self.vendor} at {host} broke before the answer arrived '
                    f'({describe_connection_error(error)}).', exhausted,
                    'Try again later; if it persists, check the proxy setting and the network path.') from None
            raise transport_failure(
                f'Could not connect to {self.vendor} at {host} ({describe_connection_error(error)}).', exhausted,
                'Check the server URL, DNS, the firewall and the proxy setting.') from None
        finally:
            self.adapter.carry_on(None)


class XdrClient:
    """Cortex XDR public API: restore a quarantined file and read the status of the resulting action."""

    vendor = 'Cortex XDR'

    def __init__(self, base_url, api_key_id, api_key, auth_type='advanced', verify=True, proxy=False,
                 timeout=(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT), max_retries=DEFAULT_MAX_RETRIES,
                 retry_backoff=DEFAULT_RETRY_BACKOFF, pool_maxsize=requests.adapters.DEFAULT_POOLSIZE):
        auth = XdrApiKeyAuth(api_key_id, api_key, auth_type)
        self.transport = HttpTransport(base_url + XDR_API_ROOT, self.vendor, verify, proxy, timeout, auth,
                                       max_retries, retry_backoff, RETRY_STATUSES, pool_maxsize)

    def restore_file(self, file_hash, endpoint_id=None, incident_id=None):
        """POST endpoints/restore; fields not given stay out of the body. Returns the reply object."""
        request_data = {'file_hash': file_hash}
        if endpoint_id is not None:
            request_data['endpoint_id'] = endpoint_id
        if incident_id is not None:
            request_data['incident_id'] = incident_id
        try:
            return self._post(XDR_RESTORE_PATH, request_data)
        except RestoreError as error:
            if may_have_applied(getattr(error, 'attempts', ())):
                add_note(error, 'An earlier attempt may have started this restore even so, as its answer was '
                                'lost: look for the file in Cortex XDR > Response > Action Center before '
                                'restoring it again.')
            raise

    def get_action_status(self, action_id, retry_server_errors=True):
        """POST actions/get_action_status. Returns {"data": {endpoint: status}, "errorReasons"?: {...}}."""
        return self._post(XDR_ACTION_STATUS_PATH, {'group_action_id': action_id},
                          XDR_STATUS_RETRY_STATUSES if retry_server_errors else RETRY_STATUSES)

    def _post(self, path, request_data, retry_statuses=RETRY_STATUSES):
        response = self.transport.request('POST', path, expect_json=True, retry_statuses=retry_statuses,
                                          json={'request_data': request_data})
        if response.status_code != 200:
            raise xdr_error_from_response(response)
        reply = parse_json_body(response, self.vendor).get('reply')
        if not isinstance(reply, dict):
            raise RestoreError(f'{self.vendor} answered HTTP 200 without a "reply" object. Check that the server '
                               f'URL is the tenant\'s API URL.')
        return reply


class IamTokenProvider:
    """IAM password tokens scoped to a project, kept in a cache until shortly before they expire.

    Bulk work asks for the token from several threads at once: one lock covers reading the cache (once, then the
    token is held in memory), fetching a token and dropping one, so that one command fetches one token.
    """

    vendor = 'Huawei Cloud IAM'

    def __init__(self, iam_url, domain, username, password, project_id, cache, verify=True, proxy=False,
                 timeout=(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT), clock=time.time,
                 max_retries=DEFAULT_MAX_RETRIES, retry_backoff=DEFAULT_RETRY_BACKOFF,
                 pool_maxsize=requests.adapters.DEFAULT_POOLSIZE):
        self.transport = HttpTransport(iam_url, self.vendor, verify, proxy, timeout, None, max_retries, retry_backoff,
                                       HUAWEI_RETRY_STATUSES, pool_maxsize)
        self._domain = domain
        self._username = username
        self._password = password
        self._project_id = project_id
        self._cache = cache
        self._clock = clock
        # Names the identity a cached token belongs to, without holding the password.
        self._identity = hashlib.sha256('\n'.join([iam_url, domain, username, project_id]).encode()).hexdigest()
        self.tokens_fetched = 0
        self._lock = threading.Lock()
        self._held = None  # the cache's entry once read: {identity, token, expires_at}, or {} for none

    def token(self):
        token = self._usable()
        if token:
            return token
        with self._lock:  # one thread reads the cache or fetches; the others then find its token
            if self._held is None:
                self._held = self._cache.load().get(TOKEN_CACHE_KEY) or {}
            return self._usable() or self._fetch()

    def _usable(self):
        held = self._held or {}
        if held.get('identity') == self._identity and \
                held.get('expires_at', 0) - TOKEN_REFRESH_MARGIN_SECONDS > self._clock():
            return held['token']
        return None

    def invalidate(self, failed_token):
        """Drops ``failed_token``, the one a refused request carried; a newer one another thread fetched stays."""
        with self._lock:
            if (self._held or {}).get('token') == failed_token:
                self._held = {}
            state = self._cache.load()
            if TOKEN_CACHE_KEY in state and (state[TOKEN_CACHE_KEY] or {}).get('token') == failed_token:
                del state[TOKEN_CACHE_KEY]
                self._cache.save(state)

    def _fetch(self):
        body = {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': self._username, 'password': self._password, 'domain': {'name': self._domain}}}},
            'scope': {'project': {'id': self._project_id}},
        }}
        response = self.transport.request('POST', IAM_TOKENS_PATH, expect_json=True, json=body)
        if response.status_code not in (200, 201):
            raise iam_error_from_response(response)
        token = response.headers.get('X-Subject-Token')
        if not token:
            raise RestoreError('IAM answered without an X-Subject-Token header. Check hss_iam_endpoint.')
        expires_at = parse_iam_expiry(parse_json_body(response, self.vendor), self._clock())
        self._held = {'identity': self._identity, 'token': token, 'expires_at': expires_at}
        state = self._cache.load()
        state[TOKEN_CACHE_KEY] = self._held
        self._cache.save(state)
        self.tokens_fetched += 1
        return token


class HuaweiTokenAuth(requests.auth.AuthBase):
    """Puts the provider's current IAM token in X-Auth-Token."""

    def __init__(self, provider):
        self.provider = provider

    def __call__(self, request):
        request.headers['X-Auth-Token'] = self.provider.token()
        return request

    def __repr__(self):
        return 'HuaweiTokenAuth(token=<hidden>)'


class HssClient:
    """Huawei Cloud HSS: list isolated files and restore them."""

    vendor = 'Huawei Cloud HSS'

    def __init__(self, base_url, project_id, auth, region=None, enterprise_project_id=None, token_provider=None,
                 verify=True, proxy=False, timeout=(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
                 max_retries=DEFAULT_MAX_RETRIES, retry_backoff=DEFAULT_RETRY_BACKOFF,
                 pool_maxsize=requests.adapters.DEFAULT_POOLSIZE):
        self.transport = HttpTransport(base_url, self.vendor, verify, proxy, timeout, auth, max_retries, retry_backoff,
                                       HUAWEI_RETRY_STATUSES, pool_maxsize)
        self.max_retries = max_retries
        self.path = HSS_ISOLATED_FILE_PATH.format(project_id=quote(project_id, safe=''))
        self.enterprise_project_id = enterprise_project_id
        self.token_provider = token_provider
        if region:
            self.transport.session.headers['region'] = region

    def list_isolated_files(self, file_hash=None, file_path=None, isolation_status='isolated', offset=0,
                            limit=HSS_LIST_PAGE_SIZE, enterprise_project_id=None):
        """One page of GET isolated-file: {"total_num": N, "data_list": [...]}."""
        query = {'enterprise_project_id': enterprise_project_id or self.enterprise_project_id,
                 'file_hash': file_hash, 'file_path': file_path, 'isolation_status': isolation_status,
                 'offset': offset, 'limit': limit}
        response = self._request('GET', expect_json=True,
                                 params={k: v for k, v in query.items() if v not in (None, '')})
        body = parse_json_body(response, self.vendor)
        if not isinstance(body.get('data_list'), list):
            raise RestoreError(f'{self.vendor} listed isolated files without a data_list. Check hss_endpoint.')
        return body

    def iter_isolated_files(self, **filters):
        """Every isolated file matching the filters, page by page."""
        offset = 0
        while True:
            page = self.list_isolated_files(offset=offset, **filters)
            yield from page['data_list']
            offset += len(page['data_list'])
            if not page['data_list'] or offset >= int(page.get('total_num') or 0):
                return

    def restore_isolated_files(self, items, enterprise_project_id=None):
        """One PUT isolated-file with at most HSS_MAX_ITEMS_PER_REQUEST items; HSS answers 200 with no body."""
        if len(items) > HSS_MAX_ITEMS_PER_REQUEST:
            raise ValueError(f'at most {HSS_MAX_ITEMS_PER_REQUEST} items per request')
        epid = enterprise_project_id or self.enterprise_project_id
        try:
            self._request('PUT', params={'enterprise_project_id': epid} if epid else None, json={'data_list': items})
        except RestoreError as error:
            if may_have_applied(getattr(error, 'attempts', ())):
                add_note(error, 'HSS may have accepted an earlier attempt even so, as its answer was lost: list '
                                'these files (isolation_status restoring) before sending them again.')
            raise

    def _request(self, method, expect_json=False, **kwargs):
        response = self.transport.request(method, self.path, expect_json=expect_json, **kwargs)
        refreshed = 0
        # The cached token may have been revoked or expired early: fetch a new one, once. Only when the new one
        # meets "The token must be updated" (APIGW.0307) too, as other requests in flight may make it, is a
        # token fetched again, at most max_retries times.
        while response.status_code == 401 and self.token_provider is not None and refreshed <= self.max_retries \
                and (refreshed == 0 or huawei_error_code(response) == HUAWEI_TOKEN_EXPIRED):
            self.token_provider.invalidate(response.request.headers.get('X-Auth-Token'))
            response = self.transport.request(method, self.path, expect_json=expect_json, **kwargs)
            refreshed += 1
        if response.status_code != 200:
            raise huawei_error_from_response(response, self.vendor, HSS_ERROR_ADVICE)
        return response


''' HELPERS '''


def sdk_quote(text):
    """Percent-encoding of the API Gateway's canonical form: everything but letters, digits and -_.~."""
    return quote(text, safe='~')


def sdk_canonical_request(method, path, query_pairs, headers, signed_headers, body):
    """The canonical request that SDK-HMAC-SHA256 hashes, built from what goes on the wire."""
    segments = [sdk_quote(segment) for segment in unquote(path).split('/')]
    canonical_path = '/'.join(segments)
    if not canonical_path.endswith('/'):
        canonical_path += '/'
    canonical_query = '&'.join(f'{sdk_quote(key)}={sdk_quote(value)}' for key, value in sorted(query_pairs))
    lowered = {str(name).lower(): str(value).strip() for name, value in headers.items()}
    canonical_headers = ''.join(f'{name}:{lowered.get(name, "")}\n' for name in signed_headers)
    if not body:
        payload_hash = EMPTY_BODY_SHA256
    else:
        payload_hash = lowered.get(SDK_CONTENT_HASH_HEADER.lower()) or hashlib.sha256(body).hexdigest()
    return '\n'.join([method.upper(), canonical_path, canonical_query, canonical_headers,
                      ';'.join(signed_headers), payload_hash])


def sdk_signature(secret_key, method, path, query_pairs, headers, signed_headers, body):
    """Hex HMAC-SHA256 over the string to sign; headers must hold X-Sdk-Date and every signed header."""
    canonical = sdk_canonical_request(method, path, query_pairs, headers, signed_headers, body)
    sdk_date = next(str(v).strip() for k, v in headers.items() if str(k).lower() == SDK_DATE_HEADER.lower())
    string_to_sign = '\n'.join([SDK_SIGNING_ALGORITHM, sdk_date, hashlib.sha256(canonical.encode()).hexdigest()])
    return hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


class ScheduledCommand:
    """The polling fields XSOAR reads from an entry (names as in CommonServerPython's ScheduledCommand)."""

    def __init__(self, command, next_run_in_seconds, args, timeout_in_seconds=None):
        self.command = command
        self.next_run_in_seconds = max(int(next_run_in_seconds), MIN_POLLING_INTERVAL)
        self.args = args
        self.timeout_in_seconds = timeout_in_seconds

    def to_entry_fields(self):
        fields = {'PollingCommand': self.command, 'NextRun': str(self.next_run_in_seconds), 'PollingArgs': self.args}
        if self.timeout_in_seconds:
            fields['Timeout'] = str(self.timeout_in_seconds)
        return fields


class CommandResults:
    """One war-room entry: markdown for the analyst, context for playbooks, the raw reply, maybe a next run."""

    def __init__(self, readable_output, outputs_key=None, outputs=None, raw_response=None, scheduled_command=None):
        self.readable_output = readable_output
        self.outputs_key = outputs_key
        self.outputs = outputs
        self.raw_response = raw_response if raw_response is not None else outputs
        self.scheduled_command = scheduled_command

    def to_entry(self):
        entry = {
            'Type': ENTRY_TYPE_NOTE,
            'ContentsFormat': 'json' if isinstance(self.raw_response, (dict, list)) else 'text',
            'Contents': self.raw_response,
            'HumanReadable': self.readable_output,
            'ReadableContentsFormat': 'markdown',
            'EntryContext': {self.outputs_key: self.outputs} if self.outputs_key else {},
        }
        if self.scheduled_command:
            entry.update(self.scheduled_command.to_entry_fields())
        return entry


def error_entry(message):
    return {'Type': ENTRY_TYPE_ERROR, 'ContentsFormat': 'text', 'Contents': message}


INSECURE_WARNING = ('**Warning:** TLS certificate verification is off for this instance ("Trust any certificate" '
                    'is checked): use it only against a test server.')


def with_insecure_warning(entry, params):
    """A command's entry, its human-readable part ending with a warning when verification is off."""
    if arg_to_bool(params.get('insecure'), 'insecure'):
        entry['HumanReadable'] = f'{entry.get("HumanReadable") or ""}\n\n{INSECURE_WARNING}'.lstrip()
    return entry


def reply_fault(response, expect_json):
    """Reads the body of a response; says what is wrong with it (cut off, or not JSON when due), else None."""
    try:
        content = response.content
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
            requests.exceptions.ConnectionError) as error:
        response.close()
        return (f'answered HTTP {response.status_code} but the reply was cut off before its end '
                f'({describe_connection_error(error)})')
    if expect_json and 200 <= response.status_code < 300:
        try:
            reply_json(response)
        except ValueError:
            return f'answered HTTP {response.status_code} with a body that is not JSON ({short_text(response.text)})'
    return None


def exhausted_of(error):
    """The MaxRetryError a requests exception wraps (urllib3 gave up retrying), or None."""
    cause = error.args[0] if error.args else None
    return cause if isinstance(cause, MaxRetryError) else None


def describe_attempts(attempts):
    """What each attempt met, in order, repeats counted: "HTTP 503 (2 times), no answer in time"."""
    kinds = []
    for attempt in attempts:
        if attempt.error is None:
            kinds.append(f'HTTP {attempt.status}')
        elif isinstance(attempt.error, BrokenReply):
            kinds.append('a broken reply')
        elif isinstance(attempt.error, ReadTimeoutError):
            kinds.append('no answer in time')
        elif isinstance(attempt.error, ConnectTimeoutError):
            kinds.append('no connection')
        elif isinstance(attempt.error, ProtocolError):
            kinds.append('a dropped connection')
        else:
            kinds.append(type(attempt.error).__name__)
    counted = {}
    for kind in kinds:
        counted[kind] = counted.get(kind, 0) + 1
    return ', '.join(kind if times == 1 else f'{kind} ({times} times)' for kind, times in counted.items())


def retry_note(retried, gave_up=None):
    """The sentence an error ends with when the request was retried: how often, after what, why it stopped."""
    if not retried:
        return f'Not retried: {gave_up}.' if gave_up else ''
    stopped = f'; stopped because {gave_up}' if gave_up else ''
    times = 'once' if len(retried) == 1 else f'{len(retried)} times'
    return f'The request was retried {times} (after {describe_attempts(retried)}){stopped}.'


def transport_failure(message, exhausted, advice):
    """A RestoreError for a request that got no usable answer, with its retries said and kept (``attempts``)."""
    attempts = getattr(exhausted, 'attempts', ())
    note = retry_note(attempts[:-1], getattr(exhausted, 'gave_up', None))
    error = RestoreError(' '.join(part for part in (message, note, advice) if part))
    error.attempts = attempts
    return error


def response_attempts(response):
    """Every attempt of the request that ended in ``response``, that final answer included."""
    final = RequestHistory(response.request.method if response.request else None, response.url, None,
                           response.status_code, None)
    return tuple(getattr(response, 'attempts', ())) + (final,)


def response_retry_note(response):
    return retry_note(tuple(getattr(response, 'attempts', ())), getattr(response, 'gave_up', None))


def may_have_applied(attempts):
    """Whether an attempt may have been carried out though its answer was lost: it reached the service and
    broke afterwards (no answer in time, a dropped connection, a broken reply) or a gateway gave up on the
    service (502, 504). A refused connection, a 429 or a 503 means the service did not act."""
    for attempt in attempts:
        if attempt.error is not None and not isinstance(attempt.error, ConnectTimeoutError):
            return True
        if attempt.error is None and attempt.status in MAYBE_APPLIED_STATUSES:
            return True
    return False


def describe_connection_error(error):
    """The socket-level reason of a connection error, without the object reprs urllib3 wraps around it."""
    reason = error.args[0] if error.args else error
    reason = getattr(reason, 'reason', reason)  # urllib3's MaxRetryError carries the real cause
    return re.sub(r'<[^>]*>: ', '', str(reason)) or type(reason).__name__


NOT_JSON = object()  # what reply_json keeps for a body that is not JSON


def reply_json(response):
    """The reply's JSON, parsed once and kept on the response (reply_fault, parse_json_body and the error
    parsers all read it); ValueError when the body is not JSON."""
    if not hasattr(response, 'json_body'):
        try:
            response.json_body = response.json()
        except ValueError:
            response.json_body = NOT_JSON
    if response.json_body is NOT_JSON:
        raise ValueError('the body is not JSON')
    return response.json_body


def parse_json_body(response, vendor):
    try:
        body = reply_json(response)
    except ValueError:
        raise RestoreError(f'{vendor} answered HTTP {response.status_code} with a body that is not JSON '
                           f'({short_text(response.text)}). Check the server URL; if it is right, try again '
                           f'later.') from None
    if not isinstance(body, dict):
        raise RestoreError(f'{vendor} answered HTTP {response.status_code} with JSON that is not an object.')
    return body


def xdr_error_from_response(response):
    """Turns a non-200 Cortex XDR reply into one message: what happened, what to do, the vendor's words."""
    advice = XDR_ERROR_ADVICE.get(response.status_code, GENERIC_ERROR_ADVICE)
    try:
        reply = reply_json(response).get('reply')
    except (ValueError, AttributeError):
        reply = None
    note = response_retry_note(response)
    if isinstance(reply, dict):
        return with_attempts(VendorApiError('Cortex XDR', response.status_code, advice, reply.get('err_code'),
                                            reply.get('err_msg'), reply.get('err_extra'), retry_note=note), response)
    return with_attempts(VendorApiError('Cortex XDR', response.status_code, advice,
                                        vendor_message=short_text(response.text) or None, retry_note=note), response)


def with_attempts(error, response):
    """The error, carrying every attempt of the request whose final answer it reports."""
    error.attempts = response_attempts(response)
    return error


def huawei_error_from_response(response, vendor, advice_by_status):
    """HSS's {error_code, error_msg} or the gateway's APIGW.* form, keeping the code and request id."""
    advice = advice_by_status.get(response.status_code, GENERIC_ERROR_ADVICE)
    request_id = response.headers.get('X-Request-Id')
    try:
        body = reply_json(response)
    except ValueError:
        body = None
    note = response_retry_note(response)
    if isinstance(body, dict) and body.get('error_code'):
        return with_attempts(VendorApiError(vendor, response.status_code, advice, body.get('error_code'),
                                            body.get('error_msg'), request_id=body.get('request_id') or request_id,
                                            retry_note=note), response)
    return with_attempts(VendorApiError(vendor, response.status_code, advice,
                                        vendor_message=short_text(response.text) or None, request_id=request_id,
                                        retry_note=note), response)


def huawei_error_code(response):
    """The error_code of a Huawei Cloud error reply, or None."""
    try:
        body = reply_json(response)
    except ValueError:
        return None
    return body.get('error_code') if isinstance(body, dict) else None


def iam_error_from_response(response):
    """IAM's {"error": {code, title, message}} form, or the gateway's."""
    try:
        error = reply_json(response).get('error')
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        return with_attempts(VendorApiError('Huawei Cloud IAM', response.status_code,
                                            IAM_ERROR_ADVICE.get(response.status_code, GENERIC_ERROR_ADVICE),
                                            error.get('code'), error.get('message') or error.get('title'),
                                            request_id=response.headers.get('X-Request-Id'),
                                            retry_note=response_retry_note(response)), response)
    return huawei_error_from_response(response, 'Huawei Cloud IAM', IAM_ERROR_ADVICE)


def parse_iam_expiry(body, now):
    """Epoch seconds of token.expires_at (ISO 8601 in UTC); a token without a readable one is kept an hour."""
    text = str((body.get('token') or {}).get('expires_at') or '')
    match = re.match(r'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}', text)
    if not match:
        return now + 3600
    return datetime.strptime(match.group(), '%Y-%m-%dT%H:%M:%S').replace(tzinfo=timezone.utc).timestamp()


def short_text(text, limit=200):
    """A vendor body cut to one readable line (HTML error pages can be long)."""
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit] + '...'


def printable(value, limit=60):
    """A user value quoted for an error message: control characters escaped, length bounded."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'


def has_control_characters(text):
    """C0/C1 control characters, and unpaired surrogates (text that cannot be encoded for a request)."""
    return any(ord(char) < 32 or 127 <= ord(char) < 160 or 0xD800 <= ord(char) <= 0xDFFF for char in text)


def check_identifier_characters(text, name, where=''):
    """Refuses an ID holding anything but letters, digits, - and _, naming the first offending character."""
    if not IDENTIFIER_PATTERN.fullmatch(text):
        bad = re.search(r'[^A-Za-z0-9_-]', text).group()
        raise RestoreError(f'{name}{where} must be {IDENTIFIER_RULE}; got {printable(text)}, which holds '
                           f'{printable(bad)}.')


def single_value(value, name):
    """XSOAR passes a list when an argument comes from context; a single-valued argument takes one item."""
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise RestoreError(f'{name} takes one value; got a list of {len(value)}.')
        return value[0]
    return value


def validate_sha256(value, name='file_hash'):
    """Returns the hash in lower case, or raises a RestoreError that says what is wrong with it."""
    value = single_value(value, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RestoreError(f'{name} is required: give the SHA256 of the quarantined file.')
    if not isinstance(value, str):
        raise RestoreError(f'{name} must be a SHA256 string; got {type(value).__name__}.')
    candidate = value.strip()
    if SHA256_PATTERN.fullmatch(candidate):
        return candidate.lower()
    looks_like = HASH_LENGTH_NAMES.get(len(candidate)) if re.fullmatch(r'[0-9a-fA-F]+', candidate) else None
    hint = f' That looks like {looks_like} hash; Cortex XDR restores by SHA256 only.' if looks_like else ''
    raise RestoreError(f'{name} must be a SHA256: 64 hexadecimal characters; got {printable(candidate)} '
                       f'({len(candidate)} characters).{hint}')


def validate_identifier(value, name, max_length=MAX_IDENTIFIER_LENGTH):
    """An optional vendor ID: None when absent, else a stripped string of letters, digits, - and _."""
    value = single_value(value, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RestoreError(f'{name} must be text; got {type(value).__name__}.')
    text = str(value).strip()
    if has_control_characters(text):
        raise RestoreError(f'{name} must not contain control characters (line breaks, tabs); got {printable(text)}.')
    if len(text) > max_length:
        raise RestoreError(f'{name} is {len(text)} characters long; the most allowed is {max_length}.')
    check_identifier_characters(text, name)
    return text


def arg_to_int(value, name, minimum=None, maximum=None, default=None):
    """A whole-number argument, from an int or its decimal text. None/empty gives the default."""
    value = single_value(value, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise RestoreError(f'{name} must be a whole number; got {value}.')
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r'[+-]?[0-9]{1,18}', value.strip()):
        number = int(value.strip())
    else:
        raise RestoreError(f'{name} must be a whole number; got {printable(value)}.')
    if abs(number) > MAX_WHOLE_NUMBER:
        raise RestoreError(f'{name} must be a whole number of at most 18 digits; got {printable(value)}.')
    if minimum is not None and number < minimum:
        raise RestoreError(f'{name} must be at least {minimum}; got {number}.')
    if maximum is not None and number > maximum:
        raise RestoreError(f'{name} must be at most {maximum}; got {number}.')
    return number


def arg_to_bool(value, name, default=False):
    value = single_value(value, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('true', 'yes', '1'):
        return True
    if text in ('false', 'no', '0'):
        return False
    raise RestoreError(f'{name} must be true or false; got {printable(value)}.')


def arg_to_list(value, name):
    """XSOAR's list argument: a list (from context), a JSON array, or comma-separated text."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith('['):
            try:
                value = json.loads(text)
            except ValueError:
                raise RestoreError(f'{name} starts with "[" but is not a JSON list: {printable(text)}.') from None
            if not isinstance(value, list):
                raise RestoreError(f'{name} must be a JSON list of strings; got {printable(text)}.')
        else:
            value = text.split(',')
    elif not isinstance(value, (list, tuple)):
        value = [value]
    items = []
    for position, item in enumerate(value, 1):
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise RestoreError(f'{name} must hold text; item {position} is {type(item).__name__}.')
        text = str(item).strip()
        if not text:
            raise RestoreError(f'{name} has an empty item at position {position}; remove it.')
        items.append(text)
    return items


def hss_field_list(value, name):
    """A list argument for an HSS item field, each value checked against the field's documented length."""
    values = arg_to_list(value, name)
    limit = HSS_FIELD_LIMITS[name]
    for position, text in enumerate(values, 1):
        if len(text) > limit:
            raise RestoreError(f'{name} item {position} is {len(text)} characters long; HSS accepts 1 to {limit}.')
        if has_control_characters(text):
            raise RestoreError(f'{name} item {position} holds control characters (line breaks, tabs): '
                               f'{printable(text)}.')
    return values


def credential_part(params, name, part):
    """One part of a credentials (type 9) param, {identifier, password}; a plain param is taken as it is."""
    value = params.get(name)
    if isinstance(value, dict):
        value = value.get(part)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) else ''


def param_secret(params, name):
    """A secret param: XSOAR gives a credentials (type 9) param as {identifier, password}; older setups a string."""
    value = credential_part(params, name, 'password')
    if has_control_characters(value):
        # Never quoted: a secret with a line break would otherwise reach an error text in an escaped form
        # that redaction cannot recognise.
        raise RestoreError(f'The secret in the instance setting {name} holds a line break or another control '
                           f'character (pasted with it?). Enter it again.')
    return value


def param_identifier(params, name):
    """A user name or key ID: a credentials param's identifier, or a plain param."""
    value = credential_part(params, name, 'identifier')
    if has_control_characters(value):
        raise RestoreError(f'The user name or key ID in the instance setting {name} holds a line break or another '
                           f'control character: {printable(value)}. Enter it again.')
    return value


def param_float(params, name, default):
    """A timeout in seconds from the instance settings."""
    return param_number(params, name, default, 0.1, 3600)


def is_loopback_host(host):
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_base_url(url, setting, insecure):
    """Scheme and host (plus any path prefix) of a vendor URL; plain http only to loopback or when insecure."""
    parts = urlsplit(str(url).strip())
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise RestoreError(f'The instance setting {setting} must be a URL such as https://host; '
                           f'got {printable(url)}.')
    if parts.username or parts.password:
        raise RestoreError(f'The instance setting {setting} must not carry a user name or password; '
                           f'put credentials in their own settings.')
    if parts.scheme == 'http' and not insecure and not is_loopback_host(parts.hostname):
        raise RestoreError(f'The instance setting {setting} uses plain http to {parts.hostname}, which would '
                           f'send the credentials unencrypted. Use https, or check "Trust any certificate" '
                           f'for a test server.')
    return f'{parts.scheme}://{parts.netloc}{parts.path.rstrip("/")}'


def markdown_table(title, rows, headers):
    """A markdown table in the style of XSOAR's tableToMarkdown."""
    def cell(value):
        text = '' if value is None else str(value)
        return text.replace('|', '\\|').replace('\n', '<br>')

    lines = [f'### {title}']
    if not rows:
        return '\n'.join(lines + ['**No entries.**'])
    lines.append('|' + '|'.join(headers) + '|')
    lines.append('|' + '|'.join('---' for _ in headers) + '|')
    lines.extend('|' + '|'.join(cell(row.get(header)) for header in headers) + '|' for row in rows)
    return '\n'.join(lines)


def build_xdr_client(params):
    url = (params.get('xdr_url') or '').strip()
    key_id = param_identifier(params, 'xdr_api_key_id')
    key = param_secret(params, 'xdr_api_key')
    if not (url and key_id and key):
        missing = [name for name, value in (('xdr_url', url), ('xdr_api_key_id', key_id), ('xdr_api_key', key))
                   if not value]
        raise RestoreError('Cortex XDR is not configured: set ' + ', '.join(missing) + ' in the instance settings.')
    auth_type = (params.get('xdr_auth_type') or 'advanced').strip().lower()
    if auth_type not in XDR_AUTH_TYPES:
        raise RestoreError(f'The instance setting xdr_auth_type must be standard or advanced; got {printable(auth_type)}.')
    insecure, transport = transport_settings(params)
    return XdrClient(normalise_xdr_url(url, insecure), key_id, key, auth_type, **transport)


def normalise_xdr_url(url, insecure):
    base = normalise_base_url(url, 'xdr_url', insecure)
    return base[:-len(XDR_API_ROOT)] if base.endswith(XDR_API_ROOT) else base


def summarise_action(record, reply):
    """Per-endpoint statuses of a restore action, counted into an overall outcome."""
    statuses = reply.get('data') or {}
    reasons = reply.get('errorReasons') or {}
    endpoints = []
    for endpoint_id, status in sorted(statuses.items()):
        endpoint = {'endpoint_id': endpoint_id, 'status': status}
        if status not in XDR_RUNNING_STATUSES and status != XDR_SUCCESS_STATUS:
            endpoint['error_description'] = describe_error_reason(reasons.get(endpoint_id), status)
        endpoints.append(endpoint)
    running = [e for e in endpoints if e['status'] not in XDR_FINAL_STATUSES]
    restored = [e for e in endpoints if e['status'] == XDR_SUCCESS_STATUS]
    failed = [e for e in endpoints if e['status'] in XDR_FINAL_STATUSES and e['status'] != XDR_SUCCESS_STATUS]
    if running or not endpoints:
        outcome = OUTCOME_IN_PROGRESS
    elif not failed:
        outcome = OUTCOME_SUCCESS
    elif restored:
        outcome = OUTCOME_PARTIAL
    else:
        outcome = OUTCOME_FAILED
    return dict(record, status=outcome, restored_count=len(restored), failed_count=len(failed), endpoints=endpoints)


def describe_error_reason(reason, status):
    """Cortex XDR's reason for one endpoint: errorDescription, else the errorText inside errorData."""
    if isinstance(reason, dict):
        if reason.get('errorDescription'):
            return str(reason['errorDescription'])
        data = reason.get('errorData')
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                return data
        if isinstance(data, dict) and data.get('errorText'):
            return str(data['errorText'])
    elif isinstance(reason, str) and reason:
        return reason
    return f'Cortex XDR reported {status} without a reason. Open the action in Cortex XDR > Response > Action Center.'


def restore_record(file_hash, endpoint_id, incident_id, action_id, endpoints_count):
    """The context record of one file's restore; what is not known is left out rather than set to null."""
    record = {'action_id': action_id, 'file_hash': file_hash, 'endpoints_count': endpoints_count,
              'endpoint_id': endpoint_id, 'incident_id': incident_id}
    return {name: value for name, value in record.items() if value is not None}


def parse_restore_reply(reply):
    action_id = reply.get('action_id')
    if action_id in (None, ''):
        raise RestoreError('Cortex XDR accepted the restore but returned no action_id, so it cannot be followed. '
                           'Look for the action in Cortex XDR > Response > Action Center.')
    try:
        action_id = int(action_id)
    except (TypeError, ValueError):
        pass  # keep the vendor's form: it is only ever sent back
    try:
        endpoints_count = int(reply.get('endpoints_count'))
    except (TypeError, ValueError):
        endpoints_count = None
    return action_id, endpoints_count


class IntegrationContextCache:
    """The integration context (XSOAR keeps it per instance, between runs) as a small key-value store."""

    def __init__(self, runtime):
        self._runtime = runtime

    def load(self):
        return dict(self._runtime.getIntegrationContext() or {})

    def save(self, state):
        self._runtime.setIntegrationContext(state)


class MemoryCache:
    """A cache for runs that have no integration context."""

    def __init__(self):
        self._state = {}

    def load(self):
        return dict(self._state)

    def save(self, state):
        self._state = dict(state)


def transport_settings(params):
    insecure = arg_to_bool(params.get('insecure'), 'insecure')
    return insecure, {
        'verify': not insecure,
        'proxy': arg_to_bool(params.get('proxy'), 'proxy'),
        'timeout': (param_float(params, 'connect_timeout', DEFAULT_CONNECT_TIMEOUT),
                    param_float(params, 'read_timeout', DEFAULT_READ_TIMEOUT)),
        'max_retries': param_retries(params),
        'retry_backoff': param_number(params, 'retry_backoff', DEFAULT_RETRY_BACKOFF, 0, RETRY_BACKOFF_MAX),
        # A pooled connection for every request bulk work has in flight at once (max_concurrency, as build_pacer).
        'pool_maxsize': max(requests.adapters.DEFAULT_POOLSIZE,
                            int(param_number(params, 'max_concurrency', DEFAULT_MAX_CONCURRENCY, 1, 64))),
    }


def param_retries(params):
    """max_retries: a whole number from 0 (no retries) to 10."""
    number = param_number(params, 'max_retries', DEFAULT_MAX_RETRIES, 0, 10)
    if number != int(number):
        raise RestoreError(f'The instance setting max_retries must be a whole number from 0 to 10; '
                           f'got {printable(params.get("max_retries"))}.')
    return int(number)


def build_hss_client(params, cache=None):
    region = str(params.get('hss_region') or '').strip()
    project_id = str(params.get('hss_project_id') or '').strip()
    endpoint = str(params.get('hss_endpoint') or '').strip()
    if region and not re.fullmatch(r'[a-z0-9][a-z0-9-]{0,63}', region):
        raise RestoreError(f'The instance setting hss_region must be a region ID such as ap-southeast-1; '
                           f'got {printable(region)}.')
    if not project_id or not (endpoint or region):
        raise RestoreError('Huawei Cloud HSS is not configured: set hss_project_id, and hss_region or hss_endpoint, '
                           'in the instance settings.')
    if not re.fullmatch(r'[A-Za-z0-9_-]{1,64}', project_id):
        raise RestoreError(f'The instance setting hss_project_id must be a project ID (letters, digits, - and _); '
                           f'got {printable(project_id)}.')
    insecure, transport = transport_settings(params)
    base_url = normalise_base_url(endpoint or f'https://hss.{region}.myhuaweicloud.com', 'hss_endpoint', insecure)
    auth_type = str(params.get('hss_auth_type') or 'aksk').strip().lower()
    token_provider = None
    if auth_type == 'aksk':
        access_key, secret_key = param_identifier(params, 'hss_aksk'), param_secret(params, 'hss_aksk')
        if not (access_key and secret_key):
            raise RestoreError('AK/SK authentication needs hss_aksk: the access key ID as the user name and the '
                               'secret access key as the password.')
        auth = HuaweiAkSkAuth(access_key, secret_key, project_id)
    elif auth_type == 'token':
        domain = str(params.get('hss_domain') or '').strip()
        username, password = param_identifier(params, 'hss_credentials'), param_secret(params, 'hss_credentials')
        if not (domain and username and password):
            raise RestoreError('Token authentication needs hss_domain (the account name) and hss_credentials (the '
                               'IAM user name and password).')
        iam_endpoint = str(params.get('hss_iam_endpoint') or '').strip()
        if not (iam_endpoint or region):
            raise RestoreError('Token authentication needs hss_iam_endpoint or hss_region to find IAM.')
        iam_url = normalise_base_url(iam_endpoint or f'https://iam.{region}.myhuaweicloud.com', 'hss_iam_endpoint',
                                     insecure)
        token_provider = IamTokenProvider(iam_url, domain, username, password, project_id,
                                          cache if cache is not None else MemoryCache(), **transport)
        auth = HuaweiTokenAuth(token_provider)
    else:
        raise RestoreError(f'The instance setting hss_auth_type must be {" or ".join(HSS_AUTH_TYPES)}; '
                           f'got {printable(auth_type)}.')
    enterprise_project_id = str(params.get('hss_enterprise_project_id') or '').strip() or None
    return HssClient(base_url, project_id, auth, region=region or None, enterprise_project_id=enterprise_project_id,
                     token_provider=token_provider, **transport)


def broadcast_items(fields):
    """Explicit items from parallel lists; a list of one value applies to every item."""
    given = {name: values for name, values in fields.items() if values}
    count = max(len(values) for values in given.values())
    uneven = {name: len(values) for name, values in given.items() if len(values) not in (1, count)}
    if uneven:
        sizes = ', '.join(f'{name} has {len(values)}' for name, values in given.items())
        raise RestoreError(f'The item lists do not line up ({sizes}). Give each list one value to apply to every '
                           f'item, or the same number of values as the others.')
    return [{name: values[0] if len(values) == 1 else values[index] for name, values in given.items()}
            for index in range(count)]


def find_isolated_items(client, hosts, hashes, paths, enterprise_project_id):
    """Every isolated copy matching the hashes (or paths) on the hosts given (or any host).

    Returns the items to restore and a not_found row for each hash or path that matched nothing.
    """
    wanted_hosts, wanted_paths = set(hosts), set(paths)
    by_hash = bool(hashes)
    items, not_found, seen = [], [], set()
    for value in hashes or paths:
        filters = {'file_hash': value} if by_hash else {'file_path': value}
        matched = 0
        for found in client.iter_isolated_files(enterprise_project_id=enterprise_project_id, **filters):
            # Only exact matches count, whatever the listing filter matched on.
            if by_hash and str(found.get('file_hash', '')).lower() != value.lower():
                continue
            if (not by_hash or wanted_paths) and found.get('file_path') not in (wanted_paths or {value}):
                continue
            if wanted_hosts and found.get('host_id') not in wanted_hosts:
                continue
            key = (found.get('host_id'), found.get('file_hash'), found.get('file_path'))
            matched += 1
            if key not in seen:
                seen.add(key)
                items.append(found)
        if not matched:
            where = f'on host {", ".join(sorted(wanted_hosts))}' if wanted_hosts else 'on any host'
            row = {'file_hash': value} if by_hash else {'file_path': value}
            if len(wanted_hosts) == 1:
                row['host_id'] = hosts[0]
            row.update(outcome=OUTCOME_NOT_FOUND,
                       reason=f'HSS lists no isolated copy of this file {where}; it may be restored already.')
            not_found.append(row)
    return items, not_found


class _Cancelled(Exception):
    """Work a pacer did not start because an earlier item failed."""


class Pacer:
    """Bulk work at the vendor's pace: requests start at most ``rate`` per second, ``workers`` at a time.

    Starts are spaced evenly (a little under the rate, so network jitter cannot push a second's worth of
    arrivals over the tenant's limit); the vendor's 429 stays the last word and is retried by the transport.
    """

    RATE_MARGIN = 0.98

    def __init__(self, rate=None, workers=1, progress=None, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / (rate * self.RATE_MARGIN) if rate else 0.0
        self.workers = max(1, int(workers))
        self.progress = progress
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_start = 0.0

    def wait_turn(self):
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self.interval
        if start > now:
            self._sleep(start - now)

    def map(self, function, items, what='', settled=None):
        """``function`` over ``items``, results in the items' order.

        ``settled(item)``, when given, may return an item's result without waiting a turn or calling
        ``function`` (work that no longer needs sending). The first exception raised stops the work not
        started yet and is re-raised.
        """
        items = list(items)
        results = [None] * len(items)
        failed = threading.Event()

        def paced(index):
            known = settled(items[index]) if settled else None
            if known is not None:
                return index, known
            if failed.is_set():
                raise _Cancelled()
            self.wait_turn()
            try:
                return index, function(items[index])
            except BaseException:
                failed.set()
                raise

        if self.workers == 1 or len(items) <= 1:
            for index in range(len(items)):
                results[index] = paced(index)[1]
                self.report(what, index + 1, len(items))
            return results
        from concurrent.futures import ThreadPoolExecutor, as_completed  # only bulk work pays for the import

        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            futures = [pool.submit(paced, index) for index in range(len(items))]
            try:
                for done, future in enumerate(as_completed(futures), 1):
                    index, value = future.result()
                    results[index] = value
                    self.report(what, done, len(items))
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # what has not started never will
                errors = [f.exception() for f in futures if f.done() and not f.cancelled() and f.exception()]
                raise next((e for e in errors if not isinstance(e, _Cancelled)), errors[0]) from None
        return results

    def report(self, what, done, total):
        if self.progress and what and total > 1:
            self.progress(f'{what}: {done}/{total}')


def param_number(params, name, default, minimum, maximum):
    """A numeric instance setting within its bounds, or a RestoreError naming the setting."""
    value = params.get(name)
    if value in (None, ''):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not minimum <= number <= maximum:
        raise RestoreError(f'The instance setting {name} must be a number from {minimum:g} to {maximum:g}; '
                           f'got {printable(value)}.')
    return number


def build_pacer(params, client_kind, progress=None):
    """The pace of bulk work for one vendor, from the instance settings."""
    rate = param_number(params, f'{client_kind}_rate_limit', DEFAULT_RATE_LIMIT, 0.1, 1000)
    workers = int(param_number(params, 'max_concurrency', DEFAULT_MAX_CONCURRENCY, 1, 64))
    return Pacer(rate, workers, progress)


def pacer_of(client):
    """The pacer main() gave the client, or one that runs everything in turn."""
    return getattr(client, 'pacer', None) or Pacer()


def restore_in_batches(client, items, enterprise_project_id):
    """PUTs the items 100 at a time, batches side by side at the client's pace, and reports each item.

    A refusal that every later batch would meet too (credentials, permission, URL) stops sending; the
    batches not sent yet are reported failed with that reason.
    """
    batches = [items[start:start + HSS_MAX_ITEMS_PER_REQUEST]
               for start in range(0, len(items), HSS_MAX_ITEMS_PER_REQUEST)]
    stop = {}

    def not_sent(batch):
        return (OUTCOME_ITEM_FAILED, f'Not sent: {stop["reason"]}') if stop else None

    def send(batch):
        if stop:
            return not_sent(batch)
        payload = [{field: item[field] for field in HSS_FIELD_LIMITS if item.get(field) not in (None, '')}
                   for item in batch]
        try:
            client.restore_isolated_files(payload, enterprise_project_id)
        except VendorApiError as error:
            if error.http_status in (401, 403, 404):
                stop.setdefault('reason', str(error))
            return OUTCOME_ITEM_FAILED, str(error)
        except RestoreError as error:
            return OUTCOME_ITEM_FAILED, str(error)
        return OUTCOME_RESTORING, None

    rows = []
    outcomes = pacer_of(client).map(send, batches, what='HSS restore requests', settled=not_sent)
    for batch, (outcome, reason) in zip(batches, outcomes):
        for item in batch:
            row = {field: item.get(field) for field in ('host_id', 'host_name', 'file_hash', 'file_path')
                   if item.get(field) not in (None, '')}
            row['outcome'] = outcome
            if reason:
                row['reason'] = reason
            rows.append(row)
    return rows


''' COMMAND FUNCTIONS '''


def test_module(clients):
    """Checks every configured vendor; 'ok' or a RestoreError saying what is wrong."""
    if not clients:
        raise RestoreError('No vendor is configured: set the Cortex XDR URL, API key ID and API key, or the '
                           'Huawei Cloud HSS project ID, region and credentials.')
    if 'xdr' in clients:
        try:
            # Reading the status of action 0 needs a valid key and changes nothing. An answer about the action
            # itself (200, or 400/500 with Cortex XDR's reply) shows the key was accepted.
            clients['xdr'].get_action_status(0, retry_server_errors=False)
        except VendorApiError as error:
            if error.http_status in (401, 402, 403, 404, 429) or error.vendor_code is None:
                raise
    if 'hss' in clients:
        # One small signed listing (with a token fetched first, in token mode) proves URL, project and credentials.
        clients['hss'].list_isolated_files(limit=10)
    return 'ok'


def sha256_list(value, name='file_hash'):
    """One or more SHA256 values (text, comma-separated, JSON list or a list from context), deduplicated."""
    hashes = []
    for item in arg_to_list(value, name) or [None]:
        file_hash = validate_sha256(item, name)
        if file_hash not in hashes:
            hashes.append(file_hash)
    return hashes


def start_restores(client, hashes, endpoint_id, incident_id):
    """POST one restore per hash, side by side at the client's pace. With several hashes a refused one is
    reported, not fatal, unless all are. Returns the context records and the vendor's replies."""
    def start(file_hash):
        try:
            reply = client.restore_file(file_hash, endpoint_id, incident_id)
            action_id, endpoints_count = parse_restore_reply(reply)
        except RestoreError as error:
            if len(hashes) == 1:
                raise
            record = restore_record(file_hash, endpoint_id, incident_id, None, None)
            return dict(record, status=OUTCOME_FAILED, error=str(error)), None
        record = restore_record(file_hash, endpoint_id, incident_id, action_id, endpoints_count)
        return dict(record, status=OUTCOME_IN_PROGRESS), reply

    started = pacer_of(client).map(start, hashes, what='Cortex XDR restores sent')
    records = [record for record, _ in started]
    replies = [reply for _, reply in started if reply is not None]
    if not any(record['status'] == OUTCOME_IN_PROGRESS for record in records):
        raise RestoreError(f'Cortex XDR refused every one of the {len(records)} restores. '
                           f'{records[0]["error"]}')
    return records, replies


def restore_file_command(client, args):
    """!restore-file: restore quarantined files, then follow each action until every endpoint is final."""
    hashes = sha256_list(args.get('file_hash'))
    endpoint_id = validate_identifier(args.get('endpoint_id'), 'endpoint_id')
    incident_id = arg_to_int(args.get('incident_id'), 'incident_id', minimum=0)
    polling = arg_to_bool(args.get('polling'), 'polling', default=True)
    interval = arg_to_int(args.get('interval_in_seconds'), 'interval_in_seconds', minimum=MIN_POLLING_INTERVAL,
                          maximum=86400, default=DEFAULT_POLLING_INTERVAL)
    timeout = arg_to_int(args.get('timeout_in_seconds'), 'timeout_in_seconds', minimum=1, maximum=7 * 86400,
                         default=DEFAULT_POLLING_TIMEOUT)
    action_ids = [arg_to_int(value, 'action_id', minimum=0) for value in arg_to_list(args.get('action_id'),
                                                                                       'action_id')]
    if action_ids and len(action_ids) != len(hashes):
        raise RestoreError(f'action_id holds {len(action_ids)} action(s) for {len(hashes)} file_hash value(s); '
                           'it is set by the command itself while polling: run the command without it.')

    if not action_ids:
        records, replies = start_restores(client, hashes, endpoint_id, incident_id)
        started = [record for record in records if record['status'] == OUTCOME_IN_PROGRESS]
        where = f'endpoint {endpoint_id}' if endpoint_id else 'every endpoint holding it'
        if len(records) == 1:
            [record] = records
            where = f'endpoint {endpoint_id}' if endpoint_id else f'{record["endpoints_count"]} endpoint(s)'
            readable = f'Cortex XDR is restoring file {record["file_hash"]} on {where}: action {record["action_id"]}.'
        else:
            readable = markdown_table(
                f'Cortex XDR is restoring {len(started)} of {len(records)} files on {where}', records,
                ['file_hash', 'action_id', 'endpoints_count', 'status', 'error'])
        scheduled = None
        if polling:
            readable += f'\n\nChecking the status every {interval} seconds.'
            follow = dict(args, file_hash=','.join(r['file_hash'] for r in started),
                          action_id=','.join(str(r['action_id']) for r in started))
            scheduled = ScheduledCommand('restore-file', interval, follow, timeout)
        else:
            readable += '\n\nFollow the actions in Cortex XDR > Response > Action Center.'
        return CommandResults(readable, XDR_RESTORE_CONTEXT, records[0] if len(records) == 1 else records,
                              raw_response=replies[0] if len(replies) == 1 else replies,
                              scheduled_command=scheduled)

    def check(action_id):
        try:
            return client.get_action_status(action_id)
        except RestoreError as error:
            if len(action_ids) == 1:
                raise
            return error  # one unreadable status (after the transport's retries) does not stop the others

    checked = pacer_of(client).map(check, action_ids, what='Cortex XDR actions checked')
    summaries, replies = [], []
    for file_hash, action_id, reply in zip(hashes, action_ids, checked):
        if isinstance(reply, RestoreError):
            # Still in progress as far as we know: the next poll reads it again, until the polling timeout.
            record = restore_record(file_hash, endpoint_id, incident_id, action_id, None)
            summaries.append(dict(record, status=OUTCOME_IN_PROGRESS, restored_count=0, failed_count=0, endpoints=[],
                                  error=f'Status not read at this check; the next check reads it again. {reply}'))
            replies.append({'action_id': action_id, 'error': str(reply)})
            continue
        summaries.append(summarise_action(restore_record(file_hash, endpoint_id, incident_id, action_id,
                                                         len(reply.get('data') or {})), reply))
        replies.append(reply)
    done = all(summary['status'] != OUTCOME_IN_PROGRESS for summary in summaries)
    rows = [dict(endpoint, file_hash=summary['file_hash']) for summary in summaries
            for endpoint in summary['endpoints']]
    if len(summaries) == 1:
        [summary] = summaries
        title = (f'Restore of {summary["file_hash"]}: {summary["status"]} ({summary["restored_count"]} restored, '
                 f'{summary["failed_count"]} failed, action {summary["action_id"]})' if done else
                 f'Restore of {summary["file_hash"]}: in progress (action {summary["action_id"]})')
        readable = markdown_table(title, rows, ['endpoint_id', 'status', 'error_description'])
    else:
        finished = sum(summary['status'] != OUTCOME_IN_PROGRESS for summary in summaries)
        title = (f'Restore of {len(summaries)} files checked: {finished} actions final, '
                 f'{sum(s["restored_count"] for s in summaries)} endpoint restores done, '
                 f'{sum(s["failed_count"] for s in summaries)} failed')
        readable = markdown_table(title, rows, ['file_hash', 'endpoint_id', 'status', 'error_description'])
    scheduled = None
    if not done and polling:
        # Finished actions are final and already in context: the next check reads only those still running.
        running = [summary for summary in summaries if summary['status'] == OUTCOME_IN_PROGRESS]
        follow = dict(args, file_hash=','.join(r['file_hash'] for r in running),
                      action_id=','.join(str(r['action_id']) for r in running))
        scheduled = ScheduledCommand('restore-file', interval, follow, timeout)
    return CommandResults(readable, XDR_RESTORE_CONTEXT, summaries[0] if len(summaries) == 1 else summaries,
                          raw_response=replies[0] if len(replies) == 1 else replies, scheduled_command=scheduled)


def hss_restore_isolated_command(client, args):
    """!hss-restore-isolated: restore isolated files by hash, by host and path, or as exact items."""
    fields = {name: hss_field_list(args.get(name), name) for name in HSS_FIELD_LIMITS}
    enterprise_project_id = validate_identifier(args.get('enterprise_project_id'), 'enterprise_project_id',
                                                max_length=64)
    hosts, hashes, paths = fields['host_id'], fields['file_hash'], fields['file_path']
    if hosts and hashes and paths:
        items, rows = broadcast_items(fields), []
    elif hashes or (hosts and paths):
        if fields['file_attr']:
            raise RestoreError('file_attr is only used with exact items (host_id, file_hash and file_path together); '
                               'a restore by hash or by path takes each file\'s attributes from HSS.')
        items, rows = find_isolated_items(client, hosts, hashes, paths, enterprise_project_id)
    else:
        raise RestoreError('Say which files to restore: file_hash (optionally with host_id), host_id with '
                           'file_path, or host_id, file_hash and file_path together for exact items.')
    rows = restore_in_batches(client, items, enterprise_project_id) + rows
    counts = {outcome: sum(row['outcome'] == outcome for row in rows)
              for outcome in (OUTCOME_RESTORING, OUTCOME_ITEM_FAILED, OUTCOME_NOT_FOUND)}
    if counts[OUTCOME_ITEM_FAILED] and not counts[OUTCOME_RESTORING]:
        first = next(row for row in rows if row['outcome'] == OUTCOME_ITEM_FAILED)
        raise RestoreError(f'HSS restored none of the {counts[OUTCOME_ITEM_FAILED]} item(s) it was sent. '
                           f'{first["reason"]}')
    title = (f'Huawei Cloud HSS restore: {counts[OUTCOME_RESTORING]} restoring, {counts[OUTCOME_ITEM_FAILED]} '
             f'failed, {counts[OUTCOME_NOT_FOUND]} not found')
    readable = markdown_table(title, rows, ['host_id', 'host_name', 'file_path', 'file_hash', 'outcome', 'reason'])
    requests_sent = -(-len(items) // HSS_MAX_ITEMS_PER_REQUEST)
    return CommandResults(readable, HSS_RESTORE_CONTEXT, rows,
                          raw_response={'restore_requests': requests_sent, 'items': rows})


''' DISPATCH '''

# command -> (which client it needs, the function that runs it)
COMMANDS = {
    'restore-file': ('xdr', restore_file_command),
    'hss-restore-isolated': ('hss', hss_restore_isolated_command),
}

# client kind -> (the param that shows the vendor is in use, the builder taking (params, cache))
CLIENT_BUILDERS = {
    'xdr': ('xdr_url', lambda params, cache: build_xdr_client(params)),
    'hss': ('hss_project_id', build_hss_client),
}


def configured_clients(params, cache):
    """The clients of every vendor in use; a half-configured vendor raises what is missing."""
    return {kind: build(params, cache) for kind, (marker, build) in CLIENT_BUILDERS.items() if params.get(marker)}


def secret_values(params):
    """Every secret the instance holds, so that no message can carry one out by accident."""
    values = []
    for value in params.values():
        if isinstance(value, dict) and value.get('password'):
            values.append(str(value['password']))
    return [value for value in values if len(value) >= 4]


def redact(text, secrets_to_hide):
    for value in secrets_to_hide:
        text = text.replace(value, '<redacted>')
    return text


def main(demisto_obj=None):
    """Entry point: XSOAR calls it with its global ``demisto``; the war room passes its own."""
    runtime = demisto_obj if demisto_obj is not None else globals()['demisto']
    params = runtime.params() or {}
    command = runtime.command()
    hidden = secret_values(params)
    cache = IntegrationContextCache(runtime)
    try:
        if command == 'test-module':
            runtime.results(test_module(configured_clients(params, cache)))
            return
        if command not in COMMANDS:
            raise RestoreError(f'Command {command} is not implemented by this integration.')
        client_kind, command_function = COMMANDS[command]
        client = CLIENT_BUILDERS[client_kind][1](params, cache)
        # XSOAR shows bulk progress through the polling entries; the log line is for the war room and engines.
        client.pacer = build_pacer(params, client_kind, progress=lambda text: runtime.info(f'[progress] {text}'))
        result = command_function(client, runtime.args() or {})
        runtime.results(with_insecure_warning(result.to_entry(), params))
    except RestoreError as error:
        runtime.results(error_entry(redact(f'Failed to execute {command} command.\nError: {error}', hidden)))
    except Exception as error:  # noqa: BLE001 - an unexpected fault still becomes an entry, never a crash
        runtime.debug(redact(traceback.format_exc(), hidden))
        runtime.results(error_entry(redact(
            f'Failed to execute {command} command because of an unexpected {type(error).__name__}: {error}. '
            f'This is a fault in the integration; the debug log holds the traceback.', hidden)))


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
