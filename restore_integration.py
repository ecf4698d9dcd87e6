"""Quarantine Restore: gives quarantined files back once an incident turns out to be a false positive.

Runs unchanged inside Cortex XSOAR (which injects a global ``demisto``) and under the local ``warroom``
stand-in (which passes its own ``demisto`` object to ``main``). Imports only the standard library and
``requests`` (with urllib3, its transport) so that it starts fast in XSOAR's stock Python image.

Contents, in the order of the file (each section one concern, as XSOAR's HelloWorld lays them out):

1. CONSTANTS        API paths, statuses, context keys, retry numbers, the advice for each vendor error; the type
                    names of the records passed around (XdrRecord, HssCopy, HssState, InstanceParams, ...)
2. ERRORS           RestoreError (what went wrong and what to do), VendorApiError (keeps the vendor's words, a Huawei
                    policy's encoded refusal whole); a value, moment, setting in words (printable, short_text, utc_text,
                    setting_label); a failed request's cause, as checks compare it (failure_cause, RestoreError.unsent)
3. SETTINGS         the instance params read and checked once (read_instance_settings, the one reader) into named
                    tuples: first fetch (parse_first_fetch), event types (setting_event_types), enterprise project;
                    character checks shared with arguments (blanks, invisible characters: shown_text, typed_text);
                    URLs (normalise_base_url: plain http to loopback or if insecure; huawei_url: from the region)
4. TRANSPORT        one attempt loop per request (Attempt, RetryPolicy: a fault's backoff; HttpTransport.request, a
                    401 in token mode sent again with a new token) ending in a VendorReply (read whole, with its
                    attempts), its retries told in an error (retry_note); AdaptiveRateLimiter, shared by a vendor's
                    requests (a 429 slows it, a Retry-After pauses it: parse_retry_after, a date on the vendor's clock,
                    server_time_ms, beside this machine's, epoch_ms); the run's time limit (end_run_within, a Test's
                    too); redirects refused; replies up to 32 MB, gzip decoded; TLS, proxy and connection failures in
                    words; the SecretScrubber: every secret masked, in debug mode's log too (debug_log_masker)
5. REPLIES          a reply's JSON object (parse_json_body; json_object: a dict, or JSON text of one), a vendor
                    record's first text field (first_text), a vendor's error reply turned into a VendorApiError
                    (vendor_error), an HTML page in its host's words (html_page_note)
6. AUTHENTICATION   XdrApiKeyAuth, Huawei SDK-HMAC-SHA256 (AK/SK: sdk_signature), IamTokenProvider (renewed early; an
                    account ID typed as the name told); KeptRefusal: a refused password or secret key kept (secret_mark)
7. CORTEX XDR       XdrClient: restore a file, read an action's status (an ID of digits sent as a number); nothing
                    more sent once the key or license (401, 402) is refused, nor to an API the role is (403);
                    Cortex XDR's error form
8. HUAWEI CLOUD HSS HssClient: list isolated files (a copy met twice read again on pages of 1000), security events (a
                    fetch's window halved; a tie of one time met twice listed again), restore files (a lost PUT resent
                    with the items still isolated; a 2xx not in HSS's form is a lost answer: not_hss_answer); an access
                    key's requests one at a time until the gateway takes one, its refusal kept; a 401 as the token's
                    expiry (token_expired); HSS's error form (huawei_error_from_response)
9. BULK WORK        BulkRunner: work side by side, results and progress handed back to the main thread
10. XSOAR ENTRIES   RestoreResult (the entry; XSOAR's polling Timeout, a margin added), PollingSchedule, markdown_text
                    (a cell escaped), markdown_table, grouped_outcomes (thousands of rows by reason), war_room_value;
                    when a vendor's wait ends, said in an error (told_when) and a follow line (follow_after)
11. ARGUMENTS       every command argument checked before any request; the polling arguments and the hidden ones a
                    polling run carries (unread: a failure said whole once, then in a line: is_unread_cause,
                    said_whole_before; hss_restore_state); the next check (next_check: an interval on, or a Retry-After)
12. COMMAND: test-module
13. COMMAND: restore-file (Cortex XDR): start (a restore per hash; an endpoint ID of 32 hex digits lower-cased), check
                    (each action's endpoint statuses, a failed one's reason: describe_error_reason; a status not read
                    as at the check before in a line: unread_as_before; sends what an earlier run had no time to),
                    progress line, final table, follow line (xdr_follow_text)
14. COMMAND: hss-restore-isolated (Huawei Cloud HSS): start (find the isolated copies, not_found_row for a hash with
                    none; PUT them 100 at a time), check (each copy as HSS lists it now; a listing that fails as
                    before in a line: listing_as_before; the gateway's lock of the access key told whole once, with
                    its end: gateway_lock), the table and the follow command (hss_follow_command)
15. COMMAND: fetch-incidents (Huawei Cloud HSS events): two-day windows (halved in HssClient; a window a fetch stopped
                    in narrowed here: read_event_windows), oldest first, none twice (the IDs kept: next_last_run; a
                    clock set back waited for); each event's incident: name, severity, time (hss_event_incident)
16. DISPATCH        COMMANDS, settings_for (what a command reads), build_client (kept waits, if in scope: kept_wait_ms)
17. MAIN            ``main(demisto_obj=None)`` and run_command (a command run: XSOAR's built-in arguments dropped, its
                    execution-timeout, a TLS-off warning; a fetch's last run), the only code that talks to ``demisto``;
                    what earlier runs kept, read fresh and kept (read_integration_context, keep_context_or_say_why)
                    and a failure as an entry (report_failure)

Clients know HTTP and nothing of XSOAR; only MAIN's code (on the main thread) calls ``demisto``: in XSOAR each
call is a request and a reply on one channel to the server, not safe to share between threads.
"""
import errno
import fcntl
import functools
import hashlib
import hmac
import http.client
import io
import ipaddress
import json
import math
import os
import random
import re
import secrets
import select
import socket
import string
import sys
import termios
import threading
import time
import traceback
import unicodedata
import zlib
from base64 import b64encode
from bisect import bisect_right
from collections import Counter, defaultdict, deque
from contextlib import suppress
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
# Annotations are evaluated when each def runs (no `from __future__ import annotations`: demisto-sdk puts lines before
# this code, and a __future__ import anywhere but first is a SyntaxError), so a class defined further down is quoted.
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit
from urllib.request import getproxies

import requests
# urllib3 is requests' own transport (installed with it): the attempt loop below classifies its failures.
from urllib3.exceptions import (ConnectTimeoutError, DecodeError, HTTPError as Urllib3Error, NewConnectionError,
                                ProtocolError, ProxyError, ReadTimeoutError, SSLError as Urllib3SslError)
from urllib3.util import Timeout as SocketTimeouts, parse_url

''' CONSTANTS '''

JsonObject = dict[str, Any]  # a JSON object as a vendor sends it, or an entry, argument set or row we write
TextListener = Callable[[str], None]  # told each line of text as it happens: progress, a secret, a log line
Refused = Callable[[], str | None]  # why a request is not sent: another met a refusal it would meet too (None: none)

XDR_API_ROOT = '/public_api/v1'
XDR_RESTORE_PATH = '/endpoints/restore/'
XDR_ACTION_STATUS_PATH = '/actions/get_action_status/'

# Any other status (PENDING, IN_PROGRESS, PENDING_ABORT, one not known) still runs. CANCELED: CortexCoreIR's spelling.
XDR_FINAL_STATUSES = frozenset('COMPLETED_SUCCESSFULLY COMPLETED_PARTIAL FAILED TIMEOUT CANCELLED CANCELED ABORTED '
                               'EXPIRED'.split())
XDR_SUCCESS_STATUS = 'COMPLETED_SUCCESSFULLY'
XDR_UNREADABLE_STATUS = 'Cortex XDR answered the status check in a form this integration cannot read'

# A file's overall outcome (CortexXDR.RestoredFile.status).
XDR_OUTCOME_IN_PROGRESS = 'IN_PROGRESS'
XDR_OUTCOME_SUCCESS = 'COMPLETED_SUCCESSFULLY'
XDR_OUTCOME_PARTIAL = 'COMPLETED_WITH_FAILURES'
XDR_OUTCOME_FAILED = 'FAILED'

XDR_RESTORE_CONTEXT = 'CortexXDR.RestoredFile(val.file_hash == obj.file_hash && val.action_id == obj.action_id)'
XdrRecord = JsonObject  # a file's CortexXDR.RestoredFile record: the restore sent, then what a check read of its action
XdrRefusals = dict[str, list[str]]  # restore-file's refusals: {reason: [file_hash, ...]}, each reason once
XdrReply = JsonObject  # the "reply" object of a Cortex XDR answer

SHA256_PATTERN = re.compile(r'[0-9a-fA-F]{64}')
XDR_ENDPOINT_ID = re.compile(r'[0-9a-fA-F]{32}')  # as Cortex XDR lists its endpoints (xdr-get-endpoints)
HASH_LENGTH_NAMES = {32: 'an MD5', 40: 'a SHA1', 128: 'a SHA512'}
# Single IDs (XDR endpoint_id, HSS enterprise_project_id) are opaque (check_identifier): none can carry a path, a
# query, percent-encoding or a NUL into a request. HSS item fields are free text, sent as JSON or encoded query values.
MAX_IDENTIFIER_LENGTH = 256
MAX_WHOLE_NUMBER = 10 ** 18 - 1  # 18 digits, as the text form allows
FLOAT64_EXACT_BELOW = 2 ** 53  # XSOAR hands numbers on as float64s, exact for whole ones below this only

MIN_POLLING_INTERVAL = 10  # XSOAR runs a polling command no sooner than 10 s after the previous run
POLLING_DEFAULTS = {'interval_in_seconds': 10, 'timeout_in_seconds': 600}  # integration.yml's, in this order
# The server's own arguments, which a polling command's next run never carries (content-docs scheduled-commands.md).
XSOAR_BUILTIN_ARGUMENTS = frozenset('using using-brand using-category execution-timeout extend-context ignore-outputs '
                                    'raw-response retry-count retry-interval auto-extract debug-mode'.split())
# Fetch-incidents too, unless the server configuration key <integration_name>.<command_name>.timeout says otherwise
# (Cortex XSOAR 6.13 Administrator Guide, Integration Server Configurations); a long job polls, as its guide asks.
XSOAR_COMMAND_TIMEOUT_SECONDS = 180
XSOAR_STOPS_COMMAND = f'XSOAR stops a command after {XSOAR_COMMAND_TIMEOUT_SECONDS // 60} minutes'
XSOAR_TEST_TIMEOUT_SECONDS = 60  # an engine ends the dialog's Test then (demisto/content pull request 33691)
XSOAR_STOPS_TEST = f'XSOAR stops a Test of the instance after {XSOAR_TEST_TIMEOUT_SECONDS} s'
ENTRY_MARGIN_SECONDS = 10  # a run's requests end this long before XSOAR's timeout, to build the entry
RUN_LIMIT_SECONDS = XSOAR_COMMAND_TIMEOUT_SECONDS - ENTRY_MARGIN_SECONDS
MIN_ATTEMPT_SECONDS = 5  # an attempt starts only while this much is left; the next check reads what is unread
MAX_RUN_WAIT_SECONDS = RUN_LIMIT_SECONDS - MIN_ATTEMPT_SECONDS
# How long past its end an attempt's name lookup, connection and reply head (untimed as a whole by urllib3) may go on.
SEND_GRACE_SECONDS = 1
POLLING_TIMEOUT_MARGIN = 2 * XSOAR_COMMAND_TIMEOUT_SECONDS  # XSOAR's polling Timeout counts a first and a last run more
CHECK_LEAST_WAIT_SECONDS = 5  # a check's waits end with the polling time left, never sooner: late reads get turns too
DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT = 10.0, 60.0

# A fault (gateway error, refused or dropped connection, no answer in time, broken reply) goes again max_retries times
# at most, waiting under MAX_FAULT_WAIT_SECONDS in all. A 429 is no fault: it slows the vendor's limiter, uncounted.
DEFAULT_MAX_RETRIES = 4
DEFAULT_RETRY_BACKOFF = 0.5
RETRY_BACKOFF_MAX = 8.0
MAX_FAULT_WAIT_SECONDS = 30.0
# Sending again is safe (README, Reliability): reads repeat; a second XDR restore adds an action that restores nothing
# twice; a PUT HSS may have acted on goes again only with the items still isolated (HssClient._still_isolated).
THROTTLED_STATUS = 429
# Cortex XDR's 500 names a lasting reason (no quarantined copy of the file): a restore's is not retried. A Huawei HSS or
# IAM 500 is a transient "system error" (HSS.0001 is a 400 "Invalid parameter."): retried, a PUT only as a lost one.
RETRY_STATUSES = frozenset({502, 503, 504})
HUAWEI_RETRY_STATUSES = RETRY_STATUSES | {500}
# A gateway may answer 502 or 504 after passing the request on; Cortex XDR's 2xx not read (no reply object) acted.
MAYBE_APPLIED_STATUSES = frozenset({502, 504, *range(200, 300)})
# HSS documents no 500, nor that one means no change: failing part way through a PUT, it may have issued some tasks.
HSS_MAYBE_APPLIED_STATUSES = frozenset({500, 502, 504})

# Each setting as a message names it: its label in XSOAR's instance dialog (integration.yml's display; a credential's
# secret by its displaypassword, keyed "<name> password", named "password of <name>"), beside its name.
SETTING_NAMES = {name: f'"{label}" ({" of ".join(name.split()[::-1])})' for name, label in {
    'xdr_url': 'Cortex XDR server URL', 'xdr_api_key_id': 'Cortex XDR API key ID', 'xdr_api_key': 'Cortex XDR API key',
    'xdr_auth_type': 'Cortex XDR API key type', 'hss_endpoint': 'Huawei Cloud HSS endpoint',
    'hss_region': 'Huawei Cloud region', 'hss_project_id': 'Huawei Cloud project ID',
    'hss_enterprise_project_id': 'Huawei Cloud enterprise project ID', 'hss_auth_type': 'Huawei Cloud authentication',
    'hss_iam_endpoint': 'Huawei Cloud IAM endpoint', 'hss_domain': 'Huawei Cloud account name',
    'hss_credentials': 'Huawei Cloud IAM user name', 'hss_credentials password': 'Huawei Cloud IAM password',
    'hss_aksk': 'Huawei Cloud access key ID', 'hss_aksk password': 'Huawei Cloud secret access key',
    'connect_timeout': 'Connect timeout (seconds)', 'read_timeout': 'Read timeout (seconds)',
    'max_retries': 'Retries per request', 'retry_backoff': 'Retry backoff (seconds)',
    'xdr_rate_limit': 'Cortex XDR requests per second', 'hss_rate_limit': 'Huawei Cloud HSS requests per second',
    'max_concurrency': 'Requests in flight at once', 'insecure': 'Trust any certificate (not secure)',
    'proxy': 'Use system proxy settings', 'isFetch': 'Fetch incidents',
    'first_fetch': 'First fetch timestamp (<number> <time unit>, e.g., 12 hours, 7 days)',
    'max_fetch': 'Maximum number of incidents per fetch', 'event_types': 'HSS event types to fetch'}.items()}
URL_SETTINGS = {'Cortex XDR': SETTING_NAMES['xdr_url'],  # where each vendor's URL comes from, as messages name it
                'Huawei Cloud HSS': f'{SETTING_NAMES["hss_endpoint"]} or {SETTING_NAMES["hss_region"]}',
                'Huawei Cloud IAM': f'{SETTING_NAMES["hss_iam_endpoint"]} or {SETTING_NAMES["hss_region"]}'}

# What an attempt met when no usable answer came back (Attempt.fault).
FAULT_NO_CONNECTION = 'no connection'
FAULT_PROXY_REFUSED = 'a refusal by the proxy'  # its rule (a 4xx to CONNECT) or its login: it holds at a next check
FAULT_NO_ANSWER = 'no answer in time'
FAULT_DROPPED = 'a dropped connection'
FAULT_BROKEN_REPLY = 'a broken reply'
FAULT_TLS = 'no TLS connection'  # a handshake that failed, or a CA bundle not loaded (tls_failure): nothing sent
# Why a request met no fault and no status: no attempt of it went out (RestoreError.unsent; else NOT_SENT)
NO_TIME_LEFT = 'no time left to send it'  # its turn came past what the run may wait, or past its last start
REFUSED_ELSEWHERE = "not sent for another request's refusal"  # which it would meet too (_unless_refused)
NOT_SENT = 'not sent for another reason'  # no IAM token (IAM's fault), the environment's proxy unusable, a refusal kept
# A failure without an HTTP status, by kind (failure_cause): what a later check compares, never the words. An older
# version's 'not sent' (any of the three) is read, and met by none: the check that reads it says its failure whole.
NO_STATUS_CAUSES = frozenset({FAULT_NO_CONNECTION, FAULT_PROXY_REFUSED, FAULT_NO_ANSWER, FAULT_DROPPED,
                              FAULT_BROKEN_REPLY, FAULT_TLS, NO_TIME_LEFT, REFUSED_ELSEWHERE, NOT_SENT, 'not sent'})
FAULTS_AFTER_SENDING = frozenset({FAULT_NO_ANSWER, FAULT_DROPPED, FAULT_BROKEN_REPLY})  # the service may have acted
AGAIN_WORDS = {caller: {'again': words, 'Again': words.capitalize()} for caller, words in {  # by settings.caller
    'command': 'try again later', 'Test': 'test again later', 'fetch': 'wait for the next fetch'}.items()}
TEST_AGAIN = 'Test again in a moment.'  # a Test's throttle, as Cortex XDR's Test says: a running wait's end replaces it
NO_ANSWER_ADVICE = f'{{Again}}, or raise {SETTING_NAMES["read_timeout"]}.'
BROKEN_REPLY_ADVICE = 'Check {url}; if it is right, {again}.'  # url: the vendor's URL_SETTINGS
# A SOCKS5 proxy refusing its login (RFC 1929), or asking for one none is set for, as PySocks (in XSOAR's image) words
# it: a connection error. Its reply 0xFF (RFC 1928), none of the methods offered acceptable, is said apart (a login
# in the URL is then not sent): PySocks offers no login, and username and password only when the URL holds both.
SOCKS_NO_METHOD = 'All offered SOCKS5 authentication methods were rejected'
SOCKS_LOGIN_REFUSED = (f'SOCKS5 authentication failed|{SOCKS_NO_METHOD}|'
                       r'Server requested username/password authentication')
# OpenSSL loading a CA bundle that holds no PEM certificate (a DER file, a key, a damaged PEM): before any handshake.
TLS_BUNDLE_UNREADABLE = r'(?i)\[X509\]|PEM lib|no certificate or crl found'
# A certificate this side refused (OpenSSL's and urllib3's words), not a handshake the server broke off (tls_failure).
TLS_CERTIFICATE_REFUSED = (r'(?i)certificate[ _]verify[ _]failed|hostname mismatch|doesn\'t match|self[- ]signed '
                           r'certificate|certificate has expired|unable to get local issuer')
# Codings undone a piece at a time (decoded_body; not requests' br, zstd): deflate is zlib's (RFC 9110), else raw.
ACCEPT_ENCODING = 'gzip, deflate'
CODING_WBITS = {'gzip': 16 + zlib.MAX_WBITS, 'x-gzip': 16 + zlib.MAX_WBITS, 'deflate': zlib.MAX_WBITS}

# Cortex XDR documents 10 requests/s per tenant, shared by all its keys and integrations; Huawei's API gateway publishes
# none, so its limiter starts above any likely limit and finds it from 429s.
XDR_DEFAULT_RATE_LIMIT, HSS_DEFAULT_RATE_LIMIT = 10.0, 100.0
DEFAULT_MAX_CONCURRENCY = 8

# The scrubber's depth (entries nest a dozen levels): hundreds would pass Python's recursion limit, in json.dumps too.
MAX_SHOWN_DEPTH = 64
TOO_DEEP_TEXT = f'(nested more than {MAX_SHOWN_DEPTH} levels deep: not shown)'
MAX_FOLLOW_COMMAND_LENGTH = 2000  # a follow command an analyst can paste; past it, the command says what to repeat
XDR_PAIRED_ACTION_IDS = ('Give one action ID per file_hash, in the same order: the action_id of each file\'s record '
                         'in CortexXDR.RestoredFile, as the restore-file line of a last check (or of a run without '
                         'polling) gives them (a record without one was never followed). Left out, action_id makes the '
                         'command send a new restore of each file, a second action where one still runs.')
# Sent late only while a next check can follow it (two intervals left); what to do follows (a fault's advice, once).
XDR_NO_TIME_TO_FOLLOW = ('{left} s of polling time {were} left (timeout_in_seconds {timeout}), too little to send it '
                         'and follow it (it takes {needed} s).')
XDR_INCIDENT_ID_KEPT = ("XSOAR's context keeps a Number (CortexXDR.RestoredFile.incident_id) exactly only below "
                        f'{FLOAT64_EXACT_BELOW}. Cortex XDR numbers incidents 1, 2, 3, ...: give the ID it shows.')

# The words that tell a restore-file start that followed no action from a refusal: Cortex XDR may have started it (its
# answer lost, or an HTTP 200 not read), or accepted it without an action ID a check can read.
XDR_MAY_HAVE_STARTED = 'may have started this restore even so'
XDR_LOOK_BEFORE_AGAIN = 'look for the file in Cortex XDR > Response > Action Center before restoring it again.'
XDR_NOT_FOLLOWABLE = 'so it cannot be followed'
# Cortex XDR's reason for an endpoint says what went wrong there, not what to do: the last report says it.
XDR_FAILED_ENDPOINT_STEP = ('For each endpoint that failed: once what its error_description says is fixed, restore '
                            'the file there in Cortex XDR > Response > Action Center, or run restore-file with that '
                            'file_hash and endpoint_id.')
XDR_NO_ENDPOINT = 'included no endpoint'  # endpoints_count 0, the seed's "Number of endpoints included in the request"
XDR_START_LABELS = {XDR_MAY_HAVE_STARTED: 'May have started', XDR_NOT_FOLLOWABLE: 'Accepted, not followed',
                    XDR_NO_ENDPOINT: 'Nothing to restore'}
XDR_NOT_STARTED_LABEL = 'Not started'
# A late send whose latest record says another run sent it since, unfollowed (its may_have_started): not sent blind.
XDR_UNFOLLOWED_ELSEWHERE = (f'Not sent again: another run sent it since (the post-processing script, at the '
                            f'incident\'s close, say) and could not follow it; Cortex XDR {XDR_MAY_HAVE_STARTED}: '
                            f'{XDR_LOOK_BEFORE_AGAIN}')

# A throttle no run waited out (restore-file; hss-restore-isolated's start put off, HSS taking none: start_put_off).
# run_wait: the run's own wait for turns (its transport's), MAX_RUN_WAIT_SECONDS unless execution-timeout is shorter.
THROTTLED_RESTORE_ADVICE = ('Run the command again later, or with polling=true and a larger timeout_in_seconds: one '
                            'run waits at most {run_wait} s, and a polling one sends the restore once the wait has '
                            'passed.')
XDR_THROTTLED = ('Cortex XDR is rate limiting this tenant (10 requests per second, shared by every key and '
                 'integration of the tenant)')
XDR_ERROR_ADVICE = {
    400: 'Cortex XDR took the request as malformed, though its values were well formed: an incident_id must be an '
         'incident of this tenant holding the file, file_hash a file it quarantined (its message may name one).',
    401: 'Cortex XDR did not accept the API key. Check its ID, the key and the key type, standard or advanced, in '
         f'the instance settings ({SETTING_NAMES["xdr_api_key_id"]}, {SETTING_NAMES["xdr_api_key"]}, '
         f'{SETTING_NAMES["xdr_auth_type"]}); an advanced key also needs this machine\'s clock to be right within a '
         'few minutes.',
    402: 'The tenant lacks the license this API needs, Cortex XDR Prevent, Pro per Endpoint or Pro per GB: ask its '
         'administrator.',
    403: 'The API key\'s role is not allowed to restore files. Give the role the Action Center permissions (View/Edit '
         'and Quarantine), or use a key whose role has them.',
    404: f'{SETTING_NAMES["xdr_url"]} does not lead to the Cortex XDR public API. Copy the API URL again (it starts '
         'with https://api-) from Cortex XDR > Settings > Configurations > Integrations > API Keys, or Settings > API '
         'Keys in an older console.',
    429: f'{XDR_THROTTLED}. {THROTTLED_RESTORE_ADVICE}',
    500: 'Cortex XDR could not carry out the request. Its message, quoted at the end, often says what is '
         'missing (for example no quarantined copy of the file); otherwise try again later.'}
# A status read (actions/get_action_status) refused: about reading the action, not the restore.
XDR_MISTYPED_ACTION = ' (an action ID it does not know: check action_id, it may be mistyped)'  # typed by hand only
XDR_STATUS_ERROR_ADVICE = {
    **XDR_ERROR_ADVICE,
    400: 'Cortex XDR rejected the status request as malformed: it did not take the action ID as sent '
         '(group_action_id). Follow the action in Cortex XDR > Response > Action Center.',
    403: 'The API key\'s role lacks the permission to read action statuses, Action Center View/Edit: give it to the '
         'role, or use a key whose role has it.',
    429: f'{XDR_THROTTLED}. It throttled the action status read, not the restore, which goes on in Cortex XDR.',
    500: 'Cortex XDR gave no status of the action. Its message, quoted at the end, often says why'
         f'{XDR_MISTYPED_ACTION}; otherwise try again later.'}
# test-module's probe (action 0's status) refused: for an admin, with no action to follow and no polling.
XDR_TEST_ERROR_ADVICE = {
    **XDR_ERROR_ADVICE, 429: f'{XDR_THROTTLED}. {TEST_AGAIN}',
    400: 'The action status read this test makes was refused as malformed, not in Cortex XDR\'s error form (a proxy '
         f'or gateway may have: its answer is quoted at the end). Check {SETTING_NAMES["xdr_url"]}, then test again.',
    403: 'The API key\'s role is not allowed to read action statuses, which this test does. Give the role the Action '
         'Center permissions restore-file needs (View/Edit and Quarantine), or use a key whose role has them.',
    500: 'Cortex XDR could not read the action status this test reads, and did not answer in its own error form (a '
         'gateway in front of it may have: its answer is quoted at the end). Test again later.'}
# Any other status: mostly a 5xx of the service or a gateway in front of it, a fault (README, Reliability) retried first
GENERIC_ERROR_ADVICE = ('The server could not carry out the request this time. {Again}; if it persists, '
                        'check {url} and the vendor\'s status page.')  # url: the vendor's URL_SETTINGS

# Huawei Cloud API Gateway request signing (AK/SK), as the official SDK's Signer does it.
SDK_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256'
SDK_DATE_HEADER = 'X-Sdk-Date'

HUAWEI_REGION_DOMAINS = {'eu-west-101': 'myhuaweicloud.eu'}  # else myhuaweicloud.com, as Huawei's SDKs list them
HSS_API_ROOT, IAM_API_ROOT = '/v5', '/v3'  # also taken off an endpoint setting that ends in one (IAM's auth_url does)
HSS_ISOLATED_FILE_PATH = f'{HSS_API_ROOT}/{{project_id}}/event/isolated-file'
HSS_EVENTS_PATH = f'{HSS_API_ROOT}/{{project_id}}/event/events'
IAM_TOKENS_PATH = f'{IAM_API_ROOT}/auth/tokens'
# IAM's token API ("Obtaining a User Token Through Password Authentication"): nocatalog, any non-empty value, leaves
# out the catalog of every service's endpoints, which nothing here reads
IAM_NO_CATALOG = {'nocatalog': 'true'}
HSS_MAX_ITEMS_PER_REQUEST = 100  # some language versions of the API page cap data_list at 100
HSS_LIST_PAGE_SIZE, HSS_LIST_MAX_LIMIT = 200, 1000  # the listing's limit, and the most the API takes (10 to 1000)
HSS_HOST_NAME_FILTER_MAX = 64  # the listing's host_name filter takes 1 to 64 characters (a name it lists, up to 256)
HSS_MAX_OFFSET = 2_000_000  # both listings refuse a larger offset: no row past it can be read
HSS_FIELD_LIMITS = {'host_id': 64, 'file_hash': 256, 'file_path': 256, 'file_attr': 256}
# hss-restore-isolated's item fields as read: each HSS_FIELD_LIMITS name -> its values; and HSS_UNPAIRED, ['false']
# when pair_by_position=false (each path on every host given), [] when host_id and file_path pair position by position
HssFields = dict[str, list[str]]
HSS_UNPAIRED = 'pair_by_position'
HssCopy = JsonObject  # an isolated copy: as HSS lists it, as an item sent, or as its row in the context (hss_row)
HssCopyKey = tuple[Any, str, Any]  # a copy's host, hash and path (copy_key)
HssPage = JsonObject  # one page of an HSS listing: {"total_num": N, "data_list": [...]}
HssState = dict[str, int | None]  # restore_state as hss_restore_state reads it (state_text writes it)
HssProgress = tuple[list[HssCopy], int, int, int]  # a check's rows, then copies unlisted, untaken, at most unlisted
HSS_ROW_FIELDS = tuple('host_id host_name file_hash file_path'.split())  # an item's row in context, in this order
# No truthiness term: a not_found row has no host, and must still replace the same row of an earlier run.
HSS_RESTORE_CONTEXT = ('HuaweiHSS.RestoredFile(val.host_id == obj.host_id && val.file_hash == obj.file_hash && '
                       'val.file_path == obj.file_path)')
# The API Gateway's "The token must be updated", in both its prefixes (Huawei's FAQs still show the older APIG.)
HUAWEI_TOKEN_EXPIRED = frozenset({'APIGW.0307', 'APIG.0307'})
# Its "Incorrect IAM authentication information" is an expired token too when its message says so (the OCR FAQ "How Do
# I Handle the Error APIG.0301?": "token expires, expires_at: xxx"); otherwise a token of another environment.
HUAWEI_AUTH_FAILED = frozenset({'APIGW.0301', 'APIG.0301'})
HUAWEI_TOKEN_EXPIRES = 'token expires'
# Where huaweicloudsdkcore's DefaultExceptionHandler looks for an error's code and message (IAM's in "error"), in order.
HUAWEI_ERROR_FIELDS = (('error_code', 'error_msg'), ('errorCode', 'errorMsg'), ('code', 'message'))
# In an item's row in place of VendorApiError.decode: its kilobytes on each of thousands of rows would be megabytes.
HSS_DECODE_IN_ENTRY = (' To see which identity policy refused it, decode its encoded reason with IAM\'s '
                       'DecodeAuthorizationMessage API: the war-room entry (or script note) of the run that sent this '
                       'restore gives both once.')
# An HSS item's outcome (HuaweiHSS.RestoredFile.outcome).
HSS_OUTCOMES = tuple('restored restoring failed not_found'.split())
HSS_OUTCOME_RESTORED, HSS_OUTCOME_RESTORING, HSS_OUTCOME_FAILED, HSS_OUTCOME_NOT_FOUND = HSS_OUTCOMES
# A copy's isolation_status as HSS lists it: the PUT only issues the task; "restored" is when it is done.
HSS_STATUSES = tuple('isolated isolating restoring restored'.split())  # isolating: its isolation task issued, not done
HSS_STATUS_ISOLATED, HSS_STATUS_ISOLATING, HSS_STATUS_RESTORING, HSS_STATUS_RESTORED = HSS_STATUSES
# HSS's Date header counts whole seconds: a copy this restore changed was updated at most this before it first accepted.
HSS_ACCEPT_CLOCK_MARGIN_MS = 1000
HSS_ALL_ENTERPRISE_PROJECTS = 'all_granted_eps'  # enterprise_project_id: every enterprise project the user may see
HUAWEI_UUID = '[0-9a-fA-F-]{36}'  # HSS's host IDs; enterprise project IDs too, but the default one's, 0 (EPS's docs)
HSS_CHECK_BY_HASH_MAX = 20  # a check lists up to this many hashes each alone (every status); more: one project listing
# An exact item HSS lists in no status at a check (the host removed from HSS, or the copy deleted).
HSS_NO_LONGER_LISTED = 'HSS no longer lists this copy, isolated or restored: check the host in the HSS console.'
# The same in the whole project's listing, which can miss a row while paging: not taken as restored, nor as gone.
HSS_NOT_LISTED_AT_CHECK = ('HSS did not list this copy at this check, isolated or restored; the next check reads it '
                           'again. If it stays unlisted, check the host in the HSS console.')
# Given once, in the entry: the command names every hash asked, and thousands of rows repeating it would be megabytes.
HSS_FOLLOW_IN_ENTRY = ("To follow it, run the follow command of the last check's entry, given once for every copy "
                       'below its table (and in its raw response, follow_commands).')
HSS_NOT_LISTED_AT_LAST_CHECK = ('HSS did not list this copy at the last check, isolated or restored, so whether it is '
                                f'back is not known: check the host in the HSS console. {HSS_FOLLOW_IN_ENTRY}')
HSS_RESTORED_BEFORE = 'HSS lists this copy restored since before this restore: it was back already.'
HSS_CHECK_REFUSED = ('Not followed to the end: HSS refused a check (credentials, permission, URL, or a listing twice): '
                     'whether it is back is unknown. Fix what its entry names, then run the command it gives.')
# A status HSS's API Reference does not name (a later version's): still listed, so followed to the timeout.
HSS_UNNAMED_STATUS = ('HSS lists this copy as {status}, a status its API Reference does not name (isolated, isolating, '
                      'restoring, restored), so whether it is back is not known: check the host in the HSS console.')
# A start that lists no isolated copy: those HSS lists restoring (a restore in flight), or, for a start put off by
# throttling (start_put_off), restored since, are another restore's, not missing.
HSS_TAKEN_ELSEWHERE = {
    HSS_STATUS_RESTORING: 'HSS lists this copy restoring: another restore has it (this one found it no longer '
                          'isolated and sent nothing for it); follow it there.',
    HSS_STATUS_RESTORED: 'HSS lists this copy restored: another restore gave it back (this one, put off by '
                         'throttling, found it no longer isolated and sent nothing for it).'}
HSS_ISOLATED_AGAIN = ('HSS accepted the restore, then listed the file as isolated again: the host\'s agent could not '
                      'put it back, or put it back and HSS isolated it anew (a new detection). Check the host\'s '
                      'events and isolated files in the HSS console (Intrusions > Events), then restore it again if '
                      'it should be back.')
# The same at a check that takes any change as its restore's (accepted at 0: the gate's check of a copy whose rows name
# no moment a restore was taken): no restore of it is known, so the copy is not back.
HSS_ISOLATED_NOW = {
    HSS_STATUS_ISOLATED: 'HSS lists this copy isolated: this check (restore_state at 0, any change) knows of no '
                         'restore HSS took of it, so the file is still quarantined. A restore may be sent: run the '
                         'command with the same host_id, file_hash and file_path, without restore_state.',
    HSS_STATUS_ISOLATING: 'HSS lists this copy isolating (its isolation task issued, not done): this check '
                          '(restore_state at 0, any change) knows of no restore HSS took of it, so the file is still '
                          'quarantined. Once HSS lists it isolated, a restore may be sent: run the command with the '
                          'same host_id, file_hash and file_path, without restore_state.'}
# A copy this restore sent, unchanged since: not acted on, yet (no public fact says HSS lists a copy restoring at once,
# and a gateway's 504 may be carried out late), so restoring while checks follow: {status: (then, at the last)}.
HSS_NOT_TAKEN = {
    HSS_STATUS_ISOLATED: (
        'HSS still lists this copy isolated, unchanged since this restore was sent: HSS has not acted on it yet (a '
        'request whose answer was lost may be carried out late, or never). The next check reads it again; if no check '
        'after it sees it change, it is reported failed.',
        'HSS lists this copy isolated, unchanged since this restore was sent: HSS did not act on it (a request whose '
        'answer was lost may never have reached it). Run the command again to restore it.'),
    HSS_STATUS_ISOLATING: (
        'HSS still lists this copy isolating (its isolation task issued, not done), unchanged since this restore was '
        'sent: HSS has not acted on the restore yet. The next check reads it again; if no check after it sees it '
        'change, it is reported failed.',
        'HSS lists this copy isolating (its isolation task issued, not done), unchanged since this restore was sent: '
        'HSS did not act on the restore. Run the command again once HSS lists it isolated.')}
TOKEN_REFRESH_MARGIN_SECONDS = 600  # a cached IAM token is replaced this long before it expires: none goes out dying
TOKEN_CACHE_KEY = 'hss_iam_token'  # the IAM token, or IAM's refusal of the password, or the gateway's of the access key
HSS_PAUSE_KEY = 'hss_paused_until'  # JSON: until when HSS's Retry-After holds its URL (scope) back, when kept (ms)
IAM_PAUSE_KEY = 'hss_iam_paused_until'  # the same of IAM's Retry-After for the token requests of one identity (scope)
CONTEXT_WRITE_TRIES = 3  # versioned writes refused as another run wrote first (CSP's CONTEXT_UPDATE_RETRY_TIMES)
# Huawei Cloud IAM's default lockout ("Login Authentication Policy"): 5 failed logins in 15 minutes lock a user, maybe
# shared with other tools and people, for 15 minutes no one can cut short.
IAM_LOCKOUT_FAILED_LOGINS = 5
IAM_LOCKOUT_PERIOD_SECONDS = 15 * 60
# A password IAM refused (401) is not sent again for a period, but by test-module (it has no integration context):
# at most 2 failed logins in any period, below the least maximum allowed (3, reached over a period past 30 minutes).
IAM_REFUSAL_PAUSE_SECONDS = IAM_LOCKOUT_PERIOD_SECONDS
# HSS's API gateway locks an access key, every tool's that signs with it, for 5 minutes once it refused 5 of its
# requests in a row: a secret key it refused (401) is not sent again for this long (but by test-module), so the instance
# alone reaches the 5th refusal in a row an hour after the first at the soonest, its fetches failing each minute till.
AKSK_REFUSAL_PAUSE_SECONDS = 15 * 60
# The integration context is read by admins and logs, so a refusal keeps the secret's 8-bit mark only: PBKDF2-HMAC-
# SHA256's first byte, salted with the IAM account and user (the access key), of this many rounds. It rules out no
# guess, narrows a list 256 times at a PBKDF2 each, and lets a changed secret through at once with 255/256 odds.
SECRET_MARK_ROUNDS = 100_000
IAM_THROTTLE_BACKOFF_MAX = 20.0  # IAM's limit is the account's, other tools' too: back off as botocore's standard mode

# fetch-incidents: HSS host security events (ListSecurityEvents), one incident each. Huawei's documents name no event
# time begin_time and end_time filter on, nor an order: taken as occur_time, the one time an event gives of when it
# occurred (one listed by another time of its window is kept seen until the window's end: read_event_windows); no order.
HSS_EVENT_PAGE_SIZE = 1000  # the most the API takes (ListSecurityEventsRequest's limit: 10 to 1000)
# A window is read whole only while its total_num (first page) fits in this many pages; a larger one (a backlog) is
# halved until it fits or spans under a second, relying on no listing order. An overstated total_num never fits: once
# halving stops telling (total_num_not_narrowing), the page past these is read; if empty, the window is paged through.
HSS_FETCH_WINDOW_PAGES = 10
# ListSecurityEventsRequest's event_types (SDK v5): host events' (the fetch lists category=host), container events'
HSS_EVENT_TYPES, HSS_CONTAINER_EVENT_TYPES = (frozenset(map(int, codes.split())) for codes in (
    '1001 1002 1003 1004 1005 1006 1010 1011 1012 1015 1016 1017 2001 2012 2047 2048 2049 3002 3003 3004 3005 3007 '
    '3015 3018 3026 3027 3029 3030 3031 4002 4004 4006 4014 4020 6002 6003', '3036 13001 13002 13003 13004'))
HSS_FETCH_REQUESTS = 20  # listing requests past which a fetch starts no new window; the next one goes on from there
# What tells apart events that have no event_id: when, where and what HSS detected (EventManagementResponseInfo).
HSS_EVENT_IDENTITY_FIELDS = tuple('occur_time host_id host_name event_type event_class_id event_name file_info_list '
                                  'process_info_list'.split())
HSS_EVENT_MAPPED_TEXTS = 'host_name host_id event_id event_name'.split()  # text, in single-value fields
# HSS may read begin_time and end_time to the second, rounded either way (Open Telekom Cloud's HSS: "accurate to
# seconds"; Huawei's SDK: 13-digit ms), or leave begin_time out: a listing asks from its time's second (the ms before,
# for a whole second), and from up to a second earlier (the lead); the events it may list again there are kept as seen.
HSS_TIME_RESOLUTION_MS = 1000
HSS_EVENT_TIME_LEAD_MS = HSS_TIME_RESOLUTION_MS
HSS_EVENT_WINDOW_MS = 2 * 86_400_000 - HSS_EVENT_TIME_LEAD_MS  # begin_time to end_time may span two days at most
HSS_EVENT_MAX_AGE_DAYS = 30  # the farthest back the API looks (last_days 1-30)
HSS_EVENT_MAX_AGE_MS = HSS_EVENT_MAX_AGE_DAYS * 86_400_000
# Each fetch rereads 30 minutes (HSS's clock) for events listed late: an agent back online, a long scan, a host lagging.
HSS_FETCH_OVERLAP_MS = 30 * 60_000
HSS_FETCH_SEEN_MAX = 1000  # event IDs a last run keeps, the newest (about 40 KB): the next fetch reads back that far
# How far ahead of this machine's clock (set back) the last fetch's end may lie, the fetch waiting; further, the first
# fetch window applies. It bounds a polling run's restore_state and restore-file's polling_started too.
CLOCK_STEP_MAX_MS = 86_400_000
EPOCH = datetime.fromtimestamp(0, timezone.utc)
EPOCH_MS_MIN, EPOCH_MS_MAX = -62_135_596_800_000, 253_402_300_799_999  # 0001-01-01 to 9999-12-31, in ms since EPOCH
# first_fetch's units: XSOAR's help text's, minutes, weeks and letters (12h, 3d; not m, minutes or months); no calendar
DURATION_UNITS_MS = {'minute': 60_000, 'hour': 3_600_000, 'h': 3_600_000, 'day': 86_400_000, 'd': 86_400_000,
                     'week': 7 * 86_400_000, 'w': 7 * 86_400_000, 'month': 30 * 86_400_000, 'year': 365 * 86_400_000}
FIRST_FETCH_REFUSED = (f'The instance setting {SETTING_NAMES["first_fetch"]} must be a number and a unit reaching back '
                       f'more than 0 and at most {HSS_EVENT_MAX_AGE_DAYS} days (HSS lists no older events), such as 3 '
                       'days, 12 hours ago, 1 month, 12h, 3d or 2w; yesterday or today; or an ISO 8601 date or '
                       'date-time before now: YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or YYYY-MM-DDThh:mm:ss+hh:mm; got')
HSS_SEVERITY_TO_XSOAR = {'Security': 0.5, 'Low': 1, 'Medium': 2, 'High': 3, 'Critical': 4}  # XSOAR: 0.5 informational

HSS_THROTTLED = 'Huawei Cloud is throttling these requests.'
HSS_ERROR_ADVICE = {
    400: 'HSS rejected the request. Check host_id (1-64 characters), file_hash, file_path and file_attr '
         '(1-256 characters), and that the file is still isolated on that host.',
    401: f'HSS did not accept the access key. Check the access key and the secret key ({SETTING_NAMES["hss_aksk"]}, '
         f'{SETTING_NAMES["hss_aksk password"]}) and this machine\'s clock (the gateway allows 15 minutes of skew).',
    403: f'The IAM user is not allowed to do this. Check that {SETTING_NAMES["hss_project_id"]} is a project of its '
         'account in this region. A user allowed in some enterprise projects only must name one: set '
         f'{SETTING_NAMES["hss_enterprise_project_id"]} to its ID. Else give the user HSS permissions (for example HSS '
         'Administrator) in that project, or use another user.',
    404: f'The URL does not lead to the HSS API. Check {SETTING_NAMES["hss_endpoint"]}, {SETTING_NAMES["hss_region"]} '
         f'and {SETTING_NAMES["hss_project_id"]}.',
    429: f'{HSS_THROTTLED} Try again later.'}
HSS_FOUND_NONE = 'HSS\'s own 404, not its gateway\'s: the URL leads to HSS, which did not find what the request names.'
# The gateway's 401 to every request of an access key it locked (see AKSK_REFUSAL_PAUSE_SECONDS), however signed
HSS_AK_LOCKED = 'AK access failed to reach the limit'
HSS_AK_LOCK_SECONDS = 5 * 60  # the lock's length: a check that meets it knows it ends this long after, at the latest
HSS_AK_LOCKED_ADVICE = (
    f"HSS's API gateway locked the access key for {HSS_AK_LOCK_SECONDS // 60} minutes, as it refused 5 of its requests "
    "in a row (maybe another tool's, signed with a wrong secret key), and refuses every request of the key till then, "
    f'however signed. Wait {HSS_AK_LOCK_SECONDS // 60} minutes, and check which tool signs with this access key and a '
    'wrong secret key.')
HSS_LISTING_ADVICE = {**HSS_ERROR_ADVICE, 400: (  # of isolated files: a start's, a check's (a Test's: below)
    f'HSS rejected the listing of isolated files. Check the enterprise project ID (a command\'s argument '
    f'enterprise_project_id, else {SETTING_NAMES["hss_enterprise_project_id"]}: empty if enterprise projects are not '
    f'enabled) and {SETTING_NAMES["hss_project_id"]}.')}
HSS_TEST_LISTING_ADVICE = {**HSS_LISTING_ADVICE, 429: f'{HSS_THROTTLED} {TEST_AGAIN}'}  # as XDR's Test
HSS_EVENT_LISTING_ADVICE = {**HSS_TEST_LISTING_ADVICE, 400: (  # a Test's (a fetch's: FETCH_*): no restore field sent
    f'HSS rejected the event listing. Check {SETTING_NAMES["event_types"]} (a type this HSS may not list) and '
    f'{SETTING_NAMES["hss_enterprise_project_id"]} (empty if enterprise projects are not enabled).')}
HSS_START_THROTTLED_ADVICE = f'{HSS_THROTTLED} {THROTTLED_RESTORE_ADVICE}'
FETCH_NEXT_ADVICE = ('XSOAR runs the next fetch at the fetch interval, from where this one stopped (a failed fetch '
                     'sets no last run).')  # alone for a turn too late: a lower rate would make turns later still
FETCH_AGAIN_ADVICE = f'{FETCH_NEXT_ADVICE} If this keeps happening, lower {SETTING_NAMES["hss_rate_limit"]}.'
FETCH_EVENT_LISTING_ADVICE = {**HSS_EVENT_LISTING_ADVICE, 429: f'{HSS_THROTTLED} {FETCH_AGAIN_ADVICE}'}
# The gateway refusing a token IAM issued after its refusal (so IAM took the password): retry_note counts them.
# Huawei's FAQs: APIG.0307 "The token must be updated." is a token expired or used outside its project's region;
# APIG.0301 "decrypt token fail", one from another environment; either, an account in arrears or frozen.
HSS_TOKEN_REFUSED_ADVICE = (
    'HSS\'s API gateway refused as expired or invalid even a new token IAM had just issued, so the account name, IAM '
    'user name and password are right. A token works only in the region of the project it is issued for: check that '
    f'{SETTING_NAMES["hss_project_id"]} is a project of {SETTING_NAMES["hss_region"]}, and that '
    f'{SETTING_NAMES["hss_iam_endpoint"]} and {SETTING_NAMES["hss_endpoint"]}, if set, are that region\'s; and that '
    'the account is not in arrears or frozen. Or sign with an access key instead: set '
    f'{SETTING_NAMES["hss_auth_type"]} to aksk, with {SETTING_NAMES["hss_aksk"]} and '
    f'{SETTING_NAMES["hss_aksk password"]}.')
# HSS answers its own errors with HTTP 400, permissions too (HSS API Reference, "Error Codes"): these, "Access denied."
# and "Insufficient permissions.", refuse the user: no later request fares better.
HSS_PERMISSION_CODES = frozenset({'HSS.0010', 'HSS.0013'})
# For codes caused by permissions, a server's agent or the file's fields, in place of their status's advice ("Error
# Codes": HSS.1001 "...not associated with any agent.", HSS.1006 "Failed to send requests to the agent."; its Chinese
# edition's HSS.1007 "Agent离线" (Agent offline), HSS.1018 "无效的文件信息" (Invalid file information)).
HSS_CODE_ADVICE = {
    **dict.fromkeys(HSS_PERMISSION_CODES, HSS_ERROR_ADVICE[403]),
    'HSS.1001': 'A server of this request has no HSS agent, so HSS cannot restore its files. Check whether the agent '
                'has been installed on the server (its agent status in the HSS console), install it if not, then run '
                'the command again.',
    'HSS.1006': 'HSS could not send the restore to a server\'s agent. Check in the HSS console that the agent of each '
                'server is online, then run the command again; if it fails again, contact Huawei Cloud technical '
                'support.',
    'HSS.1007': 'The HSS agent of a server of this request is offline, so HSS cannot restore its files. Check in the '
                'HSS console that the agent is running and online, then run the command again.',
    'HSS.1018': 'HSS did not take an item\'s file information: its host_id, file_hash, file_path and file_attr are not '
                'those of a file HSS holds isolated. List the isolated files again and restore with the fields as HSS '
                'lists them, or restore by file_hash, which takes them from HSS.'}
IAM_ERROR_ADVICE = {
    400: f'IAM rejected the token request. Check {SETTING_NAMES["hss_domain"]}, {SETTING_NAMES["hss_credentials"]} '
         f'and {SETTING_NAMES["hss_project_id"]}.',
    # IAM answers a project the user may not use (an ID copied from another region or account) with a 401 too
    401: 'IAM refused the login. Check the account name, the IAM user name and password, and the project ID (a '
         f'project the user may access): {SETTING_NAMES["hss_domain"]}, {SETTING_NAMES["hss_credentials"]}, '
         f'{SETTING_NAMES["hss_credentials password"]}, {SETTING_NAMES["hss_project_id"]}; the user must not need '
         'MFA for API access.',
    403: f'IAM refused the token for this project. Check {SETTING_NAMES["hss_project_id"]} and that the user may '
         'access it.',
    404: f'The URL does not lead to IAM. Check {SETTING_NAMES["hss_iam_endpoint"]} and {SETTING_NAMES["hss_region"]}.',
    429: 'Huawei Cloud IAM is throttling token requests. Try again later.'}
# KooCLI's profile (cli-domain-id) and the SDK's GlobalCredentials hold the account's ID; IAM's password login takes
# its name, and answers the ID with a wrong password's 401
IAM_ACCOUNT_ID_GIVEN = (f'{SETTING_NAMES["hss_domain"]} holds 32 hexadecimal digits, as an account ID (KooCLI\'s '
                        'cli-domain-id) does: set the account name, which My Credentials lists beside it.')
FETCH_IAM_ADVICE = {**IAM_ERROR_ADVICE, 429: f'Huawei Cloud IAM is throttling token requests. {FETCH_AGAIN_ADVICE}'}
TEST_IAM_ADVICE = {**IAM_ERROR_ADVICE, 429: f'Huawei Cloud IAM is throttling token requests. {TEST_AGAIN}'}
InstanceParams = JsonObject  # the instance params as XSOAR hands them, setting name -> value
SECRET_SETTINGS = ('xdr_api_key', 'hss_aksk', 'hss_credentials')
# A vendor is in use (test-module checks it) once any of its settings that have no default is set: one set up but for
# its URL or project ID fails Test, naming what is missing.
VENDOR_MARKERS = {'xdr': 'xdr_url xdr_api_key_id xdr_api_key'.split(),
                  'hss': 'hss_project_id hss_region hss_endpoint hss_enterprise_project_id hss_aksk hss_domain '
                         'hss_credentials hss_iam_endpoint'.split()}

# War-room entries
MAX_TABLE_ROWS = 200  # rows a war-room table shows; the context holds them all
MAX_LISTED_FILES = 20  # hashes named under one refusal reason before "and N more"
MAX_DETAIL_ROWS = 50  # past this many endpoints or hosts, an entry counts and groups instead of listing
MAX_UNREAD_NOTES = 3  # a check's notes of actions whose status it could not read, before "and N more"

# HTML5's names of ASCII punctuation, as html.entities.html5 holds them (a test compares; PHP's htmlentities(ENT_HTML5)
# writes '=' as &equals;): written out, as that table costs a process half a megabyte for a secret past ASCII.
HTML_ASCII_NAMES = {'\t': 'Tab', '\n': 'NewLine', '!': 'excl', '"': 'QUOT quot', '#': 'num', '$': 'dollar',
                    '%': 'percnt', '&': 'AMP amp', "'": 'apos', '(': 'lpar', ')': 'rpar', '*': 'ast midast',
                    '+': 'plus', ',': 'comma', '.': 'period', '/': 'sol', ':': 'colon', ';': 'semi', '<': 'LT lt',
                    '=': 'equals', '>': 'GT gt', '?': 'quest', '@': 'commat', '[': 'lbrack lsqb', '\\': 'bsol',
                    ']': 'rbrack rsqb', '^': 'Hat', '_': 'lowbar UnderBar', '`': 'DiacriticalGrave grave',
                    '{': 'lbrace lcub', '|': 'verbar vert VerticalLine', '}': 'rbrace rcub'}


''' ERRORS '''


class RestoreError(Exception):
    """A failure the analyst can act on: what went wrong, what to do (``advice``, where told apart); ``attempts``: a
    failed request's; ``outputs``: what its error entry writes to context (XSOAR merges it, as return_error's)."""

    unsent = ''  # why no attempt of it went out (NO_TIME_LEFT, REFUSED_ELSEWHERE): what failure_cause names

    def __init__(self, message: str, attempts: 'Iterable[Attempt]' = (), advice: str = '', later: bool = False) -> None:
        super().__init__(message)
        # says_until: its message says when a wait ends
        self.attempts, self.advice, self.says_until, self.outputs = tuple(attempts), advice, False, {}
        last = self.attempts[-1] if self.attempts else Attempt()  # later: what it met passes (429, 5xx, lost answer)
        self.later = (later or last.status == THROTTLED_STATUS or (last.status or 0) >= 500
                      or last.fault in FAULTS_AFTER_SENDING)  # or a broken reply though HTTP 200 (``later``)

    def without_advice(self) -> str:
        """What went wrong alone: for a record that says what comes next instead (a next check sends the restore)."""
        return str(self).replace(f' {self.advice}', '', 1) if self.advice else str(self)

    def saying(self, step: str) -> str:
        """Its message saying ``step`` where its advice says to try again later (one next step, said once); else ''."""
        words = AGAIN_WORDS['command']
        advice = self.advice.replace(words['Again'], f'{step[:1].upper()}{step[1:]}').replace(words['again'], step)
        return str(self).replace(self.advice, advice) if advice != self.advice else ''

    def with_step(self, step: str) -> str:
        """Its message saying ``step`` (saying); else as it is, or without its advice (to run again) if never sent."""
        return self.saying(step) or (str(self) if self.attempts else self.without_advice())

    def with_advice(self, advice: str, instead_of: str, polling: bool = False) -> 'RestoreError':
        """The same error, its message saying ``advice`` wherever it said ``instead_of``: its advice now; to a run that
        is ``polling`` already, without THROTTLED_RESTORE_ADVICE's polling=true."""
        advice = advice.replace('polling=true and ', '') if polling else advice
        said = str(self)
        if instead_of:
            said = said.replace(instead_of, advice)
        elif advice:  # it said none (a request not sent for another's refusal): the advice follows
            said = f'{said} {advice}'
        self.args, self.advice = (said,), advice
        return self

    def with_outputs(self, outputs: JsonObject) -> 'RestoreError':
        self.outputs = outputs
        return self


class LoginPaused(RestoreError):
    """No login, as every request would meet it: IAM refused the password or HSS's gateway the access key (its pause
    lasts: KeptRefusal), or HSS a new token."""


class FetchFailed(Exception):
    """fetch-incidents failed: raised out of main(), as XSOAR expects of a fetch (the message is scrubbed)."""


class VendorApiError(RestoreError):
    """A vendor API answered with an error; keeps the vendor's own code and message, then ``note``: retry_note's."""

    def __init__(self, vendor: str, http_status: int, advice: str, note: str, attempts: 'Iterable[Attempt]',
                 vendor_code: Any = None, vendor_message: Any = None, vendor_extra: Any = None, request_id: Any = None,
                 authorization_message: Any = None) -> None:
        self.http_status, self.vendor_code = http_status, vendor_words(vendor_code)  # what callers tell errors apart by
        given = {'code {}': self.vendor_code, 'message "{}"': vendor_message or None,
                 'details {}': None if vendor_extra in ('', {}, []) else vendor_extra,
                 'request id {}': request_id or None}
        details = ', '.join(form.format(json_text(vendor_words(value))) for form, value in given.items()
                            if value is not None)
        self.details = details  # the vendor's words alone, for a message that quotes this error's first sentence
        said = f' {vendor} said: {details}.' if details else ''
        # Which identity policy refused (encoded_authorization_message), in kilobytes: last, whole, after how to decode.
        self.decode = (' To see which identity policy refused it, decode this with IAM\'s DecodeAuthorizationMessage '
                       'API (POST /v5/decode-authorization-message, allowed by sts::decodeAuthorizationMessage): '
                       f'{authorization_message}') if isinstance(authorization_message, str) else ''
        super().__init__(f'{vendor} answered HTTP {http_status}. {advice}{said}{note}{self.decode}', attempts, advice)


def failure_cause(error: RestoreError) -> list:
    """What a failed request met, as a later check tells one cause from another (never by its words, which hold times
    and counts). unsent comes first: an IAM token's failure keeps its own over the attempts of the request it held
    back; a status without a vendor's error is a redirect refused or a proxy's 407."""
    if isinstance(error, VendorApiError):
        return [error.http_status, error.vendor_code]
    last = error.attempts[-1] if error.attempts else Attempt()
    return [error.unsent or last.fault or last.status or NOT_SENT, None]


def printable(value: Any, limit: int = 60) -> str:
    """A user value quoted for a message as XSOAR shows it: JSON, each character str.isprintable refuses escaped."""
    # By its repr: a value JSON cannot hold (bytes; NaN is written NaN). Others came as JSON: text keys, no loop
    text = json.dumps(value, ensure_ascii=False, default=repr)
    # Escapes only lengthen a text: its first limit + 1 characters tell whether it is cut
    shown = ''.join(char if char.isprintable() else json.dumps(char)[1:-1] for char in text[:limit + 1])
    return shown if len(shown) <= limit else f'{shown[:limit]}...'


def named_character(character: str) -> str:
    """A character quoted (printable), and by code point where it passes for another: a letter or digit not ASCII."""
    if character.isprintable() and not character.isascii():
        return f'{printable(character)} (U+{ord(character):04X})'
    return printable(character)


def setting_label(name: str) -> str:
    """How a message names an instance setting: its dialog label beside its name (SETTING_NAMES), else its name."""
    return SETTING_NAMES.get(name, name)


def json_kind(value: Any) -> str:
    """A value's kind as JSON, in which XSOAR hands arguments, settings and replies, names it (not Python's dict)."""
    kinds = {dict: 'an object', list: 'a list', bool: 'a boolean', int: 'a number', float: 'a number', str: 'text'}
    return 'null' if value is None else kinds.get(type(value), type(value).__name__)


def wrong_value(value: Any) -> str:
    """How a message names a setting's wrong value: text or a number quoted (printable), any other by its json_kind."""
    return printable(value) if type(value) in (str, int, float) else json_kind(value)


def json_text(value: Any) -> str:
    """A vendor value as a message quotes it: text as it is, any other as JSON, the form the scrubber knows."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# The most characters of a vendor's words (message, details, code) an error or kept state quotes: a 4xx may be 32 MB
VENDOR_TEXT_LIMIT = 1000


def short_text(text: Any, limit: int = 200) -> str:
    """A vendor body cut to one readable line, of ``limit`` characters at most (HTML error pages can be long)."""
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else f'{text[:limit]}...'


def vendor_words(value: Any) -> Any:
    """A vendor's code, message or details as an error or kept state holds it: as given, unless its text (json_text)
    is longer than VENDOR_TEXT_LIMIT; then that text cut (short_text, whose '...' the scrubber reads as a cut)."""
    text = json_text(value)
    return value if len(text) <= VENDOR_TEXT_LIMIT else short_text(text, VENDOR_TEXT_LIMIT)


def clean_text(value: Any) -> str:
    """A vendor text, trimmed, with its line ends made plain (Cortex XDR sends "Element not found.\\r\\n")."""
    return re.sub('\r\n?|\n', ' ', str(value)).strip()


def plural(noun: str, count: int, many: str = '') -> str:
    """``noun`` as it goes with ``count`` in a message: "1 attempt", "3 attempts", "2 batches" (``many``: "copies")."""
    return noun if count == 1 else many or (f'{noun}es' if noun.endswith(('s', 'x', 'ch', 'sh')) else f'{noun}s')


def utc_text(epoch_seconds: float) -> str:
    """A moment for a message: ``2026-11-23 17:00:00 UTC``; one past the years 1-9999 as the nearest of them."""
    seconds = min(max(epoch_seconds, EPOCH_MS_MIN / 1000), EPOCH_MS_MAX / 1000)
    return (EPOCH + timedelta(seconds=seconds)).strftime('%Y-%m-%d %H:%M:%S UTC')


''' SETTINGS '''


def repr_without_secrets(settings: tuple) -> str:
    """The repr of settings that hold secrets (key, secret_key, password), those left out: no log or trace shows one."""
    shown = (f'{name}={value!r}' for name, value in zip(settings._fields, settings)
             if name not in ('key', 'secret_key', 'password'))
    return f'{type(settings).__name__}({", ".join(shown)})'


class TransportSettings(NamedTuple):
    verify: bool = True
    proxy: bool = False
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    retry_backoff: float = DEFAULT_RETRY_BACKOFF
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    caller: str = 'command'  # or 'fetch', 'Test' (settings_for): whom its errors speak to (no one runs a fetch by hand)

    @property
    def timeout(self) -> tuple[float, float]:
        return self.connect_timeout, self.read_timeout


class XdrSettings(NamedTuple):
    url: str
    key_id: str
    key: str
    auth_type: str
    rate_limit: float = XDR_DEFAULT_RATE_LIMIT
    __repr__ = repr_without_secrets


class HssSettings(NamedTuple):
    url: str
    project_id: str
    auth_type: str
    region: str | None = None
    enterprise_project_id: str | None = None
    access_key: str = ''
    secret_key: str = ''
    iam_url: str | None = None
    domain: str = ''
    username: str = ''
    password: str = ''
    rate_limit: float = HSS_DEFAULT_RATE_LIMIT
    __repr__ = repr_without_secrets


class FetchSettings(NamedTuple):
    first_fetch_ms: int | None  # how far before now a first fetch begins (a time back); None for a date
    first_fetch_at: int | None  # where it begins (a date), in ms since EPOCH: first_fetch_begin
    max_fetch: int
    first_fetch: str  # the setting as written, to quote
    event_types: tuple[int, ...]  # the HSS event types listed; none: every type


def none_or_blank_text(value: Any) -> bool:
    """An argument or setting not given. Not the scripts' is_blank: a list or object of blanks here is a kind the
    check refuses by name, never read as not given (host_id or endpoint_id would then restore on every one)."""
    return value is None or (isinstance(value, str) and not value.strip())


def shown_text(value: Any) -> str:
    """Text as the dialog shows it: blanks and invisible format characters (Cf: U+200B, a BOM) at its ends dropped."""
    text = str(value)
    unseen = ''.join(character for character in text if character.isspace() or unicodedata.category(character) == 'Cf')
    return text.strip(unseen)


def typed_text(text: str, setting: str) -> str:
    """A setting's text (shown_text), refused if it holds a control character (a line break, an unpaired surrogate) or
    an invisible format character (Cf), named by code point and place: never quoted (a secret, a URL holding one)."""
    for position, character in enumerate(text, 1):
        if (kind := unicodedata.category(character)) in ('Cc', 'Cs', 'Cf'):
            unseen = 'an invisible character' if kind == 'Cf' else 'a line break or another control character'
            raise RestoreError(f'{setting} holds {unseen}, U+{ord(character):04X}, at position {position}, which the '
                               'dialog does not show. Type the value again.')
    return text


def has_control_characters(text: str) -> bool:
    """C0/C1 control characters, and unpaired surrogates (text that cannot be encoded for a request)."""
    return re.search('[\x00-\x1f\x7f-\x9f\ud800-\udfff]', text) is not None


def check_identifier(text: str, name: str, max_length: int) -> None:
    if len(text) > max_length:
        raise RestoreError(f'{name} is {len(text)} characters long; the most allowed is {max_length}.')
    if bad := re.search(r'[^A-Za-z0-9_-]', text):
        raise RestoreError(f'{name} must be an ID: letters, digits, - and _ only; got {printable(text)}, which holds '
                           f'{named_character(bad.group())}.')


def enterprise_project(given: str) -> str:
    """An enterprise project as HSS takes it: the default one's name in Huawei's console reads as its ID, 0, and every
    project the user is granted in the API's own spelling (all_granted_eps), whatever the letter case typed."""
    return {'default': '0', HSS_ALL_ENTERPRISE_PROJECTS: HSS_ALL_ENTERPRISE_PROJECTS}.get(given.lower(), given)


def setting_text(params: InstanceParams, name: str) -> str:
    """A plain text setting, its ends' blanks and invisible characters dropped (shown_text), checked (typed_text)."""
    value = params.get(name)
    if value is None:  # blanks: stripped below
        return ''
    if type(value) not in (str, int, float):  # type(): a bool is no text
        raise RestoreError(f'The instance setting {setting_label(name)} must be text; got {json_kind(value)}.')
    return typed_text(shown_text(value), f'The instance setting {setting_label(name)}')


def setting_choice(params: InstanceParams, name: str, choices: Sequence[str], default: str) -> str:
    text = setting_text(params, name).lower() or default
    if text not in choices:
        raise RestoreError(f'The instance setting {setting_label(name)} must be {" or ".join(choices)}; '
                           f'got {printable(text)}.')
    return text


def setting_bool(params: InstanceParams, name: str) -> bool:
    value = params.get(name)
    if not isinstance(value, list):  # a setting is one value, not a context list (arg_to_bool reads [v, v] as v)
        with suppress(RestoreError):
            return arg_to_bool(value, name)
    raise RestoreError(f'The instance setting {setting_label(name)} must be true or false; '
                       f'got {wrong_value(value)}.')


def setting_number(params: InstanceParams, name: str, default: int | float, minimum: float, maximum: float,
                   whole: bool = False) -> int | float:
    value = params.get(name)
    text = setting_text(params, name) if type(value) in (str, int, float) else value  # type(): a bool is no number
    if text in (None, ''):
        return default
    # Decimal digits only, as the commands' arguments: float() would also take '1e2', '1_0', 'inf' and '５'
    number = float(text) if re.fullmatch(r'[+-]?[0-9]{1,18}(\.[0-9]{1,18})?', str(text)) else math.nan  # in no range
    if not minimum <= number <= maximum or (whole and number != int(number)):
        raise RestoreError(f'The instance setting {setting_label(name)} must be '
                           f'{"a whole number" if whole else "a number"} from {minimum:g} to {maximum:g}; '
                           f'got {wrong_value(text)}.')
    return int(number) if whole else number


def setting_event_types(params: InstanceParams) -> tuple[int, ...]:
    """The types picked, sorted; () for none, every type. XSOAR hands a list ('1004 trojan'); a text's items alike."""
    value, codes, label = params.get('event_types'), set(), f'The instance setting {setting_label("event_types")}'
    pieces = isinstance(value, str)  # cut at commas: an item may be a piece of a secret, which is masked only whole
    items = value.split(',') if pieces else value if isinstance(value, list) else [value]
    for nth, item in enumerate(items, 1):  # each on its own, so a refusal names it; a number holds no unseen character
        text = typed_text(shown_text(item), f'{label}, item {nth},') if isinstance(item, str) else item
        if text not in (None, ''):  # a blank item picks nothing
            code = str(text).split()[0]  # any other kind is no type's digits
            if code.lstrip('0') not in map(str, HSS_EVENT_TYPES | HSS_CONTAINER_EVENT_TYPES):  # 0s: int()
                shown = f'item {nth}, not shown as it may be part of a secret' if pieces else wrong_value(text)
                raise RestoreError(f'{label} takes HSS event types, each one of '
                                   f'{", ".join(map(str, sorted(HSS_EVENT_TYPES)))}; got {shown}.')
            codes.add(int(code))
    if container := ', '.join(map(str, sorted(codes & HSS_CONTAINER_EVENT_TYPES))):  # once offered on the instance
        raise RestoreError(f'{label} picks container events ({container}), which this fetch of host events does not '
                           'list. Pick host event types instead (the malware types 1001 to 1016 are those whose files '
                           'HSS isolates), or none for every host event.')
    return tuple(sorted(codes))


def credential_part(params: InstanceParams, name: str, part: str) -> str:
    """One part of a credentials (type 9) param, {identifier, password}, as the dialog shows it; a plain param alike."""
    value = params.get(name)
    value = value.get(part) if isinstance(value, dict) else value
    return shown_text(value) if type(value) in (str, int) else ''  # type(): a bool is no credential


def setting_credential(params: InstanceParams, name: str, part: str, header: bool = False) -> str:
    """A credentials setting's ``identifier`` (user name, key ID) or ``password`` (secret), stripped as it is sent.
    ``header``: sent in an HTTP header (Latin-1 only), so what a header cannot carry is refused before any request."""
    secret = part == 'password'  # no message quotes a value: a secret would reach an error text in escaped forms
    what = 'secret' if secret else 'user name or key ID'
    label = SETTING_NAMES.get(f'{name} password' if secret else name, setting_label(name))
    value = typed_text(credential_part(params, name, part), f'The {what} in the instance setting {label}')
    if secret and 0 < len(value) < SecretScrubber.MIN_LENGTH:  # too short to mask where a vendor quotes it; none is
        raise RestoreError(f'The secret in the instance setting {label} is shorter than {SecretScrubber.MIN_LENGTH} '
                           f'characters, which no vendor issues (not shown). Copy it again from the vendor\'s console.')
    if header and (past := re.search('[^\x00-\xff]', value)):  # past Latin-1 (what str.encode('latin-1') refuses)
        raise RestoreError(f'The {what} in the instance setting {label} holds a character an HTTP header cannot carry, '
                           f'U+{ord(past[0]):04X}, at position {past.start() + 1}. Copy it again from the vendor\'s '
                           'console.')
    return value


def setting_secrets(params: InstanceParams) -> list[str]:
    """Every secret the instance holds (any credentials param's, a dict, too), as sent (shown_text): what to scrub.
    Not one holding an unpaired surrogate, which has no bytes to seek: typed_text refuses it before any request."""
    held = [credential_part(params, name, 'password') for name, value in params.items()
            if name in SECRET_SETTINGS or isinstance(value, dict)]
    return [secret for secret in held if not re.search('[\ud800-\udfff]', secret)]


def read_transport_settings(params: InstanceParams) -> TransportSettings:
    return TransportSettings(  # the fields in their order, each named by its setting
        not setting_bool(params, 'insecure'), setting_bool(params, 'proxy'),
        setting_number(params, 'connect_timeout', DEFAULT_CONNECT_TIMEOUT, 0.1, 3600),
        setting_number(params, 'read_timeout', DEFAULT_READ_TIMEOUT, 0.1, 3600),
        setting_number(params, 'max_retries', DEFAULT_MAX_RETRIES, 0, 10, whole=True),
        setting_number(params, 'retry_backoff', DEFAULT_RETRY_BACKOFF, 0, RETRY_BACKOFF_MAX),
        setting_number(params, 'max_concurrency', DEFAULT_MAX_CONCURRENCY, 1, 64, whole=True))


def read_xdr_settings(params: InstanceParams) -> XdrSettings:
    url = setting_text(params, 'xdr_url')
    key_id = setting_credential(params, 'xdr_api_key_id', 'identifier', header=True)
    auth_type = setting_choice(params, 'xdr_auth_type', ('standard', 'advanced'), 'advanced')
    # A standard key is sent as it is, in the Authorization header; an advanced key only through its hash.
    key = setting_credential(params, 'xdr_api_key', 'password', header=auth_type == 'standard')
    if missing := [name for name, text in (('xdr_url', url), ('xdr_api_key_id', key_id), ('xdr_api_key', key))
                   if not text]:
        raise RestoreError(f'Cortex XDR is not configured: set {", ".join(setting_label(name) for name in missing)} in '
                           'the instance settings.')
    if key_id.strip('0123456789'):  # its name, or a word typed with it: never a key Cortex XDR issued
        raise RestoreError(f'{setting_label("xdr_api_key_id")} must be the number in API Keys\' ID column, not a name.')
    # its root: less /public_api/v1, or an API's whole path (as its page shows it)
    base = normalise_base_url(url, 'xdr_url', setting_bool(params, 'insecure')).partition(XDR_API_ROOT)[0]
    # Its host alone is offered: a console page's path, copied from the browser, is no part of the API's URL.
    host = urlsplit(base).hostname
    if re.fullmatch(r'(?!api-).*\.paloaltonetworks\.com', host):  # the seed's: https://api-{fqdn}
        raise RestoreError(f'The instance setting {setting_label("xdr_url")} is the Cortex XDR console\'s address: the '
                           f'API\'s starts with api- (https://api-{host}), as API Keys copies it.')
    rate_limit = setting_number(params, 'xdr_rate_limit', XDR_DEFAULT_RATE_LIMIT, 0.1, 1000)
    return XdrSettings(base, key_id, key, auth_type, rate_limit)


def read_hss_settings(params: InstanceParams) -> HssSettings:
    region, project_id, endpoint = (setting_text(params, name)
                                    for name in ('hss_region', 'hss_project_id', 'hss_endpoint'))
    if region and not re.fullmatch(r'[a-z0-9][a-z0-9-]{0,63}', region):
        raise RestoreError(f'The instance setting {SETTING_NAMES["hss_region"]} must be a region ID such as '
                           f'ap-southeast-1; got {printable(region)}.')
    if not project_id or not (endpoint or region):
        raise RestoreError(f'Huawei Cloud HSS is not configured: set {SETTING_NAMES["hss_project_id"]}, and '
                           f'{SETTING_NAMES["hss_region"]} or {SETTING_NAMES["hss_endpoint"]}, in the instance '
                           'settings.')
    check_identifier(project_id, f'The instance setting {SETTING_NAMES["hss_project_id"]}', 64)  # in the URL path
    insecure = setting_bool(params, 'insecure')
    url = normalise_base_url(huawei_url(endpoint, 'hss', region), 'hss_endpoint', insecure)
    url = re.sub(f'{HSS_API_ROOT}(/.*)?$', '', url)  # /v5, or the API's whole URL as its page shows it: the base
    huawei_host = re.fullmatch(r'hss\.([^.]+)\.myhuaweicloud\.(?:com|eu)', urlsplit(url).hostname)  # an IP: none
    host_region = huawei_host[1] if huawei_host else None
    named_region = region or host_region  # set, else the one Huawei's HSS host names
    if host_region and host_region != named_region:  # a project is in one region: IAM's token, HSS's header
        raise RestoreError(f'{SETTING_NAMES["hss_endpoint"]} is HSS\'s endpoint in {host_region}, not in the '
                           f'project\'s region, {SETTING_NAMES["hss_region"]}: {region}. Set its endpoint, or none.')
    if named_region and re.fullmatch(r'[a-z]{2}-[a-z]+-[0-9]+(_.*)?', project_id):  # a name: <region>[_<sub>]
        raise RestoreError(f'The instance setting {SETTING_NAMES["hss_project_id"]} holds {printable(project_id)}, '
                           f'a project\'s name; set the {named_region} project\'s ID (API Credentials lists both).')
    scope = enterprise_project(setting_text(params, 'hss_enterprise_project_id'))  # it reaches a request line: an ID
    check_identifier(scope, f'The instance setting {SETTING_NAMES["hss_enterprise_project_id"]}', 64)
    common = HssSettings(url, project_id, setting_choice(params, 'hss_auth_type', ('token', 'aksk'), 'aksk'),
                         region or None, scope or None,
                         rate_limit=setting_number(params, 'hss_rate_limit', HSS_DEFAULT_RATE_LIMIT, 0.1, 1000))
    if common.auth_type == 'aksk':
        access_key = setting_credential(params, 'hss_aksk', 'identifier', header=True)
        secret_key = setting_credential(params, 'hss_aksk', 'password')
        if not (access_key and secret_key):
            raise RestoreError('AK/SK authentication needs the access key ID as the user name and the secret access '
                               f'key as the password: {SETTING_NAMES["hss_aksk"]}, '
                               f'{SETTING_NAMES["hss_aksk password"]}.')
        return common._replace(access_key=access_key, secret_key=secret_key)  # secrets by name (as below): never moved
    domain = setting_text(params, 'hss_domain')
    username, password = (setting_credential(params, 'hss_credentials', part) for part in ('identifier', 'password'))
    if not (domain and username and password):
        raise RestoreError('Token authentication needs the account name, and the IAM user name and password: '
                           f'{SETTING_NAMES["hss_domain"]}, {SETTING_NAMES["hss_credentials"]}, '
                           f'{SETTING_NAMES["hss_credentials password"]}.')
    iam_endpoint = setting_text(params, 'hss_iam_endpoint')
    if not (iam_endpoint or named_region):
        raise RestoreError(f'Token authentication needs {SETTING_NAMES["hss_iam_endpoint"]} or '
                           f'{SETTING_NAMES["hss_region"]} to find IAM.')
    iam_url = normalise_base_url(huawei_url(iam_endpoint, 'iam', named_region), 'hss_iam_endpoint', insecure)
    return common._replace(iam_url=re.sub(f'{IAM_API_ROOT}(/.*)?$', '', iam_url), domain=domain, username=username,
                           password=password)  # /v3 (an auth_url), or a path on from it (the token API's)


def parse_first_fetch(text: str) -> tuple[int | None, int | None]:
    """first_fetch as CommonServerPython's arg_to_datetime reads it: (ms back, None) for '3 days', '12 hours ago', '3d';
    (None, ms since EPOCH) for today, yesterday (00:00 UTC), an ISO 8601 date or date-time (Z, z, offset; none: UTC)."""
    if match := re.fullmatch(r'(?i)\s*([0-9]{1,6})\s*(minute|hour|day|week|month|year|[hdw])s?(?:\s+ago)?\s*', text):
        return int(match[1]) * DURATION_UNITS_MS[match[2].lower()], None
    days_back = {'today': 0, 'yesterday': 1}.get(text.strip().lower())
    if days_back is not None:  # a day: from its 00:00 UTC, as a date alone is read
        return None, (epoch_ms() // 86_400_000 - days_back) * 86_400_000
    try:
        moment = datetime.fromisoformat(re.sub('z$', 'Z', text.strip()))  # Z read as UTC, as RFC 3339 z
    except ValueError:
        raise RestoreError(f'{FIRST_FETCH_REFUSED} {printable(text)}.') from None
    return None, (moment.replace(tzinfo=moment.tzinfo or timezone.utc) - EPOCH) // timedelta(milliseconds=1)


def first_fetch_begin(settings: FetchSettings, now_ms: int) -> int:
    """Where a first fetch begins: first_fetch_ms before ``now_ms``, within what HSS lists, or first_fetch_at, a date
    checked only here (none ahead of now), which lies further back each day: once older, where HSS's listing begins."""
    back_ms = settings.first_fetch_ms
    if back_ms is None:
        back_ms = min(now_ms - settings.first_fetch_at, HSS_EVENT_MAX_AGE_MS)
    if not 0 < back_ms <= HSS_EVENT_MAX_AGE_MS:
        raise RestoreError(f'{FIRST_FETCH_REFUSED} {printable(settings.first_fetch)}.')
    return now_ms - back_ms


def read_fetch_settings(params: InstanceParams) -> FetchSettings:
    first_fetch = setting_text(params, 'first_fetch') or '3 days'
    return FetchSettings(*parse_first_fetch(first_fetch),
                         setting_number(params, 'max_fetch', 50, 1, 200, whole=True),  # XSOAR advises 200 at most
                         first_fetch, setting_event_types(params))


class InstanceSettings(NamedTuple):
    transport: TransportSettings
    xdr: XdrSettings | None
    hss: HssSettings | None
    fetch: FetchSettings | None  # fetch-incidents' settings, when they were asked for
    in_use: tuple[str, ...]  # the vendors any of whose settings (VENDOR_MARKERS) is set
    iam_identity: str | None  # whose IAM token HSS uses now (token_identity), whichever vendor it read; None: no token


def read_instance_settings(params: InstanceParams, vendors: Sequence[str] | None = None,
                           with_fetch: bool | None = False) -> InstanceSettings:
    """The one reader of the instance params. ``vendors``: those to read (None: all in use), so one half set up does
    not stop the other's commands; ``with_fetch``: fetch-incidents' settings too (None: if "Fetch incidents" is on).
    Every part read is read to its end: its wrong settings are named together, a line each (once), in the dialog's
    order (integration.yml's), so the user mends them at once."""
    in_use = tuple(kind for kind, names in VENDOR_MARKERS.items() if any(
        credential_part(params, name, part) for name in names for part in ('identifier', 'password')))
    wanted, errors = in_use if vendors is None else vendors, {}
    if with_fetch and 'hss' not in in_use:  # a fetch, none of HSS's settings set: fetching is amiss (below)
        wanted = ()

    def read(reader: Callable[[InstanceParams], Any]) -> Any:
        try:
            return reader(params)
        except RestoreError as error:
            errors.setdefault(str(error))  # ("Trust any certificate" wrong: each URL's reader names it too)
            return None

    xdr = read(read_xdr_settings) if 'xdr' in wanted else None
    hss = read(read_hss_settings) if 'hss' in wanted else None
    transport = read(read_transport_settings)
    fetching = with_fetch or (with_fetch is None and read(lambda _: setting_bool(params, 'isFetch')))
    fetch = read(read_fetch_settings) if fetching else None
    if fetch and with_fetch is None:  # Test: a first fetch out of HSS's reach named with the rest (read by it alone)
        read(lambda _: first_fetch_begin(fetch, epoch_ms()))
    if fetching and 'hss' not in in_use:  # fetch-incidents reads HSS events alone: said by each fetch and Test
        errors.setdefault(f'{SETTING_NAMES["isFetch"]} is checked, but fetch-incidents reads Huawei Cloud HSS events '
                          f'and HSS is not set up: set {SETTING_NAMES["hss_project_id"]}, '
                          f'{SETTING_NAMES["hss_region"]} and its credentials, or uncheck it.')
    if errors:
        raise RestoreError('\n'.join(errors))
    return InstanceSettings(transport, xdr, hss, fetch, in_use, iam_identity_of(params, hss))


def iam_identity_of(params: InstanceParams, hss: HssSettings | None) -> str | None:
    """Whose IAM token (token_identity) HSS uses, read for every command: one cached for another identity is dropped
    whichever vendor runs. None: AK/SK, no HSS, or HSS settings that do not read (they stop HSS's commands alone)."""
    with suppress(RestoreError):
        hss = hss or read_hss_settings(params)
    return token_identity(hss) if hss and hss.auth_type == 'token' else None


def is_loopback_host(host: str) -> bool:
    with suppress(ValueError):  # not an IP address
        return host == 'localhost' or ipaddress.ip_address(host).is_loopback
    return False


def normalise_base_url(url: str, setting: str, insecure: bool) -> str:
    """Scheme, host and path of a vendor URL (no login, query or fragment); plain http to loopback or if insecure."""
    try:  # url: a setting as setting_text read it (stripped), or one made of hss_region
        parts = urlsplit(url)
        requests.models.PreparedRequest().prepare_url(url, None)  # host and port (0 to 65535) as requests reads them
    except ValueError:  # requests' URL errors (InvalidURL, MissingSchema) are ValueErrors too
        parts = None
    # A login, query or fragment may hold a secret (no request carries the last two): refused, never quoted. A blank or
    # control character in the host: requests (2.34.2 in XSOAR's image) sends it percent-encoded to DNS.
    hidden = re.search('[@?#]', url)
    if (hidden or parts is None or parts.scheme not in ('http', 'https') or not parts.hostname
            or re.search(r'[\s\x00-\x1f\x7f]', parts.hostname)):
        shown = 'a URL holding "@", "?" or "#" (not shown: it may hold a secret)' if hidden else printable(url)
        raise RestoreError(f'The instance setting {setting_label(setting)} must be a URL such as https://host, which '
                           f'must not carry a user name or password, a query or a fragment (put credentials in their '
                           f'own settings); got {shown}.')
    if parts.scheme == 'http' and not insecure and not is_loopback_host(parts.hostname):
        raise RestoreError(f'The instance setting {setting_label(setting)} uses plain http to {parts.netloc}, which '
                           f'would send the credentials unencrypted. Use https, or check {SETTING_NAMES["insecure"]} '
                           'for a test server.')
    netloc = parts.netloc.removesuffix({'http': ':80', 'https': ':443'}[parts.scheme]).rstrip(':')  # the host as typed
    return f'{parts.scheme}://{netloc}{parts.path.rstrip("/")}'  # a default or empty port left out: one URL, one scope


def url_scope(url: str) -> str:
    """A normalised URL as a kept wait's scope: scheme and host in lower case, as RFC 3986 (6.2.2.1) compares them."""
    return re.sub(r'^[^/]*//[^/]*', lambda origin: origin[0].lower(), url)  # the path as written, as it is sent


def huawei_url(endpoint: str, service: str, region: str) -> str:
    """An HSS or IAM endpoint setting as a URL (empty: the region's). A bare host, as Huawei's endpoint tables list one
    (their protocol, HTTPS, in a column of its own), is read as the official SDK's ClientBuilder reads it."""
    endpoint = endpoint or f'{service}.{region}.{HUAWEI_REGION_DOMAINS.get(region, "myhuaweicloud.com")}'
    return endpoint if re.match(r'[A-Za-z][A-Za-z0-9+.-]*:/', endpoint) else f'https://{endpoint}'


''' TRANSPORT '''


class Attempt:
    """One sending of a request: what it waited for, and what came back (a status, or a fault)."""

    status: int | None = None  # the HTTP status of the answer; None when no usable answer came
    detail = advice = ''  # the fault in words, for the error that reports it; what to do about it
    sent_at = ends = math.inf  # when it went out; when it is given up (limiter's clock): its timeouts or the run's end
    cut_to: float | None = None  # the seconds it was given when the run's end came before its timeouts
    answered_ms: int | None = None  # the server's Date (ms), also if the body broke off: the service had it
    given_up = False  # its send thread was given up on, and sends none of its body after (BodyWhileWaited)
    held = False  # given up before urllib3 began to read its body: it never reached the vendor
    body_went: bool | None = None  # whether urllib3 began to read its body, the request's head sent (None: it has none)

    def __init__(self, waited: float = 0.0, fault: str | None = None) -> None:
        # waited: the seconds before sending (the backoff, then the limiter's turn); fault: FAULT_*, no usable answer
        self.waited, self.fault = waited, fault

    def met(self, fault: str, detail: str, advice: str) -> None:
        self.fault, self.detail, self.advice = fault, detail, advice

    def describe(self) -> str:
        return self.fault or f'HTTP {self.status}'

    @property
    def reached(self) -> bool:
        """Whether it may have reached the vendor: answered, or lost after it went out (not one refused unsent)."""
        return self.status is not None or (self.fault in FAULTS_AFTER_SENDING and not self.held)


NOT_JSON = object()  # what VendorReply keeps for a body that is not JSON


def json_number(text: str) -> int | float | None:
    """A JSON number as json reads it, or None (not given) past a float64's range, which XSOAR's server reads numbers
    into: Python reads 1e999 as Infinity, 400 digits as an int, and the server refuses either (RFC 8259 allows both)."""
    number = float(text)
    if math.isinf(number):
        return None
    return int(text) if text.lstrip('-').isdigit() else number


class VendorReply:
    """A request's final answer, body read whole, ``attempts`` and why the loop stopped early (``gave_up``), as botocore
    keeps a retry history. Clients never get requests' Response."""

    attempts: tuple[Attempt, ...] = ()
    gave_up: str | None = None
    again = AGAIN_WORDS['command']  # the words to try again, the transport's caller's
    run_wait = MAX_RUN_WAIT_SECONDS  # the longest its run waits for turns (its transport's)

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes, host: str = '') -> None:
        self.status, self.headers, self.body, self.host = status, headers, body, host  # host: as errors name it

    def json(self) -> Any:
        if self.parsed is NOT_JSON:
            raise ValueError('the body is not JSON')
        return self.parsed

    @functools.cached_property
    def parsed(self) -> Any:
        """The body's JSON (UTF-8, -16 or -32, as RFC 8259 allows, else its text), parsed once; NOT_JSON when none."""
        for read in (lambda: self.body, lambda: self.text):  # the text: a gateway's error in GB18030, say
            # NaN and Infinity are not JSON (RFC 8259), nor would XSOAR take them in an entry: int() refuses them
            with suppress(ValueError, RecursionError):  # UnicodeDecodeError too; Recursion: nested past what json reads
                return json.loads(read(), parse_constant=int, parse_float=json_number, parse_int=json_number)
        return NOT_JSON

    @property
    def text(self) -> str:
        # No charset named: UTF-8 when it is (requests' ISO-8859-1 for text/*, dropped by RFC 7231, showed each
        # non-ASCII character of a secret it quotes as two others: not found to mask)
        if not re.search(r'(?i);\s*charset\s*=', self.headers.get('Content-Type', '')):
            with suppress(UnicodeError):  # not UTF-8: byte for byte, as before
                return self.body.decode('utf-8')
        with suppress(LookupError, UnicodeError):  # a charset unknown to Python, or a codec of no text: idna, undefined
            return self.body.decode(requests.utils.get_encoding_from_headers(self.headers) or 'utf-8', 'replace')
        return self.body.decode('utf-8', 'replace')


def retry_note(retried: Sequence[Attempt], gave_up: str | None) -> str:
    """The close of a request's error, after a blank: how often retried, after what (in order, counted), why stopped."""
    if not retried:
        return f' Not retried: {gave_up}.' if gave_up else ''
    kinds = Counter(attempt.describe() for attempt in retried)  # each kind once, in the order met; counted if several
    resends = kinds.pop(f'HTTP {THROTTLED_STATUS}', 0)  # after a 429: sent again at its next turn, no retry (README)
    renewals = kinds.pop('HTTP 401', 0)  # only token mode sends a 401's request again: with a new token, no retry
    faults = kinds.total()
    after = ', '.join(kind if n in (1, faults) else f'{kind} ({n} times)' for kind, n in kinds.items())
    times = 'once' if faults == 1 else f'{faults} times'
    told = [f'retried {times} (after {after})'] if faults else []
    if renewals:
        told.append(f'sent again with a new IAM token after {renewals} {plural("token refusal", renewals)} (HTTP '
                    '401: no retry used)')
    if resends:
        told.append(f'sent again after {resends} {plural("throttle", resends)} (HTTP 429: no retry used)')
    stopped = f'; stopped because {gave_up}' if gave_up else ''
    listed = f'{", ".join(told[:-1])} and {told[-1]}' if len(told) > 1 else told[0]
    return f' The request was {listed}{stopped}.'


def may_have_applied(attempts: Iterable[Attempt], statuses: frozenset[int] = MAYBE_APPLIED_STATUSES) -> bool:
    """Whether the service may have acted though its answer was lost: an attempt broke after reaching it, or was
    answered one of ``statuses`` (a gateway gave up waiting). A refused connection, a 429 or a 503: it did not act."""
    return any((a.fault in FAULTS_AFTER_SENDING and not a.held) or a.status in statuses for a in attempts)


def reached_vendor(outcome: Any) -> bool:
    """Whether a request's outcome, its reply or the RestoreError it raised, may have reached the vendor: what a count
    of requests sent counts (not one a proxy, a name lookup or a refused connection stopped, nor one never tried)."""
    return not isinstance(outcome, RestoreError) or any(attempt.reached for attempt in outcome.attempts)


class RetryPolicy(NamedTuple):
    """When a fault is worth another attempt, and how long to wait before it."""

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff: float = DEFAULT_RETRY_BACKOFF
    statuses: frozenset[int] = RETRY_STATUSES
    max_fault_wait: float = MAX_FAULT_WAIT_SECONDS

    def backoff_wait(self, retry_number: int) -> float:
        """0 before the first retry, then backoff doubling: 0, 1, 2, 4 s with 0.5 s, each at most RETRY_BACKOFF_MAX."""
        return 0.0 if retry_number <= 1 else min(RETRY_BACKOFF_MAX, self.backoff * 2 ** (retry_number - 1))


class OutOfTime(Exception):
    """The next attempt's turn, ``wait`` s away, would come past the command's deadline (0: the run's time had gone)."""

    def __init__(self, wait: float, asked: float | None = None) -> None:
        self.wait, self.asked = wait, asked  # asked: the Retry-After that set the pause, when one did


class AdaptiveRateLimiter:
    """The pace of one vendor's requests for one instance, shared by every thread. Every attempt takes a turn, spaced
    evenly a little under the current rate (so network jitter cannot push a second's arrivals over a per-second limit).
    The rate starts at the ceiling (the setting); a 429 cuts it by BETA for all, a Retry-After pauses every turn, then
    the rate climbs back along a cubic curve (botocore's adaptive retry mode, after TCP CUBIC). A 429 for a request sent
    before the last cut cuts nothing more."""

    # TCP CUBIC and botocore cut to 0.7: their rate at a throttle is the rate they sent at. Here it is also never more
    # than what the vendor admitted lately, so a far-off rate drops in one cut, and a near one needs only a trim.
    BETA = 0.95  # a throttle leaves this share of the rate that met the limit
    SCALE = 0.05  # requests/s per s^3: how fast the rate climbs back (to 6/s from 5.7 in 1.8 s)
    MEASURE_SPAN = 3.0  # seconds of answers the admitted rate is measured over
    MIN_RATE = 0.5  # as botocore: the slowest pace a throttle can bring
    _next_turn = _paused_until = 0.0
    # started: this run's first turn (None: none yet); _last_cut: when the rate was last cut; _rate_at_cut: its rate
    _pause_asked = started = _last_cut = _rate_at_cut = None
    throttles = cuts = 0  # throttles: 429s met (each one, cut or not)
    _backoff = 1.0  # how much the next such 429 in a row puts it off at most (doubling), a random share of it

    def __init__(self, ceiling: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, backoff_max: float = 0.0) -> None:
        # backoff_max > 0: a 429 without a Retry-After also puts the next turn off (IAM_THROTTLE_BACKOFF_MAX)
        self.ceiling, self.clock, self.sleep, self.backoff_max = float(ceiling), clock, sleep, backoff_max
        self._lock, self._answered = threading.Lock(), deque()  # _answered: when recent answers, not 429s, came back

    def rate(self, now: float | None = None) -> float:
        if self._last_cut is None:
            return self.ceiling
        now = self.clock() if now is None else now
        k = (self._rate_at_cut * (1 - self.BETA) / self.SCALE) ** (1 / 3)
        return min(self.ceiling, max(self.MIN_RATE, self.SCALE * (now - self._last_cut - k) ** 3 + self._rate_at_cut))

    def wait_turn(self, deadline: float = math.inf) -> float:
        """Waits for this attempt's turn: the seconds waited; OutOfTime when the wait would pass ``deadline`` (a clock()
        value). A turn free at once is taken: the transport enforces the run's last start."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                turn = max(now, self._next_turn, self._paused_until)
                if turn > max(now, deadline):  # 0: the deadline had passed already
                    raise OutOfTime(turn - now if now <= deadline else 0.0,
                                    self._pause_asked if turn == self._paused_until else None)
                self._next_turn = turn + 1.0 / (self.rate(turn) * 0.98)
                self.started = now if self.started is None else self.started
            if turn <= now:
                return waited
            self.sleep(turn - now)
            waited += turn - now
            with self._lock:  # a pause that came meanwhile and holds this turn: a turn after it
                if turn >= self._paused_until:
                    return waited

    def answered(self) -> None:
        """An attempt got an answer that was not a 429: the vendor admitted it."""
        with self._lock:
            now = self.clock()
            self._answered.append(now)
            self._backoff = 1.0  # a 429 in a row no more
            while self._answered[0] < now - self.MEASURE_SPAN:  # never past ``now``, just appended
                self._answered.popleft()

    def _admitted_rate(self, now: float) -> float:
        """The most answers the vendor gave in any one second of the last MEASURE_SPAN (one second's count is coarse),
        scaled up while the run is younger than a second; infinite while little is seen (none, when one may come)."""
        if self.started is None or (elapsed := now - self.started) < 0.25:
            return math.inf
        if elapsed < 1.0:
            return len(self._answered) / elapsed or math.inf
        # Each answer with those in the second up to it (_answered is in the order they came, so sorted)
        most = max((last + 1 - bisect_right(self._answered, at - 1.0) for last, at in enumerate(self._answered)),
                   default=0)
        return float(most) if most or elapsed >= self.MEASURE_SPAN else math.inf

    def pause(self, seconds: float | None) -> None:
        """The vendor asked to wait ``seconds`` (a Retry-After): no turn comes before they have passed."""
        with self._lock:
            now = self.clock()
            if seconds and now + seconds > self._paused_until:
                self._paused_until, self._pause_asked = now + seconds, seconds

    def paused_for(self) -> float:
        """The seconds left of the vendor's last Retry-After (0 once it has passed)."""
        with self._lock:
            return max(0.0, self._paused_until - self.clock())

    def throttled(self, sent_at: float, retry_after: float | None = None) -> None:
        """A 429 came for an attempt sent at ``sent_at``: slow every request down, pause them for a Retry-After."""
        self.pause(retry_after)
        with self._lock:
            now = self.clock()
            self.throttles += 1
            if retry_after is None and self.backoff_max:  # none asked: IAM's backs off too, on top of the pace
                self._next_turn = max(self._next_turn, now) + random.random() * min(self._backoff, self.backoff_max)
                self._backoff *= 2
            if self._last_cut is not None and sent_at < self._last_cut:
                return
            # The rate that met the limit: what was sent, or, when less, the most the vendor admitted in any one second
            # lately (the limit is shared with other clients, or it dropped), as botocore measures its sending rate.
            self._rate_at_cut, self._last_cut = min(self.rate(now), self._admitted_rate(now)), now
            self.cuts += 1


def server_time_ms(headers: Mapping[str, str]) -> int:
    """The server's clock when it answered (its Date header), in ms; this machine's clock when it sends none."""
    with suppress(KeyError, TypeError, ValueError, IndexError, OverflowError):  # Overflow: a year no clock holds
        when = parsedate_to_datetime(headers['Date'])
        # HTTP dates are GMT: the asctime form and "-0000" parse without a zone, which timestamp() would read as local
        return int(when.replace(tzinfo=when.tzinfo or timezone.utc).timestamp() * 1000)
    return epoch_ms()


def epoch_ms() -> int:  # this machine's clock, as HSS writes times and the hidden arguments carry them
    return int(time.time() * 1000)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (delta-seconds, or an HTTP date on the server's clock: its Date), or None."""
    value = (headers.get('Retry-After') or '').strip()
    if re.fullmatch(r'[0-9]{1,9}(\.[0-9]+)?', value):
        return float(value)
    with suppress(TypeError, ValueError, IndexError, OverflowError):  # '' too
        when = parsedate_to_datetime(value)
        return max(0.0, when.replace(tzinfo=when.tzinfo or timezone.utc).timestamp() - server_time_ms(headers) / 1000)
    return None


class UnfollowedRedirectsSession(requests.Session):
    """A session that never works out where a redirect leads, as requests does even when it follows none (for
    Response.next): it reads the Location (ValueError, before the answer is handed back) and all the body, unbounded."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        """None: no redirect is followed, nor its Location read."""


def describe_connection_error(error: BaseException) -> str:
    """A connection error's socket-level reason in words (a socket's own by its errno name), without urllib3's reprs."""
    if isinstance(error, OSError) and error.strerror:  # a socket's own, named: requests' errors carry a cause instead
        return f'{errno.errorcode.get(error.errno, error.errno)}: {error.strerror}'
    if isinstance(error, ProtocolError) and len(error.args) == 2 and isinstance(error.args[1], OSError):
        return str(error.args[0]).replace(repr(error.args[1]), describe_connection_error(error.args[1]))
    reason = error.args[0] if error.args else error
    reason = getattr(reason, 'reason', reason)  # urllib3's MaxRetryError carries the real cause
    parts = reason.args if isinstance(reason, ProtocolError) else (reason,)  # its words, then the socket's error
    words = ' '.join(part.strerror if isinstance(part, OSError) and part.strerror else str(part) for part in parts)
    return re.sub(r'<[^>]*>: |\b[A-Z][A-Za-z]*\(([^()]*)\)', r'\1', words).strip() or 'the connection failed'


class HttpTransport:
    """One vendor's requests: a requests.Session for pooling, TLS and proxies (urllib3's retries off), and one attempt
    loop per request. Each attempt waits its turn from the vendor's limiter, is built and signed afresh (a new XDR
    nonce, SDK-HMAC signature, the current IAM token), joins the history the VendorReply or the error carries, and ends:
    - done (a 2xx with a readable body, or a final answer: a 4xx, an error not retried): returned;
    - throttled (429): the limiter slows every request, honours Retry-After; sent again if its turn beats the deadline;
    - new token (HSS token mode, 401): its token dropped, the next attempt fetches one (no retry used; see invalidate);
    - fault (gateway error, no connection, no answer in time, broken reply): retried after a backoff, max_retries times;
    - TLS failure, or the proxy's 4xx to its tunnel (CONNECT): reported at once."""

    # The largest reply read: an XDR action's status over 100,000 endpoints is a few MB, an HSS page of 200 rows less.
    MAX_REPLY_BYTES = 32 * 2 ** 20
    proxy_refusal: str | None = None  # the proxy refused its login, or a tunnel by its rule: said again, never asked
    login_refused = False  # the refusal was of its login (or of none given), which a tunnel to any host meets too
    run_wait = MAX_RUN_WAIT_SECONDS  # the longest a run waits for turns: less under a shorter execution-timeout

    def __init__(self, base_url: str, vendor: str, settings: TransportSettings,
                 auth: requests.auth.AuthBase | None = None, limiter: AdaptiveRateLimiter | None = None,
                 retry_statuses: Iterable[int] = RETRY_STATUSES,
                 token_source: 'IamTokenProvider | None' = None) -> None:
        self.base_url, self.vendor, self.settings, self.token_source = base_url, vendor, settings, token_source
        self.limiter = limiter or AdaptiveRateLimiter(XDR_DEFAULT_RATE_LIMIT)
        self.clock = self.limiter.clock  # the run's end, deadlines and reads are timed on the limiter's clock
        self.policy = RetryPolicy(settings.max_retries, settings.retry_backoff, frozenset(retry_statuses))
        session = self.session = UnfollowedRedirectsSession()
        session.verify = settings.verify  # each request passes it too; the session never defaults to less
        session.auth = auth or (lambda request: request)  # always one: else requests adds ~/.netrc's credentials
        session.headers.update({'Accept': 'application/json', 'Accept-Encoding': ACCEPT_ENCODING})
        # A pooled connection for every request in flight at once; max_retries=0: no retry below this loop.
        adapter = requests.adapters.HTTPAdapter(max_retries=0, pool_maxsize=max(requests.adapters.DEFAULT_POOLSIZE,
                                                                                settings.max_concurrency))
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        # "Use system proxy settings" unchecked: None per scheme keeps requests from the environment's HTTP(S)_PROXY
        # (its CA bundle variables still count), 'all' from ALL_PROXY. Plain http stays on this machine, never proxied.
        parts = urlsplit(base_url)
        self.host = parts.netloc  # every path begins with /: each request's host as typed, as errors name it
        direct = not settings.proxy
        if not direct and parts.scheme == 'http' and is_loopback_host(parts.hostname or ''):
            # Direct when requests would send it through the environment's proxy on another machine; a proxy URL it
            # cannot read (ValueError, urllib3's LocationParseError too) is left to requests, whose error is named.
            with suppress(ValueError):
                proxy = requests.utils.select_proxy(base_url, requests.utils.get_environ_proxies(base_url))
                host = parse_url(proxy).host if proxy else None  # read as urllib3 will read it
                direct = host is not None and not is_loopback_host(host)
        self.proxies = dict.fromkeys(('http', 'https', 'all')) if direct else None
        self.run_ends, self.stops = self.clock() + RUN_LIMIT_SECONDS, XSOAR_STOPS_COMMAND  # each attempt ends then; why
        self.waiter, self.again = f'this {settings.caller}', AGAIN_WORDS[settings.caller]
        self.wait_at_most(MAX_RUN_WAIT_SECONDS)

    @property
    def with_iam(self) -> 'list[HttpTransport]':
        """This transport and, in token mode, its IAM token's: the transports of a run's requests."""
        return [self, self.token_source.transport] if self.token_source else [self]

    def waits(self, after: float = 0) -> list[tuple[int, int, str]]:
        """(wait left in whole s, throttles this run, name) of each service whose Retry-After holds back the next run,
        ``after`` s from now at least: IAM's unless the token kept for it (a Test keeps none) serves it (lives_past)."""
        source = self.settings.caller != 'Test' and self.token_source
        kept = source and source.lives_past(TOKEN_REFRESH_MARGIN_SECONDS + max(after, self.limiter.paused_for()))
        return [(math.ceil(each.limiter.paused_for()), each.limiter.throttles, each.vendor)
                for each in ([self] if kept else self.with_iam)]

    def end_run_within(self, timeout: float, stops: str) -> None:
        """Ends this run's attempts and turns (its IAM token's too) in time for its entry before XSOAR's ``timeout``."""
        seconds = max(timeout - ENTRY_MARGIN_SECONDS, MIN_ATTEMPT_SECONDS + 1)  # one attempt may start: else none acts
        for each in self.with_iam:
            each.run_ends, each.stops = min(each.run_ends, each.clock() + seconds), stops
            each.run_wait = seconds - MIN_ATTEMPT_SECONDS
        self.wait_at_most(seconds)

    def wait_at_most(self, seconds: float) -> None:
        """Turns are waited for ``seconds`` from now at most (the command's timeout), not past the run's last start."""
        for each in self.with_iam:  # the IAM token request is part of the command's requests
            now, last_start = each.clock(), each.run_ends - MIN_ATTEMPT_SECONDS
            each.deadline = min(now + max(0, seconds), last_start)
            each.budget_s = max(0, seconds if now + seconds <= last_start else round(last_start - now))

    def request(self, method: str, path: str, expect_json: bool = False, retry_statuses: Iterable[int] | None = None,
                still_to_send: Callable[[Attempt, VendorReply | None], str | None] | None = None,
                refused: Refused | None = None, not_answer: Callable[[VendorReply], str | None] | None = None,
                **kwargs: Any) -> VendorReply:
        """The attempt loop: the final answer and every attempt. ``expect_json``: a 2xx must carry JSON; after a fault,
        ``still_to_send`` cuts what it sends to what the service still needs if it may have acted, or why none goes;
        ``refused``, the client's: why no attempt of it goes any more (a refusal of another, which it would meet);
        ``not_answer``, why a 2xx is no answer of the vendor's (something in between gave it): a broken reply then."""
        statuses = self.policy.statuses if retry_statuses is None else frozenset(retry_statuses)
        attempts, faults, fault_waited, renewals, backoff, reply = [], 0, 0.0, 0, 0.0, None
        while True:
            try:
                if backoff:
                    self.limiter.sleep(backoff)
                attempt = Attempt(waited=backoff)
                response = self._send_once(method, self.base_url + path, attempt, attempts, kwargs, refused)
            except OutOfTime as late:  # nothing went out: no turn in time, or the IAM token came past the deadline
                return self._out_of_time(attempts, late, reply)
            attempts.append(attempt)
            reply = self._read_reply(response, attempt, expect_json, not_answer) if response is not None else None
            backoff = 0.0
            if reply is not None:
                reply.attempts, reply.again, reply.run_wait = tuple(attempts), self.again, self.run_wait
                if reply.status == THROTTLED_STATUS:  # slows every request of the vendor, pauses them for a Retry-After
                    self.limiter.throttled(attempt.sent_at, parse_retry_after(reply.headers))
                    if self.clock() < self.deadline:
                        continue  # the next turn, or the deadline, decides
                    reply.gave_up = f'the {self.budget_s:g} s {self.waiter} waits for throttling had passed'
                    return reply
                self.limiter.answered()
                if self.token_source and reply.status == 401:
                    self.token_source.invalidate(response.request.headers.get('X-Auth-Token'), renewals)
                    renew = not renewals  # the first, whatever the reply says (not read): a kept one may be revoked
                    if renewals and self.token_source.taken:  # HSS took one: an expiry, if it says so or nothing
                        renew = token_expired(reply)
                    if renew and renewals <= self.policy.max_retries:
                        renewals += 1
                        continue
                elif self.token_source and reply.status < 500:  # past the gateway's token check (a 5xx may not be)
                    self.token_source.taken = True
                if reply.status not in statuses:
                    return reply
            faults += 1
            backoff, gave_up = self._fault_wait(faults, fault_waited, reply)
            if backoff is not None and still_to_send:
                gave_up = still_to_send(attempt, reply)
            if backoff is None or gave_up:
                return self._give_up(attempts, reply, gave_up)
            fault_waited += backoff

    def _past_last_start(self) -> bool:
        """Whether less than MIN_ATTEMPT_SECONDS of the run is left: no attempt starts then, even one free at once."""
        return self.clock() > self.run_ends - MIN_ATTEMPT_SECONDS

    def _fault_wait(self, faults: int, fault_waited: float,
                    answer: VendorReply | None) -> tuple[float | None, str | None]:
        """After the ``faults``-th fault: the wait before the next attempt (``answer``'s Retry-After, else the backoff),
        or None and why the loop gives up (a Retry-After given up on still holds the vendor's later requests back)."""
        asked = answer and parse_retry_after(answer.headers)
        wait = asked if asked is not None else self.policy.backoff_wait(faults)
        reason = (f'the vendor asked to wait {wait:.12g} s (Retry-After)' if asked is not None
                  else f'the next wait would be {wait:g} s')
        if faults > self.policy.max_retries:
            gave_up = None
        elif fault_waited + wait > self.policy.max_fault_wait:
            gave_up = f'{reason}, past the {self.policy.max_fault_wait:g} s the retries of one request may wait in all'
        elif self.clock() + wait > self.deadline:
            gave_up = (f'the next attempt would start past the {self.budget_s:g} s '
                       f'{"one run of this command" if self.settings.caller == "command" else self.waiter} may wait')
        else:
            return wait, None
        self.limiter.pause(asked)  # RFC 9110: the service is unavailable to this client that long (503)
        return None, gave_up

    def _send_once(self, method: str, url: str, attempt: Attempt, attempts: list[Attempt], kwargs: JsonObject,
                   refused: Refused | None) -> requests.Response | None:
        """One attempt on the wire, ended by ``attempt.ends``: the response, or None with ``attempt.fault`` set."""
        token = self._turn(attempt, attempts, refused)
        try:
            attempt.sent_at = now = self.clock()
            connect, read = self.settings.timeout
            left = self.run_ends - now  # MIN_ATTEMPT_SECONDS at least
            total = min(connect + read, left)
            attempt.ends, attempt.cut_to = now + total, left if connect + read > left else None
            # verify per request: requests lets REQUESTS_CA_BUNDLE override a session's verify=False. No caller passes
            # headers or a timeout (urllib3 connects within the shorter of total and connect, reads within what is left)
            response = self._sent_in_time(attempt, lambda: self.session.request(
                method, url, headers=token, proxies=self.proxies, stream=True, verify=self.settings.verify,
                allow_redirects=False, timeout=SocketTimeouts(connect=connect, read=read, total=total),
                auth=functools.partial(self._signed_then_held, attempt), **kwargs))
        except requests.exceptions.SSLError as error:
            attempt.fault, refusal = FAULT_TLS, self.tls_failure(describe_connection_error(error))
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, UnicodeEncodeError) as error:
            # The URL and every header value passed the settings' checks (Latin-1: setting_credential): this is the
            # environment's proxy URL (a login not in Latin-1, for Basic proxy authentication: UnicodeEncodeError)
            refusal = self.environment_proxy_refusal(error)
        except (requests.ConnectionError, requests.ReadTimeout) as error:
            # Unless the environment's proxy refused its login: a SOCKS5 one, or an HTTP one's 407 to CONNECT
            if not re.search(f'{SOCKS_LOGIN_REFUSED}|Tunnel connection failed: 407', str(error)):
                self._connection_fault(error, attempt)
                if attempt.fault != FAULT_PROXY_REFUSED:  # its 5xx to a tunnel passes, as a vendor's 5xx does
                    return None
                self.proxy_refusal = f'{attempt.detail} {attempt.advice}'  # its rule holds for the run's other requests
                raise RestoreError(self.proxy_refusal, [*attempts, attempt], attempt.advice)
            attempt.fault = FAULT_PROXY_REFUSED
            refusal = self.environment_proxy_refusal(error)
        except OSError as error:  # requests' missing CA bundle; any other (requests' own too): the integration's fault
            if 'CA certificate bundle' not in str(error):
                raise
            # requests found no file where REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE points (an engine's private CA)
            attempt.fault, refusal = FAULT_TLS, self.tls_failure(str(error))
        else:  # a plain-HTTP request's 407 is its answer, not a CONNECT's: a refused login all the same
            proxy_407 = response is not None and response.status_code == 407  # no proxy set: a transparent one's
            if not proxy_407 and (response is None or not response.is_redirect):
                return response
            attempt.status = response.status_code
            response.close()
            refusal = self.environment_proxy_refusal(response) if proxy_407 else self.redirect_refusal(url, response)
        raise RestoreError(refusal, [*attempts, attempt]) from None

    def _turn(self, attempt: Attempt, attempts: list[Attempt], refused: Refused | None) -> dict[str, str]:
        """The attempt's headers (a due IAM token), then its turn: OutOfTime past the run's last start; a RestoreError,
        this attempt unsent, when another request met a refusal it would meet, before its turn or while it waited."""
        self._unless_refused(attempt, attempts, refused)
        try:
            token = {'X-Auth-Token': self.token_source.token()} if self.token_source else {}
        except RestoreError as error:  # from the token source: IAM's token request failed, this one was not sent
            error.attempts = tuple(attempts)  # its own history goes with the error, not the token request's
            raise
        # the turn after the token: a token that came late lets no request out ahead of the pace
        attempt.waited += self.limiter.wait_turn(self.deadline)
        if self._past_last_start():  # also when the turn was free at once, or the token took the time
            raise OutOfTime(0.0)
        self._unless_refused(attempt, attempts, refused)  # met while this one waited for its turn: not sent either
        return token

    def _unless_refused(self, attempt: Attempt, attempts: list[Attempt], refused: Refused | None) -> None:
        """Raises, this attempt unsent (no status, no fault), if the environment's proxy refused the run's login (asked
        again, a directory may lock the account) or its tunnel by rule, or ``refused`` says the vendor would too."""
        why = self.proxy_refusal or (refused and refused())
        if why:
            error = RestoreError(why, [*attempts, attempt])
            error.unsent = REFUSED_ELSEWHERE
            raise error

    def tls_failure(self, detail: str) -> str:
        """What a failed TLS handshake or CA bundle means. A plain-HTTP port behind an https URL answers in clear text
        (to TLS a wrong version's record). Only a certificate this side refused (CERTIFICATE_VERIFY_FAILED) gets the
        certificate advice; one the server broke off (no shared cipher, client certificate required) is its setup."""
        if self.settings.verify and re.search(f'{TLS_BUNDLE_UNREADABLE}|CA certificate bundle', detail):  # or not found
            return (f'No TLS connection to {self.vendor} at {self.host} was tried: the CA certificate bundle could not '
                    f'be loaded ({detail}). Correct or remove REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in this machine\'s '
                    f'environment if one is set (it must name a PEM file of certificates), else reinstall certifi, '
                    f'requests\' own bundle.')
        if re.search(r'(?i)wrong[ _]version[ _]number|record layer failure|http request', detail):
            return (f'{self.vendor} at {self.host} answered in plain HTTP, not TLS: the URL says https, but that port '
                    f'serves http. Check the port in {URL_SETTINGS[self.vendor]}, or use http:// for a server on this '
                    f'machine.')
        if self.settings.verify and re.search(TLS_CERTIFICATE_REFUSED, detail):
            return (f'The TLS certificate of {self.vendor} at {self.host} could not be verified ({detail}). Check that '
                    f'{URL_SETTINGS[self.vendor]} names the server as its certificate does, and make the server\'s '
                    f'certificate authority trusted; as a last resort, check {SETTING_NAMES["insecure"]}, which turns '
                    f'verification off: use it only against a test server.')
        return (f'The TLS handshake with {self.vendor} at {self.host} failed ({detail}). Check the host and port in '
                f'{URL_SETTINGS[self.vendor]}, and the TLS setup of the server there (or of a proxy between).')

    def environment_proxy_refusal(self, error: Exception | requests.Response) -> str:
        """Why a proxy cannot carry the request, never quoting it (it may hold a password): with none set, one on the
        way asked for a login; the environment's: requests cannot read it or takes no proxy of its scheme, its login is
        not Latin-1 (as HTTP Basic sends it), or it refused the login (not tried again: it may lock the account),
        asked for one its URL does not hold, or takes no login requests can send (not asked again either)."""
        # the proxy requests took for this URL: none set for its scheme, or NO_PROXY names its host, took none
        url = requests.utils.select_proxy(self.base_url, requests.utils.get_environ_proxies(self.base_url))
        if not self.settings.proxy or not url:  # a 407 all the same: not the vendor's, whose advice would mislead
            return (f'Something between XSOAR and {self.vendor} at {self.host} asked for proxy authentication (HTTP '
                    f'407). Check the network path, or set the proxy it needs in this machine\'s environment and check '
                    f'{SETTING_NAMES["proxy"]}.')
        proxy = 'The proxy that this machine\'s environment sets (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY)'
        if isinstance(error, UnicodeEncodeError):
            return (f'{proxy} cannot be used for {self.host}: its user name or password holds a character outside '
                    f'Latin-1, which HTTP Basic proxy authentication cannot send (not shown). Use a proxy login in '
                    f'Latin-1, or uncheck "Use system proxy settings".')
        if isinstance(error, ValueError):  # requests' InvalidURL and InvalidSchema
            return (f'{proxy} cannot be used for {self.host}: requests cannot read it, or takes no proxy of its '
                    f'scheme (not shown: it may hold a password). Give it as http://host:port, percent-encode any @ : '
                    f'/ ? # in its user name and password, or uncheck "Use system proxy settings".')
        said = re.search(SOCKS_LOGIN_REFUSED, str(error))  # a connection error or a 407 answer (_send_once)
        why = said[0] if said else '407 Proxy Authentication Required'
        self.login_refused = True
        user, password = requests.utils.get_auth_from_url(url)  # both '' for a user@ with no colon
        held, put = 'none, so', 'user name and password'
        if urlsplit(url).username:
            held = 'a user name but no password, so no login was sent and'
        elif password:  # :password@, sent by neither (below): what it lacks is the user name
            held = 'a password but no user name, so no login was sent and'
            put = 'user name before the password'
        # requests sends an HTTP proxy's login with a user name (user:@ too), PySocks a SOCKS5 one only with a password
        if not user or (not password and url.lower().startswith('socks')):
            self.proxy_refusal = (f'{proxy} asks for a login ({why}), and its URL holds {held} nothing reached '
                                  f'{self.vendor} at {self.host}. Put the proxy\'s {put} in that variable\'s URL (its '
                                  f'user:password@ part), or uncheck "Use system proxy settings".')
        elif why == SOCKS_NO_METHOD:  # a proxy that takes neither (GSSAPI alone, say) checked no password
            self.proxy_refusal = (f'{proxy} accepts none of the login methods requests can use (no login, user name '
                                  f'and password), so its login was not sent ({why}) and nothing reached '
                                  f'{self.vendor} at {self.host}. Have it accept a user name and password from this '
                                  f'machine (requests cannot log in by GSSAPI), or uncheck "Use system proxy '
                                  f'settings".')
        else:
            self.proxy_refusal = (f'{proxy} refused its login ({why}), so nothing reached {self.vendor} at '
                                  f'{self.host}; it is not tried again, as a proxy that checks a directory may lock '
                                  f'the account. Correct the user name and password in that variable\'s URL (its '
                                  f'user:password@ part, not shown), or uncheck "Use system proxy settings".')
        return self.proxy_refusal

    def redirect_refusal(self, url: str, response: requests.Response) -> str:
        """A redirect is not followed: every request carries credentials (requests would drop only Authorization on
        the way, and send a 307's body again), and neither vendor's API redirects a right URL."""
        where = 'an address that cannot be read'
        with suppress(ValueError):
            target = urlsplit(requests.compat.urljoin(url, response.headers['Location']))
            where = f'{target.scheme}://{target.netloc.rpartition("@")[2]}'  # without a user name or password it holds
        return (f'{self.vendor} at {self.host} answered HTTP {response.status_code}, a redirect to {where}. It is not '
                f'followed, as every request carries credentials. Check {URL_SETTINGS[self.vendor]} in the instance '
                f'settings; if {where} is the vendor\'s API, set that URL instead.')

    def _sent_in_time(self, attempt: Attempt, send: Callable[[], requests.Response]) -> requests.Response | None:
        """``send()`` on a thread of its own, waited for SEND_GRACE_SECONDS past ``attempt.ends`` at most: urllib3 times
        each read of the status line and headers (a proxy's to CONNECT too) on its own, the name lookup not at all, and
        requests hands back no socket to shut down before they are in. Its own timeouts come first (they tell no
        connection from no answer); past the grace: no answer in time, ``attempt.given_up``, and the thread is left to
        end (no body goes out then, and a reply that comes then is closed unread). It calls no ``demisto``."""
        # threading alone: concurrent.futures is imported by bulk work only, which alone pays for it
        state, lock = {}, threading.Lock()  # sent: the reply, or the error it raised

        def send_on_thread() -> None:
            try:
                result = send()
            except BaseException as error:  # noqa: BLE001 - raised again on the attempt's own thread
                result = error
            with lock:
                state['sent'], late = result, attempt.given_up
            if late and isinstance(result, requests.Response):
                result.close()

        thread = threading.Thread(target=send_on_thread, daemon=True)
        thread.start()
        thread.join(max(0.0, attempt.ends - self.clock()) + SEND_GRACE_SECONDS)
        with lock:
            result = state.get('sent')
            attempt.given_up = result is None
            attempt.held = attempt.given_up and attempt.body_went is False  # after given_up: a read begun since raises
        if isinstance(result, BaseException):
            raise result
        if result is not None:
            return result
        self._timed_out(attempt, FAULT_NO_ANSWER, f'{self.vendor} at {self.host} did not answer: the name lookup, the '
                        f'connection or the reply\'s status line and headers (slow, or trickling in) were not all done',
                        None, f'Check DNS, the network path and {SETTING_NAMES["proxy"]}; if they are right, '
                        '{again}.')
        return None

    def _signed_then_held(self, attempt: Attempt, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """The session's auth, which signs the body as it is, then the body held back once ``attempt`` is given up."""
        request = self.session.auth(request)
        if isinstance(request.body, bytes):  # the JSON requests encoded (a GET has none)
            request.body = BodyWhileWaited(request.body, attempt)
        return request

    def _connection_fault(self, error: requests.RequestException, attempt: Attempt) -> None:
        """Which fault a connection error or read timeout is, in words (in the TLS handshake: no connection in time)."""
        reason = getattr(error.args[0], 'reason', error.args[0])  # urllib3's cause: requests raises these with it
        # Sent or not: whether its body began to go out, as the attempt knows, not by urllib3's class (through a
        # plain-HTTP proxy a reset after the request went out is its ProxyError, "Unable to connect to proxy"); for a
        # request without one, whether it rose in the TLS handshake (ssl's SSLSocket and SSLObject): urllib3 raises its
        # timeout there as a read timeout, a reset as dropped. A read timeout's cause is the socket's timeout; a
        # dropped connection's ProtocolError (or a proxy's ProxyError) holds the socket's error.
        cause = getattr(reason, '__cause__', None) or next(
            (arg for arg in getattr(reason, 'args', ()) if isinstance(arg, BaseException)), None)
        in_handshake = any(frame.f_code.co_name == 'do_handshake'
                           for frame, _ in traceback.walk_tb(getattr(cause, '__traceback__', None)))
        unsent = attempt.body_went is False or in_handshake
        # PySocks' error, which urllib3 raises its own over, holds the socket's (socket_err); urllib3's lookups of its
        # own raise NameResolutionError: a plain NewConnectionError holding a gaierror is PySocks' lookup of the proxy
        socks = getattr(reason, '__context__', None)
        lookup = getattr(socks, 'socket_err', socks)
        # urllib3's ProxyError, "Unable to connect to proxy", is also a connection the proxy took that broke as the
        # answer was awaited (http.client closes it then, so urllib3 deems the proxy unreached): its cause, a socket's
        # ConnectionError, tells it from a proxy never reached (a NewConnectionError or a timeout)
        via, look = '', f'{SETTING_NAMES["proxy"]} and the network path'
        if isinstance(reason, ProxyError) and isinstance(cause, ConnectionError):
            via = ' through the proxy'
            look = f'the log of the proxy that this machine\'s environment sets, and its path to {self.vendor}'
        if isinstance(error, requests.ConnectTimeout) or unsent and isinstance(error, requests.ReadTimeout):
            self._timed_out(attempt, FAULT_NO_CONNECTION, f'{self.vendor} at {self.host} did not accept a connection',
                            self.settings.connect_timeout, f'Check {URL_SETTINGS[self.vendor]}, the network path and '
                            f'{SETTING_NAMES["proxy"]}, or raise {SETTING_NAMES["connect_timeout"]}.')
        elif isinstance(error, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
            self._timed_out(attempt, FAULT_NO_ANSWER, f'{self.vendor} at {self.host} did not answer',
                            self.settings.read_timeout, NO_ANSWER_ADVICE)
        elif attempt.body_went or (not unsent and (via or isinstance(reason, ProtocolError))):  # not a refused one
            attempt.met(FAULT_DROPPED, f'The connection to {self.vendor} at {self.host}{via} broke before the answer '
                                       f'arrived ({describe_connection_error(cause or error)}).',
                        f'{self.again["Again"]}; if it persists, check {look}.')
        elif isinstance(reason, ProxyError) and not via:  # the proxy never took it, or refused its tunnel or TLS
            self._proxy_not_reached(attempt, cause)
        elif re.match(r'Error connecting to SOCKS|Socket error: \d', str(socks)) or (
                type(reason) is NewConnectionError and isinstance(cause, socket.gaierror)):
            self._proxy_not_reached(attempt, socks)  # a SOCKS proxy not reached, its name not resolved, or its reply
        elif isinstance(lookup, socket.gaierror):  # the vendor's name, looked up here (for a socks5:// proxy too)
            attempt.met(FAULT_NO_CONNECTION, f'Could not connect to {self.vendor} at {self.host}: its name could not '
                                             f'be resolved ({lookup.strerror}).',
                        f'Check {URL_SETTINGS[self.vendor]} and that this machine\'s DNS resolves {self.host}.')
        else:
            attempt.met(FAULT_NO_CONNECTION,
                        f'Could not connect to {self.vendor} at {self.host} ({describe_connection_error(error)}).',
                        f'Check {URL_SETTINGS[self.vendor]}, DNS, the firewall and {SETTING_NAMES["proxy"]}.')

    def _proxy_not_reached(self, attempt: Attempt, cause: Exception) -> None:
        """The environment's proxy refused the connection or a tunnel, could not be reached, failed TLS, or took none in
        time: said in words, the proxy named by its host and port (netloc holds no login), not by urllib3's reprs."""
        proxy = parse_url(requests.utils.select_proxy(self.base_url, getproxies())).netloc
        what = f'The proxy at {proxy} that this machine\'s environment sets'
        advice = 'Check the proxy HTTPS_PROXY, HTTP_PROXY or ALL_PROXY sets, or uncheck "Use system proxy settings"'
        error = getattr(cause, 'socket_err', None) or cause.__cause__ or cause  # PySocks' or urllib3's socket error
        said, why, first, fault = 'could not be reached', describe_connection_error(error), '', FAULT_NO_CONNECTION
        # http.client's, the CONNECT's status; PySocks', the SOCKS reply (a socks5h:// proxy resolves the vendor's name)
        tunnel = re.fullmatch(r'(?:Tunnel connection failed|Socket error): (\d.*)', str(cause))
        if tunnel:
            url = parse_url(self.base_url)
            target = f'{url.host}:{url.port or 443}'
            said, why = f'refused to open a tunnel to {target}', tunnel[1]
            # its rule, which a retry meets: a 4xx (403), or SOCKS5's "connection not allowed by ruleset" (RFC 1928)
            if re.match('Tunnel connection failed: 4|Socket error: 0x02', str(cause)):
                fault = FAULT_PROXY_REFUSED
            first = (f'Check {URL_SETTINGS[self.vendor]}: the proxy must resolve and reach {target}, and allow a '
                     f'tunnel (CONNECT) to it. ')
        elif isinstance(error, ConnectionRefusedError):
            said = 'refused the connection'
        elif isinstance(error, socket.gaierror):  # no errno name: the resolver's reason alone
            said, why = 'could not be reached: its name could not be resolved', error.strerror
            first = f'Check that this machine\'s DNS resolves {parse_url(proxy).host}. '
        elif isinstance(cause, Urllib3SslError):  # an https:// proxy's certificate, verified as the vendors' are
            said, why = 'failed the TLS handshake', str(cause)
            first = ('Its certificate is verified as the vendors\' are: make its certificate authority trusted '
                     '(REQUESTS_CA_BUNDLE names the bundle if set). ')
        elif not isinstance(cause, NewConnectionError):  # no answer to the connect in time
            self._timed_out(attempt, FAULT_NO_CONNECTION, f'{what} did not accept a connection',
                            self.settings.connect_timeout, f'{advice}, or raise {SETTING_NAMES["connect_timeout"]}.')
            return
        attempt.met(fault, f'{what} {said} ({why}), so nothing reached {self.vendor} at {self.host}.',
                    f'{first}{advice}.')

    def _timed_out(self, attempt: Attempt, fault: str, what: str, seconds: float | None, advice: str) -> None:
        """``attempt`` met ``fault``: ``what`` not done within ``seconds`` (None: both timeouts), or the run's rest."""
        if attempt.cut_to is not None and (seconds is None or seconds > attempt.cut_to):
            given = (f'the {attempt.cut_to:.3g} s left of this run ({self.stops}), less than connect_timeout + '
                     f'read_timeout ({self.settings.connect_timeout:g} + {self.settings.read_timeout:g} s).')
            advice = '{Again}: this run\'s time, not a timeout setting, ended the attempt.'
        else:
            given = (f'{sum(self.settings.timeout):g} s (connect_timeout + read_timeout).' if seconds is None
                     else f'{seconds:g} s.')
        attempt.met(fault, f'{what} within {given}', advice.format(**self.again))

    def _read_reply(self, response: requests.Response, attempt: Attempt, expect_json: bool,
                    not_answer: Callable[[VendorReply], str | None] | None) -> VendorReply | None:
        """The answer, its body read within the read timeout in all (urllib3's is per read: bytes trickling in never
        meet it) and the attempt's time; None when the attempt met a fault (a broken reply, no answer in time)."""
        attempt.status = response.status_code
        attempt.answered_ms = server_time_ms(response.headers) if 'Date' in response.headers else None
        # Huawei's request ID: as an error reply keeps it, an unreadable one does
        said = f'{self.vendor} at {self.host} answered HTTP {response.status_code}{request_id_of(response.headers)}'
        broken, advice = '', BROKEN_REPLY_ADVICE.format(url=URL_SETTINGS[self.vendor], **self.again)  # the reply broken
        if response.status_code < 200:
            # An interim answer (RFC 9110 15.2, as 103 Early Hints) http.client takes for the final one: the final one
            # would be read as the next request's on this connection, so the connection is closed, not pooled.
            broken = f'{said}, an interim answer this integration cannot wait past.'
        else:
            ends = min(self.clock() + self.settings.read_timeout, attempt.ends)
            try:
                body = decoded_body(response.headers, self._read_body(response, ends), self.MAX_REPLY_BYTES)
            except DecodeError:
                broken = (f'{said} with a body that does not decode as '
                          f'{printable(response.headers["Content-Encoding"])} (its Content-Encoding).')
            except ReadTimeoutError:
                self._timed_out(attempt, FAULT_NO_ANSWER, f'{said} but its reply did not end',
                                self.settings.read_timeout if ends < attempt.ends else None, NO_ANSWER_ADVICE)
            except OverflowError:
                broken = (f'{said} but its reply was larger than {self.MAX_REPLY_BYTES // 2 ** 20} MB, far more than '
                          'any answer of this API.')
            except (Urllib3Error, OSError) as error:
                broken = f'{said} but the reply was cut off before its end ({describe_connection_error(error)}).'
        if broken:
            attempt.met(FAULT_BROKEN_REPLY, broken, advice)
        if attempt.fault:
            response.close()
            return None
        reply = VendorReply(response.status_code, response.headers, body, self.host)
        # A 2xx HTML page is no API's answer (HSS's PUT has no body): a proxy's, its login page say (1xx returned above)
        page = bool(body) and 'html' in response.headers.get('Content-Type', '').lower()
        if (expect_json or page) and reply.status < 300 and reply.parsed is NOT_JSON:
            not_json = f'{said} with a body that is not JSON ({short_text(reply.text)}).'
            attempt.met(FAULT_BROKEN_REPLY, html_page_note(reply, self.vendor) or not_json, advice)
        elif not_answer and reply.status < 300 and (why := not_answer(reply)):  # lost as a broken reply's answer is
            attempt.met(FAULT_BROKEN_REPLY, f'{said} {why}', advice)
        return None if attempt.fault else reply

    def _read_body(self, response: requests.Response, ends: float) -> bytes:
        """The body as it came (not decoded: urllib3's read1 reads on until its decoder gives bytes, past any end),
        whole by ``ends``, each read within what is left. urllib3 reads a chunk's size line and trailers a line at a
        time, each recv given the whole timeout again: for a chunked reply a timer shuts the socket down at ``ends``,
        for a "Connection: close" one (http.client holds its socket) a socket of our own on it. ReadTimeoutError then,
        whatever the read made of it, unless all its Content-Length came; OverflowError past MAX_REPLY_BYTES."""
        sock, own = getattr(response.raw.connection, 'sock', None), None
        if not sock:  # one on a dup of the reply's descriptor: its shutdown ends the reply's reads, its close not
            with suppress(OSError, ValueError):
                own = socket.socket(fileno=os.dup(response.raw.fileno()))
        body = bytearray()
        cut, timer = threading.Event(), None
        if (own or (sock and response.raw.chunked)) and ends > self.clock():  # past ends: no read waits (_read_until)
            timer = threading.Timer(ends - self.clock(), shut_down, (sock or own, cut))
            timer.daemon = True
            release = response.raw.release_conn

            def release_after_timer() -> None:
                """urllib3 puts the connection back in the pool within the read that ends the reply: the timer stops
                first (a shutdown under way done), so it never shuts down a socket another request took from there."""
                timer.cancel()
                timer.join()
                release()
            response.raw.release_conn = release_after_timer
            timer.start()
        try:
            if not self._read_until(response, sock, own, ends, body, cut):  # the time is up, as the timer cuts it
                cut.set()
        except (Urllib3Error, OSError):
            if not cut.is_set():
                raise
        finally:
            if timer:  # joined: once it is cancelled, it shuts no socket down that the pool may hand to another request
                timer.cancel()
                timer.join()
            if own:
                own.close()  # its own descriptor: the reply's stays open
        if cut.is_set() and response.raw.length_remaining != 0:
            raise ReadTimeoutError(None, response.url, 'the reply did not end in time')
        return bytes(body)

    def _read_until(self, response: requests.Response, sock: socket.socket | None, own: socket.socket | None,
                    ends: float, body: bytearray, cut: threading.Event) -> bool:
        """Reads the reply on into ``body``, each read within what is left: whether it ended by ``ends``. On a kept
        connection's ``sock``, once the time is up, reads that raise rather than wait take what came already, and no
        more (``came``, what had come unread then: a server streaming on is not read to its end): a reply whose rest
        had come unread (its head came late, or a chunked one's last chunk) ends, as its server sent it in time; one
        whose rest had not raises ReadTimeoutError. On one the server closes after the reply (``own``, on its
        descriptor), reads go on then only if its close had come, or, with a Content-Length, once ``own`` is shut down
        (``cut``): none waits, what had come is read (macOS drops what its socket held), what comes later resets it."""
        came = None
        while True:
            left = ends - self.clock()
            if sock and response.raw.connection:  # None once urllib3 put it back in the pool: not ours to time
                # not 0: returning at once, a read would hand http.client part of a chunk's size line as the whole
                # line, a "0" of "0a" as the last chunk
                sock.settimeout(max(left, 1e-9))
                if left <= 0 and came is None:
                    came = len(body) + unread_bytes(sock)
            elif left <= 0 and own and response.raw.length_remaining and not cut.is_set():
                shut_down(own, cut)  # all its Content-Length may have come, not its close: whole all the same
            elif left <= 0 and not (own and (cut.is_set() or closed_by_server(own))):
                return False
            piece = response.raw.read1(2 ** 16, decode_content=False)
            if not piece:
                return True
            body += piece
            if len(body) > self.MAX_REPLY_BYTES:
                raise OverflowError
            if came is not None and len(body) > came:  # read past what had come by ``ends``: the rest came late
                return False

    def _out_of_time(self, attempts: list[Attempt], late: OutOfTime, reply: VendorReply | None) -> VendorReply:
        """Past the deadline: the last attempt's answer (``reply``) is final, else an error says why none came."""
        run_over = not late.wait and self._past_last_start()
        kept = bool(late.asked) and self.limiter.started is None  # no turn yet: an earlier run's wait (HSS_PAUSE_KEY)
        gave_up = self._why_out_of_time(late, run_over, kept)
        if attempts:
            return self._give_up(attempts, reply, gave_up)
        if kept:
            why = 'an earlier run was throttled'
        elif late.wait:
            why = ('its turn, paced at this instance\'s request rate (slower after the vendor throttled it), came too '
                   'late')
        else:
            why = 'the requests before it took the time'
        if run_over:
            later = ''
        elif self.budget_s < self.run_wait:
            later = ', or with a larger timeout_in_seconds'
        else:
            later = f' (one run waits at most this long: {self.stops})'
        fetch_advice = ('The next fetch after that time goes on from where the last one stopped.' if kept
                        else FETCH_NEXT_ADVICE)
        advice = {'command': f'Run the command again later{later}.', 'Test': TEST_AGAIN,
                  'fetch': fetch_advice}[self.settings.caller]
        error = RestoreError(f'Not sent to {self.vendor} at {self.host}: {why}: {gave_up}. {advice}', (), advice, True)
        error.says_until = kept  # until when an earlier run's wait holds: told_when adds no end
        error.unsent = NO_TIME_LEFT
        raise error

    def _why_out_of_time(self, late: OutOfTime, run_over: bool, kept: bool) -> str:
        """Why no attempt (more) went out: the run's end too near, or the next turn past what may be waited for."""
        if run_over:
            return f'less than the {MIN_ATTEMPT_SECONDS} s an attempt needs was left of this run ({self.stops})'
        if not late.wait:
            return f'the {self.budget_s:g} s this run may wait for its turns had passed'
        if kept:
            asked = f'{self.vendor} asked to wait until {utc_text(time.time() + late.wait)} (Retry-After)'
        elif late.asked:
            asked = f'the vendor asked to wait {late.asked:.12g} s (Retry-After)'
        elif late.wait < 1:
            asked = 'the next turn was less than a second away'
        else:
            asked = f'the next turn was {late.wait:.{1 if late.wait < 10 else 0}f} s away'
        return f'{asked}, past the {self.budget_s:g} s {self.waiter} waits for throttling'

    @staticmethod
    def _give_up(attempts: list[Attempt], reply: VendorReply | None, gave_up: str | None) -> VendorReply:
        if reply is None:
            *retried, last = attempts
            said = last.detail + retry_note(retried, gave_up)  # the note starts with its blank
            raise RestoreError(f'{said} {last.advice}', attempts, last.advice)
        reply.gave_up = gave_up
        return reply


class BodyWhileWaited(io.BytesIO):
    """A request's body, which urllib3 reads once the connection is made and the request's head sent: none of it once
    its attempt was given up (a name lookup or a proxy's CONNECT late past its end), so the server, short of the
    Content-Length, acts on nothing, and only a retry can (the thread given up on goes on while its resolver does)."""

    def __init__(self, body: bytes, attempt: Attempt) -> None:
        super().__init__(body)
        self.attempt = attempt
        attempt.body_went = False

    def read(self, size: int | None = -1) -> bytes:
        self.attempt.body_went = True  # before the check: an attempt given up after this may have sent its body
        if self.attempt.given_up:
            raise ConnectionAbortedError('the attempt was given up before its body went out')
        return super().read(size)


def shut_down(sock: socket.socket, cut: threading.Event) -> None:
    """Ends a reply's reading at its time, on a timer's thread (no demisto call) or past it: no read waits after."""
    cut.set()
    with suppress(OSError):  # closed already
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # not SSLSocket's, which drops the TLS object the reader uses


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server's close had come on ``sock``, bytes before it unread or not (Linux's POLLRDHUP). Where Python
    has no POLLRDHUP (macOS, Windows), False: the reply is not taken as ended, as before this check."""
    if not hasattr(select, 'POLLRDHUP'):
        return False
    poller = select.poll()
    poller.register(sock, select.POLLRDHUP)
    return bool(poller.poll(0))


def unread_bytes(sock: socket.socket) -> int:
    """At most how many bytes of a reply had come on ``sock`` unread: its kernel's receive queue and an SSLSocket's
    decrypted bytes (raw bytes: TLS and chunk framing make the body fewer), and 64 KB for what http.client's buffer
    (8 KB) and TLS records begun (16 KB each, two through an HTTPS proxy) hold."""
    unread = int.from_bytes(fcntl.ioctl(sock.fileno(), termios.FIONREAD, bytes(4)), sys.byteorder)
    return unread + (sock.pending() if hasattr(sock, 'pending') else 0) + 2 ** 16  # pending: an SSLSocket's


def decoded_body(headers: Mapping[str, str], body: bytes, most: int) -> bytes:
    """The body decoded as its Content-Encoding says (last coding first), a piece at a time: OverflowError past ``most``
    bytes (it may inflate 1000-fold), DecodeError when it fails or ends short; as it came when no coding is known."""
    codings = [coding for coding in map(str.strip, headers.get('Content-Encoding', '').lower().split(','))
               if coding not in ('', 'identity')]
    unknown = [coding for coding in codings if coding not in CODING_WBITS]
    if not body or len(unknown) == len(codings):
        return body  # as urllib3 leaves it (none was asked for)
    if unknown:
        raise DecodeError(f'no decoder for {", ".join(unknown)}')
    try:
        for coding in reversed(codings):
            body = inflated(body, coding, most)
    except zlib.error as error:
        raise DecodeError(str(error)) from None
    return bytes(body)


def inflated(data: bytes, coding: str, most: int) -> bytearray:
    """``data`` with one coding undone: gzip member after member, as urllib3 reads them (anything after the last member
    that decodes whole is left out, as other clients leave it); deflate in zlib's format, else raw."""
    wbits = CODING_WBITS[coding]
    if coding == 'deflate':
        with suppress(zlib.error):
            return inflate_stream(data, wbits, most)[0]
        return inflate_stream(data, -zlib.MAX_WBITS, most)[0]  # servers that send raw deflate, as urllib3 reads them
    decoded, rest = inflate_stream(data, wbits, most)
    while rest.startswith(b'\x1f\x8b'):  # another member (RFC 1952's magic); other bytes after the last are not read
        try:
            member, rest = inflate_stream(rest, wbits, most - len(decoded))
        except (zlib.error, DecodeError):  # stray bytes that begin as a member does: urllib3 stops reading there too
            break
        decoded += member
    return decoded


def inflate_stream(data: bytes, wbits: int, most: int) -> tuple[bytearray, bytes]:
    """The first compressed stream in ``data``, inflated a piece at a time, and the data after it. OverflowError past
    ``most`` bytes; DecodeError when cut short (its Content-Length met); zlib.error when it is none."""
    decompressor, decoded, tail = zlib.decompressobj(wbits), bytearray(), data
    while not decompressor.eof:
        piece = decompressor.decompress(tail, 2 ** 20)
        decoded += piece
        if len(decoded) > most:
            raise OverflowError
        if not piece and decompressor.unconsumed_tail == tail:  # nothing more to read, nor to give (a suffix of tail)
            raise DecodeError('the compressed stream ends before its end')
        tail = decompressor.unconsumed_tail
    return decoded, decompressor.unused_data


def debug_log_masker(namespace: Mapping[str, Any]) -> TextListener | None:
    """CommonServerPython's add_sensitive_log_strs (it masks each string given in every line CSP logs) while XSOAR's
    debug mode has http.client print each request, else None. It calls no demisto: a worker thread may call it."""
    # XSOAR's debug mode logs each request masked only of the strings it was given and the word after "Authorization:",
    # "password" and a few more (not a "Signature=", nor a JSON-escaped password past its first blank).
    masker = namespace.get('add_sensitive_log_strs')
    return masker if callable(masker) and http.client.HTTPConnection.debuglevel > 0 else None


def proxy_secrets(settings: TransportSettings) -> list[str]:
    """The password of each proxy URL in the environment requests use: as written, as read, and in the Basic (RFC 7617)
    Proxy-Authorization sent with it, which a proxy may quote back; else the user name (an API key: http://KEY:@)."""
    found = []
    for url in getproxies().values() if settings.proxy else ():
        try:
            parts = urlsplit(url)
            user, password = unquote(parts.username or ''), unquote(parts.password or '')
        except ValueError:  # requests cannot use it either: HttpTransport says so
            continue
        secret, written = (password, parts.password) if password else (user, parts.username)
        if secret:
            found += [written, secret, b64encode(f'{user}:{password}'.encode('latin1', 'replace')).decode()]
    return found


@functools.cache  # a secret past ASCII asks for each of its characters' names, and for each of its cases'
def html_names(char: str) -> list[str]:
    """A character's HTML5 names, each with its ';': &quot; &apos; &equals; &grave; ..."""
    if char.isascii():
        return [f'{name};' for name in HTML_ASCII_NAMES.get(char, '').split()]
    import html.entities  # here: half a megabyte, for the rare secret past ASCII
    return [name for name, value in html.entities.html5.items() if value == char and name.endswith(';')]


def base64_pieces(secret: str) -> set[str]:
    """What base64 (either alphabet) writes of a secret alone (fsencode: an environment's bytes as they came), also as
    a JSON body escapes it (the IAM password), from each of 3 places in a 3-byte group: what no byte beside changes."""
    sent = {os.fsencode(secret), json.dumps(secret)[1:-1].encode()}  # one, unless it holds an escape
    return {b64encode(bytes(offset) + data, alphabet).decode()[first:(offset + len(data)) * 4 // 3] for data in sent
            for offset, first in enumerate((0, 2, 3)) for alphabet in (b'+/', b'-_')}  # standard, URL-safe (RFC 4648)


class SecretScrubber:
    """Takes every secret the instance sends (keys as saved and as sent, the SK, the IAM password, every token, the
    proxy's password) out of every entry, log line and error text leaving ``main``, in every spelling a text may hold
    it in (each character as is or escaped, in any mix, once or more: JSON's \\uXXXX or short escapes; a bytes'
    repr; a URL's %XX or +; a page's named, decimal or hex reference; a cell's \\| or \\`; blanks squeezed as short_text
    squeezes them; split across lines or by tags; base64; each letter in either case), and the run's request signatures
    (``add_signature``, found by shape). Values shorter than MIN_LENGTH are not sought: they would mask words."""

    MIN_LENGTH = 4
    # A secret's base64 (10 characters from this length) and its pieces across blanks or line breaks are sought from
    # this length: a shorter one's may be a word's or a file hash's, or those of the words around a blank
    DISGUISED_MIN_LENGTH = 8
    MASK = '<redacted>'
    # What short_text and printable end a text they cut with, and U+2026, one character, as a proxy or a log viewer does
    CUTS = re.compile(r'\.\.\.|\u2026')
    # short_text keeps VENDOR_TEXT_LIMIT of a vendor's message, 200 of a page, printable 60: a cut shows at most that
    LONGEST_CUT = VENDOR_TEXT_LIMIT
    CUT_REACH = 4096  # how far back from a cut a secret's head is sought (a character may be spelled in a dozen)
    # Request signatures, hundreds a run, and their base64 pieces: a set, looked up (_unfolded) at each place of each
    # run of letters and digits long enough (in the lowered text): 64 hex digits, and base64's 84 or 85 characters of
    # them, are such runs. One character class: a finer pattern for base64 of hex made every text 4x slower to search.
    SIGNATURE = re.compile(r'[0-9a-z]{64,}')
    # Where a page or a log folds a long value (lowered): a line break (as is; escaped: \n, \u000a, \x0a; paged: <br>,
    # &#10;; URL-encoded: %0A; CR too), a place to wrap (<wbr>, &shy;, U+200B), blanks around, short_text's blank
    BREAK_MARK = re.compile(r'<w?br\s*/?>|&(?:amp;)*(?:#0*(?:1[03]|173|8203)|#x0*(?:a?d|a|200b)|shy);|%0[ad]'
                            r'|\xad|\u200b')
    ESCAPED_BREAK = r'(?:[rn]|u000[aAdD]|x0[aAdD])'
    BREAK_BACKSLASH = r'(?:\\|%(?:25)?5c)'  # as is or URL-encoded, once or twice (a JSON body in a URL's query)
    # An escaped line break with the run of backslashes before it, which holds the escapes of the backslashes before
    # the break (2 ** depth each: JSON once, twice, ...) and the break's own (half as many); most stand alone (faster)
    # From a run's first backslash only, its rest taken whole (*+): tried from each backslash of a long run, each try
    # reading to its end, a reply of n backslashes took n * n steps (50,000: 43 s)
    ESCAPED_BREAKS = re.compile(fr'(?<!\\)(?<!%5c)(?<!%255c)({BREAK_BACKSLASH}{BREAK_BACKSLASH}*+){ESCAPED_BREAK}')
    LONE_BREAK = re.compile(fr'\\(?<!\\\\){ESCAPED_BREAK}')
    FOLD = fr'(?:\s|{BREAK_BACKSLASH}+{ESCAPED_BREAK}|{BREAK_MARK.pattern})+'
    # An escape's backslash as each writer puts it, once or more, in any mix: as is, doubled (JSON in JSON, repr), as
    # \u005c (and that again: \u005cu005c), URL-encoded (twice too: %255c) or as an HTML reference (a JSON body a URL
    # or a page quotes; escaped again, &amp;#x5c;, by a page quoting a page, and so on). Taken all at once (++): read
    # in every split, a long run would take each start to its end again.
    BACKSLASHES = r'(?:(?:%(?:25)?5[cC]|&(?:amp;)*(?:#0*92|#[xX]0*5[cC]|bsol);|\\)(?:u005[cC])*)++'
    NOT_IN_BACKSLASHES = r'(?<!\\)(?<!%5[cC])(?<!%255[cC])(?<!u005[cC])(?<!92;)(?<![xX]5[cC];)(?<!bsol;)'
    # The letter after that backslash in JSON's and repr's short escapes; the characters after it as they are (JSON's
    # \" \/, repr's \', markdown_text's \| \` \* \_ \[ \] \< \& \~ \. \:), or as a page or a URL writes them: \&quot;
    SHORT_ESCAPES = {'\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't'}
    SELF_ESCAPED = '"/\'|`*_[]<&~.:'
    # An HTML reference's &: as is, escaped again and again (&amp;#x3D;, &amp;amp;#x3D;), or in Go's JSON (\u0026#x3D;)
    AMPERSAND = fr'(?:&(?:amp;)*|{BACKSLASHES}u0026)'
    # What a '...' may cut a character's spelling after (part of an escape: its character is lost; or of a surrogate
    # pair, after its first half), before the cut, from one of its first characters at most LONGEST_ESCAPE back
    LONGEST_ESCAPE = 32
    CUT_SPELLING = re.compile(fr'(?:{BACKSLASHES}u[dD][89abAB][0-9a-fA-F]{{2}})?'
                              fr'(?:{BACKSLASHES}(?:u[0-9a-fA-F]{{0,7}}|x[0-9a-fA-F]?)?)?'  # its digit a reference too
                              fr'(?:(?:%(?:25)?[0-9a-fA-F]{{2}})*(?:%(?:25)?[0-9a-fA-F]?)?'
                              fr'|{AMPERSAND}(?:#[xX]?[0-9a-fA-F]*|[A-Za-z0-9]*))\Z')
    # What _spans reads in a text holding &, %, < or \ (lowered), for the spellings above to be sought there too: a
    # letter or digit a page wrote as a reference (its & escaped again any number of times; HTML 5's one name for
    # letters, &fjlig;, is two), a URL as %XX (its % encoded again too) or JSON or a repr as \u00XX or \xXX (its
    # backslash in any form), which no encoder does but a vendor may; so too what escapes and tags are written with,
    # ESCAPES_OPEN, for an escape written in another's to be read next (Go's JSON's \u0026#72;, a page's %26gt%3B; any
    # other character's spellings are sought as they stand); and a tag (a JSON message may highlight a secret's piece,
    # and only a page's are dropped: html_page_note), escapes only in its attributes' values (words a message sets
    # off, <a secret of w&#111;rds>, are no tag)
    ESCAPES_OPEN = '&#;%\\<>'
    READABLE = re.compile(fr'{NOT_IN_BACKSLASHES}{BACKSLASHES}(?:u00|x)([0-9a-f]{{2}})'
                          r'|&(?:amp;)*(?:#0*(\d{1,3})|#x0*([0-9a-f]{1,2})|(fj)lig);|%(?:25)*([0-9a-f]{2})'
                          r'|<!--[^<>]*-->|</?[a-z][a-z0-9]*'
                          r'(?:\s+[a-z][-\w:.]*(?:\s*=\s*(?:"[^"<>]*"|\'[^\'<>]*\'|[^\s<>]+))?)*\s*/?>')

    def __init__(self, values: Iterable[str] = (), debug_log: TextListener | None = None) -> None:
        self._lock = threading.Lock()
        self._debug_log = debug_log or (lambda text: None)  # XSOAR's debug-mode masker (debug_log_masker)
        # Each replaced whole (not _signatures: asked for members only), as text reads them unlocked
        self._secrets = {}  # by whole pattern: each secret's folded, anchor, whole and head patterns, if it holds a cut
        self._signatures = set()
        self._compiled = {}  # patterns compiled when needed (a 10 KB token's takes 0.2 s; most never are)
        self._numeric = False  # a number may spell a secret
        for value in values:
            self.add(value)

    def add(self, value: Any, encoded: bool = False) -> None:
        """Learns one more secret of any shape (64 hex digits too), from any thread (tokens come from workers); and,
        but for one ``encoded`` already, its base64."""
        secret = value.strip() if isinstance(value, str) else ''
        if len(secret) < self.MIN_LENGTH:
            return
        whole = ''.join(self._spelled(secret))  # as it is: an escape holds its code (\u03f4 for ϴ, not θ's)
        # As _unfolded seeks it, with the folds (its own blanks too) taken out: none for one too short to seek so
        folded = ''.join(self._spelled(secret, folded=True)) if len(secret) >= self.DISGUISED_MIN_LENGTH else ''
        # A head ending where a text was cut (folded, or just after a fold), which any character but its first may end
        first, *later = self._spelled(secret[:self.LONGEST_CUT], cut=True)
        head = first + ''.join(f'(?:{self.FOLD})?(?:{unit}|\\Z)' for unit in later) + '\\Z'
        # The longest run of ASCII letters and digits, which every spelling keeps as it is, lowered ('': none); not the
        # Kelvin sign's k, which its escapes do not hold
        anchor = max(re.findall('(?ai)[a-z0-9]+', secret), key=len, default='').lower()
        found = (folded, anchor, whole, head, bool(self.CUTS.search(secret, 0, self.LONGEST_CUT)))
        # As is (a value saved with blanks holds it), and as http.client prints it in XSOAR's debug log (the bytes'
        # repr: \\ doubled, ' escaped), in a JSON body and in a header (Latin-1: a letter past ASCII as \xe9)
        for logged in {secret, repr(json.dumps(secret).encode())[3:-2],
                       repr(secret.encode('latin-1', 'replace'))[2:-1]}:
            self._debug_log(logged)
        with self._lock:
            self._secrets = {**self._secrets, whole: found}
            self._numeric = self._numeric or bool(re.fullmatch('[0-9.eE+-]+', secret))
        # One holding what a text's reading reads (%30, &#65;, a tag) stands there read too: split by a tag, only so
        read = self._reading(secret.lower())[0]
        if read != secret.lower():
            self.add(read, encoded=True)
        if not encoded and len(secret) >= self.DISGUISED_MIN_LENGTH:  # a vendor may quote what it received in base64
            for piece in base64_pieces(secret):
                self.add(piece, encoded=True)

    def _spelled(self, secret: str, cut: bool = False, folded: bool = False) -> list[str]:
        """A regular expression per character of the secret, for each of its spellings; a run of blanks as one
        (``_blank_run``; ``folded``: or none); a run of backslashes as one with the character after, its escape's
        backslashes at once (a run read one way, not per split; blanks after: the first escaped, the run squeezed)."""
        units = []
        for blanks, backslashes, after, char in re.findall(r'(\s+)|(\\+)(\s+|.?)|(.)', secret, re.DOTALL):
            if blanks:
                units += [self._blank_run(blanks, cut, folded)]
            elif after.isspace():  # as short_text squeezes the run, after the backslashes as any text shows them
                rest = self._blank_run(after[1:], cut) if after[1:] else ''
                units += [f'(?:{self._spellings(after[0], escaped=True)}{rest}|{self.BACKSLASHES} )']
            else:
                units += [self._spellings(after or char, escaped=bool(backslashes))]
        # A spelling does not start inside a run of backslashes: each start in it would be read to the run's end
        units[0] = units[0].replace(self.BACKSLASHES, f'{self.NOT_IN_BACKSLASHES}{self.BACKSLASHES}')
        return units

    def _blank_run(self, blanks: str, cut: bool, folded: bool = False) -> str:
        """Blanks, each in any spelling, or the space short_text squeezes them to (``cut``: or cut before any;
        ``folded``: or none, taken out with the folds)."""
        spelled = [self._spellings(blank) for blank in blanks]
        heads = [''.join(spelled[:size]) + '\\Z' for size in range(len(spelled))] if cut else []
        return f'(?:{"|".join(["".join(spelled), *heads, " "])}){"?" if folded else ""}'

    def _spellings(self, char: str, escaped: bool = False, cased: bool = True) -> str:
        """A regular expression for every spelling of one character the class names, in any mix (after backslashes
        when ``escaped``: none for backslashes that end a secret); hex digits in either case, leading zeros or not."""
        if not char:  # backslashes ending the secret, as JSON doubled them (twice: by 4): what is left opens an escape
            return rf'(?:(?:\\\\\\\\)++|(?:\\\\)++|{self.BACKSLASHES})'
        if char.isascii() and char.isalnum():
            return f'{self.BACKSLASHES}{char.lower()}' if escaped else char.lower()
        code = ord(char)
        names = ''.join(f'{re.escape(name.lower())}|' for name in html_names(char))
        # Each byte's %XX, URL-encoded once or twice (%25XX); os.fsencode: an environment's bytes as they came
        percent = ''.join(f'%(?:25)?{byte:02x}' for byte in os.fsencode(char))
        if char == ' ':  # a form's + too, and the + encoded
            percent += '|[+]|%(?:25)?2b'
        pages = [f'{self.AMPERSAND}(?:{names}#0*{code};|#x0*{code:x};)', percent, re.escape(char)]
        # \uXXXX for each UTF-16 unit: a character past U+FFFF is two (a surrogate pair); a lone surrogate as JSON's
        letters = [f'u{char.encode("utf-16-be", "surrogatepass").hex("|", 2)}'.replace('|', f'{self.BACKSLASHES}u'),
                   f'x{code:02x}' if code < 0x100 else '',
                   f'u{code:08x}' if code > 0xFFFF else '',
                   self.SHORT_ESCAPES.get(char, ''),
                   *(pages if escaped or char in self.SELF_ESCAPED else [])]
        escapes = f'{self.BACKSLASHES}(?:{"|".join(filter(None, letters))})'  # those that apply
        spelled = escapes if escaped else f'(?:{escapes}|{"|".join(pages)})'
        # Past ASCII, also (``cased``) its lower and upper case, that lowered (at a word's end too: Σ as ς), its title
        # case (a text is lowered, its escapes' codes are not; ς lowers to σ upper-cased, Dž to dž; ß's SS: each letter,
        # a cut after any), and as another charset's reader shows: U+FFFD (a header's Latin-1 read as UTF-8: Go's JSON)
        word_end = f'a{char.upper()}'.lower()[1:]  # its upper case lowered after a letter, at a word's end
        cases = [char.lower(), char.upper(), char.upper().lower(), word_end, char.title()]
        others = [] if char.isascii() else {'\ufffd', *(cases if cased else [])} - {char}
        others = {self._spellings(one[0], escaped, False) + ''.join(
            f'(?:{self._spellings(after, False, False)}|\\Z)' for after in one[1:]) for one in others}
        return f'(?:{"|".join([spelled, *sorted(others)])})'

    def add_signature(self, signature: Any) -> None:
        """Learns one request signature the run made (from any thread); a value of another shape as any other secret."""
        if isinstance(signature, str) and SHA256_PATTERN.fullmatch(signature):
            with self._lock:
                self._signatures.update(map(str.lower, {signature, *base64_pieces(signature)}))
        else:
            self.add(signature)

    def add_logged_signature(self, signature: Any) -> None:
        """add_signature, for a signature XSOAR's debug log shows: an SDK-HMAC-SHA256 one, after "Signature=", which CSP
        does not mask (an XDR key's hash follows "Authorization:", which it does: thousands a run, not handed on)."""
        self.add_signature(signature)
        self._debug_log(signature)

    def text(self, text: str) -> str:
        """The text with every secret masked, in whatever spelling, whole or cut short: the places of all of them, each
        found in the text as it came, taken together (secrets that overlap there, or one quoted over itself, go whole:
        each found after another was masked would leave the part they share out of it)."""
        # In lower case, each character in its place (U+0130, the one letter str.lower makes two, kept)
        lowered = '\u0130'.join(part.lower() for part in text.split('\u0130'))
        kept, at = [], 0  # the text around the places, each run of places that overlap one mask (none: the text itself)
        for start, end in sorted(self._spans(lowered)):
            if start >= at:
                kept += [text[at:start], self.MASK]
            at = max(at, end)
        return ''.join(kept) + text[at:]

    def _spans(self, text: str, readings: int = 4) -> list[tuple[int, int]]:
        """Where each secret and signature stands in the (lowered) text: whole, split across lines, cut short, with
        letters or digits as references or %XX, or tags inside (``_read_spans``, up to ``readings`` passes: a pass may
        bring out another reading, a tag inside a tag; a text of hundreds nested must not recurse so deep)."""
        # (unpacked by name: texts are many; a find under MIN_LENGTH, its blanks squeezed, is left as any such word)
        spans = [(start, end) for _, anchor, whole, _, _ in self._secrets.values() if anchor in text
                 for start, end in self._found(whole, text) if end - start >= self.MIN_LENGTH]
        spans += self._unfolded(text)  # and the request signatures
        if '...' in text or '\u2026' in text:  # (heads compiled only then: a 10 KB token's is large)
            spans += self._cut_heads(text, [(self._pattern(head), cut) for *_, head, cut in self._secrets.values()])
        if readings and ('&' in text or '%' in text or '<' in text or '\\' in text):  # sought again once read (%41 too)
            spans += self._read_spans(text, readings - 1)
        return spans

    def _read_spans(self, text: str, readings: int) -> list[tuple[int, int]]:
        """Where each secret stands in the text with what READABLE finds read (and again, while a pass reads any: a
        reference URL-encoded), each span widened to the whole of a reading it starts or ends in (none read: none)."""
        read, places = self._reading(text)
        if len(places) == 1:
            return []
        starts = [place[0] for place in places]
        return [(self._source(start, places, starts)[0], self._source(end - 1, places, starts)[1])
                for start, end in self._spans(read, readings)]

    def _reading(self, text: str) -> tuple[str, list[tuple[int, int, int, int]]]:
        """The (lowered) text with READABLE's finds read, and each reading's place in what it gave, then in the text."""
        pieces, places, at = [], [(0, 0, 0, 0)], 0
        for found in self.READABLE.finditer(text):
            escape, decimal, hexadecimal, ligature, percent = found.groups()
            code = int(decimal) if decimal else int(escape or hexadecimal or percent or '0', 16)  # a tag's: 0, none
            if ligature or (code < 128 and (chr(code).isalnum() or chr(code) in self.ESCAPES_OPEN)):
                read = ligature or chr(code).lower()
            elif found[0].startswith('<'):
                read = ''
            else:  # any other character: its spellings are sought as they stand
                continue
            start = places[-1][1] + found.start() - places[-1][3]  # as far past the last reading as it is in the text
            pieces += [text[at:found.start()], read]
            places += [(start, start + len(read), *found.span())]
            at = found.end()
        return ''.join(pieces) + text[at:], places

    @staticmethod
    def _source(at: int, places: list[tuple[int, int, int, int]], starts: list[int]) -> tuple[int, int]:
        """Where the character ``at`` of a text read (``_read_spans``) came from: a reading's whole place, or itself,
        as far past the reading before it as it stands past what that gave."""
        _, read_end, start, end = places[bisect_right(starts, at) - 1]
        if at < read_end:
            return start, end
        return at + end - read_end, at + end - read_end + 1

    def _unfolded(self, text: str) -> list[tuple[int, int]]:
        """Where each secret a vendor split across lines stands, from its first piece to its last, and each signature:
        sought in the text with its folds taken out (a secret's own blanks go with them: its folded pattern)."""
        # Folds out: breaks a page or a URL writes (as a blank: no backslash before one joins the letter after), escaped
        # ones (lone ones, most, at once), blanks; the passes for escapes skipped on texts with no backslash or % (most)
        bare = self.BREAK_MARK.sub(' ', text)
        if '\\' in bare or '%' in bare:
            bare = self.ESCAPED_BREAKS.sub(self._not_the_breaks, self.LONE_BREAK.sub('', bare))
        joined = ''.join(bare.split())
        runs = self.SIGNATURE.finditer(joined) if self._signatures else ()  # (none: no run signs its requests)
        found = [(at, at + size) for run in runs for size in (64, 84, 85)
                 for at in range(run.start(), run.end() - size + 1) if joined[at:at + size] in self._signatures]
        if joined != text:  # folded: the secrets too (text seeks them where they stand whole)
            found += [span for folded, anchor, *_ in self._secrets.values() if folded and anchor in joined
                      for span in self._found(folded, joined)]
        if not found:
            return []
        starts, taken = [0], [0]  # from each joined place on, how many characters the folds before it took out
        for fold in re.finditer(f'{self.ESCAPED_BREAKS.pattern}|\\s+|{self.BREAK_MARK.pattern}', text):
            taken += [taken[-1] + len(fold[0]) - len(self._not_the_breaks(fold))]
            starts += [fold.end() - taken[-1]]
        return [(start + taken[bisect_right(starts, start) - 1], end + taken[bisect_right(starts, end - 1) - 1])
                for start, end in found]

    def _not_the_breaks(self, fold: 're.Match[str]') -> str:
        """What a fold leaves: an escaped break's backslashes not its own (the least power of 2 their count holds)."""
        backslashes = re.findall(self.BREAK_BACKSLASH, fold[1] or '')
        return ''.join(backslashes[:len(backslashes) & (len(backslashes) - 1)])

    def _pattern(self, source: str) -> 're.Pattern[str]':
        return self._compiled.get(source) or self._compiled.setdefault(source, re.compile(source))

    def _found(self, whole: str, text: str) -> Iterator[tuple[int, int]]:
        """Where a secret's spelling ``whole`` stands in the text, sought again from each start found: it may stand
        there again overlapped (a vendor's echo running into itself), which one search past the last would miss."""
        pattern = self._pattern(whole)
        found = pattern.search(text)
        while found:
            yield found.span()
            found = pattern.search(text, found.start() + 1)

    def _cut_heads(self, text: str, heads: list[tuple['re.Pattern[str]', bool]]) -> list[tuple[int, int]]:
        """Where a secret stands cut short at a cut (CUTS): its head, with the part of an escape the cut fell inside,
        when it is MIN_LENGTH characters or more, also one reaching back over a cut of its own (masked once), the
        longest that ends there. ``heads``: each head's pattern, and whether its secret holds a cut (no other head
        starts before the last cut's second character: each cut would read the text before it again)."""
        spans = []
        cut_starts = [cut.start() for cut in self.CUTS.finditer(text)]
        for last, end in zip([-1, *cut_starts], cut_starts):  # last: the last cut's first character
            ends = {end} | {at for at in range(max(0, end - self.LONGEST_ESCAPE), end)
                            if text[at] in '\\%&' and self.CUT_SPELLING.match(text, at, end)}
            found = [head.search(text, max(end - self.CUT_REACH, 0 if holds_cut else last + 1), at)
                     for head, holds_cut in heads for at in ends]
            start = min([head.start() for head in found if head and end - head.start() >= self.MIN_LENGTH], default=end)
            if start < end:
                while spans and start < self.CUTS.match(text, spans[-1][1]).end():  # inside that cut's mark, or before
                    start = min(start, spans.pop()[0])
                spans += [(start, end)]
        return spans

    def entry(self, entry: JsonObject) -> JsonObject:
        """An entry with every string (keys too) and number in it scrubbed: the entry itself when none holds a secret
        (the common case: large bulk entries are then neither copied nor serialised)."""
        return self.value(entry) if self._holds_secret(entry, set()) else entry

    def _holds_secret(self, value: Any, clean: set[str], depth: int = 0) -> bool:
        """Whether ``value`` must be scrubbed: a string or number that holds a secret, or a list or object too deep to
        walk (``value`` puts TOO_DEEP_TEXT in its place, so no secret can hide down there). ``clean``: the texts found
        to hold none so far, each scrubbed once (bulk rows repeat their keys and most values: a restore by hash's 10,000
        rows, in Contents and context, hold 240,000 texts, 10,025 distinct)."""
        if isinstance(value, dict):  # its keys (text, whatever their depth) and its items
            value = (*value, *value.values())
        if isinstance(value, (list, tuple)):
            return depth >= MAX_SHOWN_DEPTH or any(self._holds_secret(item, clean, depth + 1) for item in value)
        if isinstance(value, str):
            if value in clean:
                return False
            clean.add(value)  # (one that holds a secret ends the walk)
        return self.value(value) != value  # text, or a number that is a secret (anything else: itself)

    def value(self, value: Any, depth: int = 0) -> Any:
        """Any JSON-like value with every string (keys too) scrubbed and every number that is a secret masked (a vendor
        may quote one as a number); past MAX_SHOWN_DEPTH, TOO_DEEP_TEXT (never shown unscrubbed; XSOAR takes it)."""
        if isinstance(value, str):
            return self.text(value)
        if self._numeric and isinstance(value, (int, float)) and not isinstance(value, bool):  # as a vendor quoted it
            # whole: one whose digits merely hold a short secret's (a time in ms) stays a number the next run reads
            return self.MASK if self.text(json.dumps(value)) == self.MASK else value
        if isinstance(value, (dict, list, tuple)) and depth >= MAX_SHOWN_DEPTH:
            return TOO_DEEP_TEXT
        if isinstance(value, dict):
            return {self.value(key): self.value(item, depth + 1) for key, item in value.items()}
        return [self.value(item, depth + 1) for item in value] if isinstance(value, (list, tuple)) else value


''' REPLIES '''


def parse_json_body(reply: VendorReply, vendor: str) -> JsonObject:
    """A 2xx reply's JSON object: such a reply not JSON met a fault in the transport (``expect_json``), never here."""
    body = reply.json()
    if not isinstance(body, dict):  # what came, with Huawei's request ID, as an unreadable reply keeps them
        advice = BROKEN_REPLY_ADVICE.format(url=URL_SETTINGS[vendor], **reply.again)
        raise RestoreError(f'{vendor} answered HTTP {reply.status}{request_id_of(reply.headers)} with JSON that is '
                           f'not an object ({short_text(reply.text)}). {advice}', reply.attempts, advice, True)
    return body


def json_object(value: Any) -> JsonObject | None:
    """A dict, from a dict or from the JSON text of one (errorData is JSON in a string); else None. Not json_value's:
    JSON nested past what json reads raises, so a status reply's reason that deep is a part of it not read (README)."""
    with suppress(ValueError):  # not JSON: the text, no object
        value = json.loads(value) if isinstance(value, str) else value
    return value if isinstance(value, dict) else None


def request_id_of(headers: Mapping[str, str]) -> str:
    """' (request id ...)': Huawei's X-Request-Id, which its support traces a request by; '' when none came."""
    return f' (request id {rid})' if (rid := headers.get('X-Request-Id')) else ''


def first_text(fields: Mapping[str, Any], *names: str) -> str:
    """The first of ``names`` a vendor record gives as text (its model's type; any other shape: not given), trimmed."""
    return next(filter(None, (clean_text(value) for value in map(fields.get, names) if isinstance(value, str))), '')


def whole_number(value: Any, default: int) -> int:
    """A time or count as HSS lists it (a number, or its text) as an int; ``default`` when it gives none."""
    with suppress(TypeError, ValueError, OverflowError):  # OverflowError: 1e999 in JSON is an infinite float
        return default if isinstance(value, bool) else int(value)
    return default


def html_page_note(reply: VendorReply, vendor: str) -> str:
    """A reply's HTML page said as its host's, in its words (tags dropped), with Huawei's request ID: a gateway's error
    page, a proxy's login page, not the vendor's words; '' when the reply is no HTML page or its page has no words."""
    if 'html' not in reply.headers.get('Content-Type', '').lower():
        return ''
    # Its style sheet, scripts and comments are no words of it (a proxy's error page opens with its CSS)
    words = short_text(re.sub(r'(?is)<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^<>]*>', ' ', reply.text))
    if not words:
        return ''
    return (f'The server at {reply.host} answered with an HTML page (a gateway\'s or proxy\'s, not {vendor}\'s JSON): '
            f'"{words}"{request_id_of(reply.headers)}.')


def vendor_error(reply: VendorReply, vendor: str, advice_by_status: dict[int, str],
                 said: JsonObject | None, advice: str | None = None) -> VendorApiError:
    """A vendor's error reply as a VendorApiError (``said``: its body's fields; None: its text, a page's its host's)."""
    note = retry_note(reply.attempts[:-1], reply.gave_up)
    page = html_page_note(reply, vendor)
    if page and not said:  # not the vendor's words: "{vendor} said" would send the analyst to the wrong party
        note = f' {page}{note}'
        said = {}
    elif not said:
        said = {'vendor_message': short_text(reply.text) or None, 'request_id': reply.headers.get('X-Request-Id')}
    generic_advice = not advice and reply.status not in advice_by_status  # any other status's advice: a fault's
    advice = advice or advice_by_status.get(reply.status, GENERIC_ERROR_ADVICE).format(
        url=URL_SETTINGS[vendor], run_wait=reply.run_wait, **reply.again)  # run_wait: a 429's, this run's own
    error = VendorApiError(vendor, reply.status, advice, note, reply.attempts, **said)
    error.later |= generic_advice  # which says to act again later, whatever the status
    return error


''' AUTHENTICATION '''


class XdrApiKeyAuth(requests.auth.AuthBase):
    """Cortex XDR API key headers for each attempt: an advanced key's signed anew (the API refuses a stale one)."""

    def __init__(self, key_id: str, key: str, auth_type: str, on_signature: TextListener | None = None) -> None:
        self._key_id, self._key, self._advanced = key_id, key, auth_type == 'advanced'
        self._on_signature = on_signature or (lambda signature: None)  # the hash opens the API while fresh: hidden

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers['x-xdr-auth-id'] = self._key_id
        authorization = self._key  # a standard key goes out as it is
        if self._advanced:  # the key's hash with a fresh nonce and timestamp: an advanced key itself never goes out
            nonce = ''.join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
            timestamp = str(epoch_ms())
            authorization = hashlib.sha256(f'{self._key}{nonce}{timestamp}'.encode()).hexdigest()
            self._on_signature(authorization)
            request.headers.update({'x-xdr-nonce': nonce, 'x-xdr-timestamp': timestamp})
        request.headers['Authorization'] = authorization
        return request


class HuaweiAkSkAuth(requests.auth.AuthBase):
    """Signs each attempt with an access key / secret key pair (SDK-HMAC-SHA256), with the date of that attempt."""

    def __init__(self, access_key: str, secret_key: str, project_id: str, on_signature: TextListener | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._access_key, self._secret_key, self._project_id, self._clock = access_key, secret_key, project_id, clock
        self._on_signature = on_signature or (lambda signature: None)  # replayable as it is for 15 minutes

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url)
        request.headers.update({SDK_DATE_HEADER: self._clock().strftime('%Y%m%dT%H%M%SZ'), 'Host': parts.netloc,
                                'X-Project-Id': self._project_id})
        # What our requests sign, sorted (headers: case-insensitive); the gateway checks whatever Authorization lists.
        signed = [name for name in ('content-type', 'host', 'x-project-id', 'x-sdk-date') if name in request.headers]
        # The query as the gateway reads it: percent-decoded, + a plus sign (never a blank, as parse_qsl reads a form).
        query = parse_qsl(parts.query.replace('+', '%2B'), keep_blank_values=True)
        signature = sdk_signature(self._secret_key, request.method, parts.path, query, request.headers, signed,
                                  request.body)  # (bytes or None: requests encodes the JSON the transport sends)
        self._on_signature(signature)
        request.headers['Authorization'] = (f'{SDK_SIGNING_ALGORITHM} Access={self._access_key}, '
                                            f'SignedHeaders={";".join(signed)}, Signature={signature}')
        return request


def sdk_signature(secret_key: str, method: str, path: str, query_pairs: Iterable[tuple[str, str]],
                  headers: Mapping[str, str], signed_headers: Sequence[str], body: bytes | None) -> str:
    """Hex HMAC-SHA256 of the string to sign (it hashes the canonical request); headers hold X-Sdk-Date, each signed."""
    pairs = [(str(name).lower(), str(value).strip()) for name, value in headers.items()]
    lowered = dict(pairs)  # a name given twice (in two cases): its last value
    payload_hash = (lowered.get('x-sdk-content-sha256') if body else None) or hashlib.sha256(body or b'').hexdigest()
    # Percent-encoded as the API Gateway's canonical form: all but letters, digits and -_.~ (and / in the path)
    canonical = '\n'.join([method.upper(), quote(unquote(path), safe='/~').removesuffix('/') + '/',
                           urlencode(sorted(query_pairs), quote_via=quote, safe='~'),
                           ''.join(f'{name}:{lowered.get(name, "")}\n' for name in signed_headers),
                           ';'.join(signed_headers), payload_hash])
    sdk_date = next(value for name, value in pairs if name == SDK_DATE_HEADER.lower())  # its first value
    string_to_sign = '\n'.join([SDK_SIGNING_ALGORITHM, sdk_date, hashlib.sha256(canonical.encode()).hexdigest()])
    return hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def token_identity(settings: HssSettings) -> str:
    """Names the identity a cached token belongs to, without holding the password."""
    return hashlib.sha256(f'{url_scope(settings.iam_url)}\n{settings.domain}\n{settings.username}\n'
                          f'{settings.project_id}'.encode()).hexdigest()


def secret_mark(secret: str, salt: str) -> int:
    """The 8-bit mark of a secret (SECRET_MARK_ROUNDS) a refusal of it is kept with."""
    return hashlib.pbkdf2_hmac('sha256', secret.encode(errors='surrogatepass'), salt.encode(), SECRET_MARK_ROUNDS)[0]


class KeptRefusal:
    """A vendor's 401 to a secret (an IAM password, an access key's secret key), kept across runs in the token's place
    (TOKEN_CACHE_KEY) so later commands and fetches do not send that secret for ``pause`` seconds: when, the vendor's
    code and message (scrubbed when kept) and the secret's mark (secret_mark), never the secret. One of another
    ``identity``, or of another secret (another mark; none kept: any), holds nothing back. test-module reads none."""

    def __init__(self, stored: JsonObject, identity: str, mark: Callable[[], int], pause: float,
                 clock: Callable[[], float]) -> None:
        self.identity, self._mark, self._pause, self._clock = identity, mark, pause, clock
        mine = stored.get('identity') == identity and type(stored.get('refused_at')) in (int, float)
        refused = stored if mine else {}
        self.entry = refused if 'password_mark' not in refused or refused['password_mark'] == mark() else {}

    def keep(self, reply: VendorReply) -> None:
        said = huawei_said(reply) or {}
        message = said.get('vendor_message')  # bounded, as its code: it is kept, and shown by every run that reads it
        code = vendor_words(said.get('vendor_code'))
        self.entry = {'identity': self.identity, 'refused_at': self._clock(), 'code': code,
                      'message': message if message is None else short_text(json_text(message)),
                      'password_mark': self._mark()}

    def check(self, refused: str, secret: str, why: str) -> None:
        """Raises LoginPaused while the pause lasts (on either side: a clock set back a little): ``refused``, what was,
        when, what the vendor said, from when the ``secret`` is sent again, and ``why`` not before."""
        kept = self.entry
        if not kept or not abs(self._clock() - kept['refused_at']) < self._pause:  # NaN: not kept
            return
        codes = ', '.join(form.format(json_text(value)) for form, value in (
            ('code {}', kept.get('code')), ('message "{}"', kept.get('message'))) if value is not None)
        said = f' ({codes})' if codes else ''
        raise LoginPaused(
            f'{refused} at {utc_text(kept["refused_at"])}{said}, so the {secret} is not sent again before '
            f'{utc_text(kept["refused_at"] + self._pause)}: {why} A {secret} corrected in the instance settings is '
            f'sent at once (255 times in 256: only a mark of a few bits tells it apart), and Test in the instance '
            f'settings sends it at once all the same.')


class IamTokenProvider:
    """IAM password tokens for a project, held until shortly before they expire. One lock covers fetching and dropping
    one: a command's threads fetch one token, send a refused password once; ``on_token`` learns each, on any thread."""

    vendor = 'Huawei Cloud IAM'
    _refusal = None  # IAM's answer when it refused the password
    _renewal_failed = False  # IAM could not renew the held token early: it serves the rest of this run
    taken = False  # HSS took a token of this run: a later refusal of one is an expiry
    _renewal_refused = False  # HSS refused a request's new token before it took any: the token is not the problem

    def __init__(self, settings: HssSettings, transport_settings: TransportSettings, stored: Any,
                 clock: Callable[[], float], hss_limiter: AdaptiveRateLimiter, on_token: TextListener | None) -> None:
        self.transport = HttpTransport(
            settings.iam_url, self.vendor, transport_settings, retry_statuses=HUAWEI_RETRY_STATUSES,
            limiter=AdaptiveRateLimiter(settings.rate_limit, hss_limiter.clock, hss_limiter.sleep,
                                        IAM_THROTTLE_BACKOFF_MAX))
        self._settings, self._clock, self._lock = settings, clock, threading.Lock()
        self.advice = {'fetch': FETCH_IAM_ADVICE, 'Test': TEST_IAM_ADVICE}.get(transport_settings.caller,
                                                                                IAM_ERROR_ADVICE)
        self._on_token = on_token or (lambda token: None)
        if re.fullmatch('[0-9a-f]{32}', settings.domain):  # an account ID: IAM's 401 says only 'wrong password'
            self.advice = {**self.advice, 401: f'{self.advice[401]} {IAM_ACCOUNT_ID_GIVEN}'}
        self.identity = token_identity(settings)
        mine = stored if isinstance(stored, dict) and stored.get('identity') == self.identity else {}
        self._held = mine if isinstance(mine.get('token'), str) and type(mine.get('expires_at')) in (int, float) else {}
        # IAM's refusal kept by an earlier run (no secret): it holds back the password of its mark (none kept: any)
        mark = functools.partial(secret_mark, settings.password, f'{settings.domain}\n{settings.username}')
        self.refusal = KeptRefusal({} if self._held else mine, self.identity, mark, IAM_REFUSAL_PAUSE_SECONDS, clock)
        if self._held:
            self._on_token(self._held['token'])

    def token(self) -> str:
        with self._lock:  # one thread fetches; the others then find its token, or its refusal
            # once renewal failed: the one that outlives the command, or a newer one
            token = self._held.get('token') if self._renewal_failed else self.lives_past(TOKEN_REFRESH_MARGIN_SECONDS)
            if token:
                return token
            if self._refusal:  # not sent again: IAM locks a user out after 5 failed logins (its default)
                raise huawei_error_from_response(self._refusal, self.vendor, self.advice)
            if self._renewal_refused:
                raise LoginPaused(f'Not sent, nor a new IAM token asked for: {HSS_TOKEN_REFUSED_ADVICE}')
            # A refusal an earlier run kept: the password sent again only once its pause is over
            self.refusal.check(f'{self.vendor} refused the login', 'password', (
                f'IAM locks a user out after {IAM_LOCKOUT_FAILED_LOGINS} failed logins in '
                f'{IAM_LOCKOUT_PERIOD_SECONDS // 60} minutes (its default), and other tools may share this user. '
                f'{self.advice[401]}'))
            try:
                return self._fetch()
            except RestoreError:  # not renewed, nor refused by IAM or the proxy's login: the held token serves a run
                # it outlives (a proxy's rule may refuse IAM's host alone; a login refused, HSS's tunnel would send too)
                if self._refusal or self.transport.login_refused or not self.lives_past(XSOAR_COMMAND_TIMEOUT_SECONDS):
                    raise
                self._renewal_failed = True  # not asked again this run; the next run asks
                return self._held['token']

    def lives_past(self, seconds: float) -> str | None:
        """The token held, if it expires over ``seconds`` from now (dropped meanwhile: None; replaced: the new one)."""
        return self._held.get('token') if self._held.get('expires_at', 0) > self._clock() + seconds else None

    def invalidate(self, failed_token: str | None, renewals: int = 0) -> None:
        """Drops ``failed_token``, a refused request's (a newer one stays); its renewal refused before HSS took a token
        ends the run's logins: APIGW.0307 is also a token used outside its project's region, which no new one fixes."""
        with self._lock:
            if self._held.get('token') == failed_token:
                self._held = {}
            if renewals and not self.taken:
                self._renewal_refused = True

    def cache_entry(self) -> JsonObject | None:
        """What to keep in the integration context: the token held, else IAM's refusal of the password; or None."""
        return dict(self._held or self.refusal.entry) or None

    def _fetch(self) -> str:
        settings = self._settings
        user = {'name': settings.username, 'password': settings.password, 'domain': {'name': settings.domain}}
        reply = self.transport.request('POST', IAM_TOKENS_PATH, expect_json=True, params=IAM_NO_CATALOG, json={
            'auth': {'identity': {'methods': ['password'], 'password': {'user': user}},
                     'scope': {'project': {'id': settings.project_id}}}})
        if reply.status not in (200, 201):
            if reply.status < 500 and reply.status != THROTTLED_STATUS:
                self._refusal = reply
            if reply.status == 401:  # the password (or the lockout it led to): kept, so later runs do not send it
                self._held = {}  # a token that ran out (the password changed in IAM) would bring later runs here
                self.refusal.keep(reply)
            raise huawei_error_from_response(reply, self.vendor, self.advice)
        if not (token := reply.headers.get('X-Subject-Token')):
            raise RestoreError(f'{self.vendor} answered HTTP {reply.status}{request_id_of(reply.headers)} without '
                               f'an X-Subject-Token header. Check {URL_SETTINGS[self.vendor]}.', reply.attempts)
        self._on_token(token)
        self.refusal.entry = {}  # a token: the password works
        self._held = {'identity': self.identity, 'token': token, 'expires_at': parse_iam_expiry(
            parse_json_body(reply, self.vendor), self._clock(), server_time_ms(reply.headers) / 1000)}
        return token


def parse_iam_expiry(body: JsonObject, now: float, iam_now: float) -> float:
    """When the token expires here: ``now`` plus its lifetime by IAM's clock (issued, else ``iam_now``); else in 1 h."""
    token = body['token'] if isinstance(body.get('token'), dict) else {}
    expires, issued = iam_time(token.get('expires_at')), iam_time(token.get('issued_at'))
    return now + 3600 if expires is None else now + expires - (iam_now if issued is None else issued)


def iam_time(value: Any) -> float | None:
    """Epoch seconds of an IAM time (``2026-11-23T17:00:00.000000Z``, UTC), or None."""
    match = re.match(r'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}', str(value))
    with suppress(ValueError):  # a date no calendar has (month 13, February 30)
        return match and datetime.fromisoformat(match.group()).replace(tzinfo=timezone.utc).timestamp()
    return None


''' CORTEX XDR '''


class XdrClient:
    """Cortex XDR public API: restore a quarantined file and read the status of the resulting action."""

    vendor = 'Cortex XDR'

    def __init__(self, settings: XdrSettings, transport_settings: TransportSettings = TransportSettings(),
                 limiter: AdaptiveRateLimiter | None = None, progress: TextListener | None = None,
                 on_signature: TextListener | None = None) -> None:
        self.limiter = limiter or AdaptiveRateLimiter(settings.rate_limit)
        self.transport = HttpTransport(settings.url + XDR_API_ROOT, self.vendor, transport_settings, XdrApiKeyAuth(
            settings.key_id, settings.key, settings.auth_type, on_signature), self.limiter)
        self.bulk = BulkRunner(transport_settings.max_concurrency, progress)
        # Refusals that every later request would meet: by path, '' for any (the key or its license: 401, 402), or the
        # path whose API the key's role may not use (403: the role may still read action statuses, say)
        self.refused: dict[str, VendorApiError] = {}

    def restore_file(self, file_hash: str, endpoint_id: str | None = None, incident_id: int | None = None) -> XdrReply:
        request_data = {'file_hash': file_hash, 'endpoint_id': endpoint_id, 'incident_id': incident_id}
        shaped = not endpoint_id or XDR_ENDPOINT_ID.fullmatch(endpoint_id)  # an ID as Cortex XDR lists them, or none
        try:
            return self._post(XDR_RESTORE_PATH, {k: v for k, v in request_data.items() if v})
        except RestoreError as error:
            # What happened, then what may have happened, and last its one next step, in place of the fault's own,
            # with no wait's end told after it (told_when)
            if may_have_applied(error.attempts):
                error.args = (f'{error.without_advice()} Cortex XDR {XDR_MAY_HAVE_STARTED}, as an answer was lost or '
                              f'not read: {XDR_LOOK_BEFORE_AGAIN}',)
                error.advice, error.says_until = XDR_LOOK_BEFORE_AGAIN, True
            elif not shaped and getattr(error, 'http_status', 0) in (400, 500):  # its refusal: a name given, maybe
                error.with_advice(f'endpoint_id {endpoint_id} is no endpoint ID (32 hex digits), maybe its name: find '
                                  f'the ID with !xdr-get-endpoints hostname={endpoint_id}.', error.advice)
            raise

    def get_action_status(self, action_id: int | str, probe: bool = False, by_hand: bool = False) -> XdrReply:
        """POST actions/get_action_status: {"data": {endpoint: status}, "errorReasons"?: {...}}. An ID given as digits
        goes as the Integer the API takes (as CoreIRApiModule sends it). ``probe``: test-module's read of action 0;
        ``by_hand``: an ID the analyst gave (restore-file's action_id at a check by hand), not one polling carries."""
        if re.fullmatch('[0-9]{1,18}', str(action_id)):  # a text of as many digits as arguments take, or a number
            action_id = int(action_id)
        # A 500 reading an action Cortex XDR gave this command is the service failing; to the probe of action 0, the
        # answer; to an ID given by hand, most likely the answer too (mistyped): retried once, in case it passes.
        return self._post(XDR_ACTION_STATUS_PATH, {'group_action_id': action_id},
                          RETRY_STATUSES if probe else RETRY_STATUSES | {500},
                          XDR_TEST_ERROR_ADVICE if probe else XDR_STATUS_ERROR_ADVICE,
                          second_500_ends if by_hand else None)

    def _post(self, path: str, request_data: JsonObject, retry_statuses: Iterable[int] = RETRY_STATUSES,
              advice: dict[int, str] = XDR_ERROR_ADVICE,
              still_to_send: Callable[[Attempt, VendorReply | None], str | None] | None = None) -> XdrReply:
        answer = self.transport.request('POST', path, expect_json=True, retry_statuses=retry_statuses,
                                        still_to_send=still_to_send, refused=functools.partial(self._refusal, path),
                                        json={'request_data': request_data})
        if not 200 <= answer.status < 300:  # CoreIRApiModule takes a 201 from endpoints/restore too
            reply = answer.parsed.get('reply') if isinstance(answer.parsed, dict) else None
            said = {'vendor_code': reply.get('err_code'), 'vendor_message': reply.get('err_msg'),
                    'vendor_extra': reply.get('err_extra')} if isinstance(reply, dict) else None
            error = vendor_error(answer, self.vendor, advice, said)
            if answer.status in (401, 402, 403):  # the key, license or role refused: no later request fares better
                self.refused.setdefault(path if answer.status == 403 else '', error)
            raise error
        reply = parse_json_body(answer, self.vendor).get('reply')
        if isinstance(reply, bool) and path == XDR_RESTORE_PATH:  # Palo Alto's SDK types its answer {reply: boolean}
            reply = {'status': json.dumps(reply)}  # whether it succeeded, as the reply's status says it: no action
        if not isinstance(reply, dict):  # its advice, a restore's look-first step replaces (may_have_applied)
            advice = f'Check that {SETTING_NAMES["xdr_url"]} is the tenant\'s API URL.'
            raise RestoreError(f'{self.vendor} answered HTTP {answer.status} without a "reply" object '
                               f'({short_text(answer.text)}). {advice}', answer.attempts, advice)
        return reply

    def _refusal(self, path: str) -> str | None:
        """Why a request to ``path`` is not sent (before its turn, or once it came): Cortex XDR refused another of the
        command as it would this one. Sent, it would take a turn of the tenant's rate limit every integration shares."""
        refused = self.refused.get(path) or self.refused.get('')
        if not refused:
            return None
        return (f'Not sent: Cortex XDR refused another request of this command with HTTP {refused.http_status}, as it '
                f'would this one. {refused.advice}')


def second_500_ends(_: Attempt, reply: VendorReply | None) -> str | None:
    """Why a status read of an action ID given by hand goes no more: a second 500, Cortex XDR's answer for an action
    it does not know; a first may be the service failing once, so it is retried."""
    if reply is None or reply.status != 500 or sum(attempt.status == 500 for attempt in reply.attempts) < 2:
        return None
    return 'Cortex XDR answered HTTP 500 again to an action ID given by hand'


''' HUAWEI CLOUD HSS '''


class HssClient:
    """Huawei Cloud HSS: list isolated files and host security events, restore isolated files."""

    vendor = 'Huawei Cloud HSS'

    def __init__(self, settings: HssSettings, transport_settings: TransportSettings = TransportSettings(),
                 stored_token: Any = None, progress: TextListener | None = None, on_secret: TextListener | None = None,
                 limiter: AdaptiveRateLimiter | None = None, token_clock: Callable[[], float] = time.time,
                 on_signature: TextListener | None = None, event_types: Sequence[int] = ()) -> None:
        self.limiter = limiter or AdaptiveRateLimiter(settings.rate_limit)
        self.token_provider = IamTokenProvider(settings, transport_settings, stored_token, token_clock, self.limiter,
                                               on_secret) if settings.auth_type == 'token' else None
        # A token needs no auth: HttpTransport puts the provider's token in every attempt.
        auth = None if self.token_provider else HuaweiAkSkAuth(settings.access_key, settings.secret_key,
                                                               settings.project_id, on_signature=on_signature)
        self.transport = HttpTransport(settings.url, self.vendor, transport_settings, auth, self.limiter,
                                       HUAWEI_RETRY_STATUSES, token_source=self.token_provider)
        # HSS's gateway locks an access key (every tool's that signs with it) for 5 minutes once it refused 5 of its
        # requests in a row: until it took a signature of this run (signing None), the request of one thread (probe)
        # goes at a time, the others wait for its answer (_refusal); none goes once it refused one (key_refused)
        self.signing = threading.Condition() if auth else None
        self.probe: int | None = None
        self.key_refused: VendorApiError | None = None
        # The gateway's 401 kept by an earlier run (no secret): it holds back the secret key of its mark for that key
        self.refusal = None if self.token_provider else KeptRefusal(
            json_object(stored_token) or {}, settings.access_key, functools.partial(
                secret_mark, settings.secret_key, settings.access_key), AKSK_REFUSAL_PAUSE_SECONDS, token_clock)
        if settings.region:
            self.transport.session.headers['region'] = settings.region
        self.path, self.events_path = (path.format(project_id=quote(settings.project_id, safe=''))
                                       for path in (HSS_ISOLATED_FILE_PATH, HSS_EVENTS_PATH))
        self.limit_scope = url_scope(settings.url) + self.path  # HSS's endpoint and project, whose limit throttles
        self.enterprise_project_id = settings.enterprise_project_id
        self.bulk = BulkRunner(transport_settings.max_concurrency, progress)
        self.listed_at_ms: int | None = None  # HSS's clock (its Date header) when it answered the last listing page
        self.event_requests = 0  # security event listing pages asked for
        self.first_pages: dict[int, int] = {}  # a window's begin (ms) -> the end of its narrowest span HSS listed
        # What this run's listings of isolated files told _still_isolated: each host's name (one the host_name filter
        # takes), and how many copies of each hash (in lower case) they listed on each host name (in lower case)
        self.host_names: dict[Any, str] = {}
        self.copies_listed: dict[str, Counter[str]] = {}
        self.unread: set[str] = set()  # the hashes (paths) whose listing may have skipped rows: a tie past any page
        self.event_types = ','.join(map(str, event_types))  # those listed (the SDK sends the list comma-separated)

    def list_isolated_files(self, file_hash: str | None = None, file_path: str | None = None,
                            isolation_status: str = 'isolated', offset: int = 0, limit: int = HSS_LIST_PAGE_SIZE,
                            enterprise_project_id: str | None = None, host_name: str | None = None,
                            advice: dict[int, str] = HSS_LISTING_ADVICE, refused: Refused | None = None) -> HssPage:
        return self._listing(self.path, 'isolated files', {
            'enterprise_project_id': enterprise_project_id or self.enterprise_project_id, 'file_hash': file_hash,
            'file_path': file_path, 'host_name': host_name, 'isolation_status': isolation_status, 'offset': offset,
            'limit': limit}, advice, refused)

    def all_isolated_files(self, **filters: Any) -> list[Any]:
        return self.isolated_files_of_each([filters])[0]

    def isolated_files_of_each(self, queries: list[JsonObject],
                               what: str = 'HSS listing pages read') -> list[list[Any]]:
        """Every row HSS lists for each query (list_isolated_files' filters), in the queries' order; ``what``: its
        progress, '' for none (a worker thread's reading: only the main thread reports)."""
        read = lambda query, offset: self.list_isolated_files(offset=offset, **query)  # noqa: E731
        listings = self._all_pages_of_each(queries, read, HSS_LIST_PAGE_SIZE, what)
        # HSS may order copies of one update_time anew for each page (one met twice): read again on the largest pages
        repeats = lambda rows: len({json.dumps(r, sort_keys=True) for r in rows}) < len(rows)  # noqa: E731
        tied = [i for i, rows in enumerate(listings) if repeats(rows)]
        for index, rows in zip(tied, self._all_pages_of_each([{**queries[index], 'limit': HSS_LIST_MAX_LIMIT}
                                                              for index in tied], read, HSS_LIST_MAX_LIMIT, what)):
            listings[index] = rows
            if repeats(rows):  # still: a tie past any page (no documented filter parts one host's copies of a hash)
                self.unread.add(queries[index].get('file_hash') or queries[index].get('file_path'))
        for query, rows in zip(queries, listings):
            if query.get('file_hash') and not query.get('file_path') and not query.get('host_name'):
                self.copies_listed[query['file_hash'].lower()] = Counter((row.get('host_name') or '').lower()
                                                                         for row in rows)
            self.host_names.update((row['host_id'], row['host_name']) for row in rows if row.get('host_id') and
                                   0 < len(row.get('host_name') or '') <= HSS_HOST_NAME_FILTER_MAX)
        return listings

    def list_security_events(self, begin_ms: int, end_ms: int, offset: int = 0,
                             limit: int = HSS_EVENT_PAGE_SIZE) -> HssPage:
        self.event_requests += 1
        advice = FETCH_EVENT_LISTING_ADVICE if self.transport.settings.caller == 'fetch' else HSS_EVENT_LISTING_ADVICE
        return self._listing(self.events_path, 'security events', {
            'category': 'host', 'enterprise_project_id': self.enterprise_project_id, 'end_time': end_ms,
            'event_types': self.event_types, 'offset': offset, 'limit': limit,
            'begin_time': begin_ms - max(1, begin_ms % HSS_TIME_RESOLUTION_MS)}, advice)

    def security_events_window(self, begin_ms: int, end_ms: int) -> tuple[list[Any], int]:
        """The events listed in a window from begin_ms, and where it ends: end_ms, or earlier when halved as a backlog
        (HSS_FETCH_WINDOW_PAGES; a burst is halved, not cut to an even spread: at most 18 halvings). Not filtered by
        handle_status: an alarm handled meanwhile shifts rows past a page read; isolate_and_kill's are this pack's."""
        wider, wider_end, probed = None, None, False  # the first page and end of the window before the last halving
        while True:
            first = self.list_security_events(begin_ms, end_ms)
            self.first_pages[begin_ms] = end_ms  # (narrower at each halving) where a fetch out of time narrows on from
            served, span = len(first['data_list']), end_ms - begin_ms
            if wider and total_num_not_narrowing(wider, first):
                # (a window read by page holds the wider one's first page: never empty)
                if not probed and (rows := self.window_read_by_page(begin_ms, wider_end, wider)):
                    return self.with_ties_listed_again(rows, begin_ms, wider_end), wider_end
                probed = True
                if served < len(wider['data_list']):
                    # HSS served a page of the wider window this full: a page short of that holds this one whole
                    return first['data_list'], end_ms
            # (under a second: HSS may read the times to the second, so a narrower window may list no fewer; a whole
            # second from a second's edge, asked from the millisecond before, may list three seconds)
            if (not served or whole_number(first.get('total_num'), 0) <= HSS_FETCH_WINDOW_PAGES * served
                    or span < HSS_TIME_RESOLUTION_MS):
                break
            wider, wider_end, end_ms = first, end_ms, begin_ms + span // 2  # half a second at least
        rows = self._all_pages_of_each([None], lambda _, offset: first if offset == 0 else self.list_security_events(
            begin_ms, end_ms, offset=offset), HSS_EVENT_PAGE_SIZE, 'HSS event pages read')[0]
        return self.with_ties_listed_again(rows, begin_ms, end_ms), end_ms

    def with_ties_listed_again(self, rows: list[Any], begin_ms: int, end_ms: int) -> list[Any]:
        """``rows``, and the millisecond of each one met twice listed again on one page: HSS may order the events of
        one occur_time anew for each page, so a page border inside such a tie may skip one (or none: a cost). Where
        that listing holds none of the millisecond (HSS read end_time down to its second), another lists to the
        second's end; never at first: HSS reading by the second would list the next second too, maybe past a page."""
        met = Counter(json.dumps(row, sort_keys=True) for row in rows)
        split = sorted({min(max(occur_time_ms(row, end_ms), begin_ms), end_ms) for row in rows
                        if isinstance(row, dict) and met[json.dumps(row, sort_keys=True)] > 1})
        for moment in split:
            again = self.list_security_events(moment, moment)['data_list']
            if not any(isinstance(row, dict) and occur_time_ms(row, -1) == moment for row in again):
                again = self.list_security_events(moment, min(moment + -moment % HSS_TIME_RESOLUTION_MS, end_ms))[
                    'data_list']
            rows = rows + again
        return rows

    def window_read_by_page(self, begin_ms: int, end_ms: int, first: HssPage) -> list[Any] | None:
        """Every row of a window whose total_num did not narrow with it, page by page from ``first`` to a short one (the
        end, whatever total_num says); None when the page past HSS_FETCH_WINDOW_PAGES pages serves rows (a backlog)."""
        rows, step = list(first['data_list']), len(first['data_list'])
        if self.list_security_events(begin_ms, end_ms, offset=step * HSS_FETCH_WINDOW_PAGES)['data_list']:
            return None
        for offset in range(step, step * HSS_FETCH_WINDOW_PAGES + 1, step):
            page = self.list_security_events(begin_ms, end_ms, offset=offset)['data_list']
            rows.extend(page)
            if len(page) < step:  # a row met twice (moved down a place meanwhile, or a tie reordered) is kept twice
                return rows
        return None  # the listing grew past what it held a moment ago: not read whole, so halved as a backlog

    def _listing(self, path: str, what: str, query: JsonObject, advice: dict[int, str],
                 refused: Refused | None = None) -> HssPage:
        # Unset filters left out; as Huawei's SDK sends and signs them: sorted, a blank as %20 (gateways may not read +)
        reply = self._request('GET', path, advice, expect_json=True, refused=refused, params=urlencode(
            sorted((name, value) for name, value in query.items() if value not in (None, '')), quote_via=quote,
            safe='~'))
        self.listed_at_ms = server_time_ms(reply.headers)
        body = parse_json_body(reply, self.vendor)
        rows = body.get('data_list')
        if rows is None and whole_number(body.get('total_num'), -1) == 0:  # optional in Huawei's SDK: none listed
            rows = body['data_list'] = []
        if not isinstance(rows, list) or (path == self.path and not all(map(is_listed_copy, rows))):
            advice = BROKEN_REPLY_ADVICE.format(url=URL_SETTINGS[self.vendor], **reply.again)
            raise RestoreError(f'{self.vendor} listed {what} without a data_list as its API gives one'
                               f'{request_id_of(reply.headers)} ({short_text(reply.text)}). {advice}', reply.attempts,
                               advice, True)
        return body

    def _all_pages_of_each(self, keys: list[Any], read_page: Callable[[Any, int], HssPage], page_size: int,
                           what: str, again: bool = True) -> list[list[Any]]:
        """Every row of each key's listing, a page's step what a first page served (some HSS versions, or a gateway,
        serve fewer rows than asked). A total_num grown meanwhile (new rows move the others down) is read on to, a row
        met twice kept once; one fallen (a copy deleted: rows move up) has that listing read ``again`` whole, once."""
        listings = []
        for first in self.bulk.map(lambda key: read_page(key, 0), keys, what=what):
            rows = list(first['data_list'])
            total = whole_number(first.get('total_num'), 0) if rows else 0
            listings.append({'rows': rows, 'first_total': total, 'total': total, 'least': total,
                             'step': min(len(rows), page_size) or 1, 'read_to': len(rows)})
        # A total_num past the largest offset the API takes (a listing gone wrong) is not followed beyond it.
        while work := [(listing, key, offset) for key, listing in zip(keys, listings) for offset in
                       range(listing['read_to'], min(listing['total'], HSS_MAX_OFFSET + 1), listing['step'])]:
            pages = self.bulk.map(lambda job: read_page(job[1], job[2]), work, what=what)
            for (listing, _, offset), page in zip(work, pages):
                listing['rows'].extend(page['data_list'])
                total = whole_number(page.get('total_num'), listing['least'])  # none read: neither bound moves
                listing.update(total=max(listing['total'], total), least=min(listing['least'], total),
                               read_to=offset + listing['step'])
        fallen = [index for index, listing in enumerate(listings)
                  if again and listing['least'] < listing['first_total']]
        for index, rows in zip(fallen, self._all_pages_of_each([keys[index] for index in fallen], read_page, page_size,
                                                               what, False) if fallen else []):
            listings[index].update(rows=rows, total=0)  # read whole again: no row met twice
        return [list({json.dumps(row, sort_keys=True): row for row in listing['rows']}.values())
                if listing['total'] > listing['first_total'] else listing['rows'] for listing in listings]

    def hss_clock_at(self, moment: float, attempts: Iterable[Attempt] = ()) -> int:
        """HSS's clock (ms) at ``moment`` (the limiter's clock), or a little earlier, for a request sent then: the
        latest Date its ``attempts`` were answered with (an answer cut off has one), else the Date of this run's last
        listing (read before the request, or this is a listing), else this machine's clock, less the time since then."""
        since = int((self.limiter.clock() - moment) * 1000)
        answered = max((a.answered_ms for a in attempts if a.answered_ms is not None), default=self.listed_at_ms)
        return (answered if answered is not None else epoch_ms()) - since

    def restore_isolated_files(self, items: list[HssCopy], enterprise_project_id: str | None = None,
                               refused: Refused | None = None) -> int:
        """One PUT isolated-file (HSS answers 200 with no body); returns the earliest HSS can have acted on it, on its
        clock (ms), so later listings tell this restore's changes by update_time whatever this machine's clock says."""
        if len(items) > HSS_MAX_ITEMS_PER_REQUEST:
            raise ValueError(f'at most {HSS_MAX_ITEMS_PER_REQUEST} items per request')
        epid, started = enterprise_project_id or self.enterprise_project_id, self.limiter.clock()
        body = {'data_list': items}  # after an answer lost, cut to the items HSS still lists isolated (_still_isolated)
        try:
            reply = self._request('PUT', self.path, params={'enterprise_project_id': epid},  # requests drops a None
                                  json=body, refused=refused, not_answer=not_hss_answer,
                                  still_to_send=functools.partial(self._still_isolated, body, epid, refused=refused))
            return server_time_ms(reply.headers) - int((self.limiter.clock() - started) * 1000)
        except RestoreError as error:
            if not body['data_list']:  # HSS listed none isolated after an answer was lost: it took them (or had)
                return self.hss_clock_at(started, error.attempts)
            names = {host for host, _, _ in map(copy_key, items) if host and not re.fullmatch(HUAWEI_UUID, host)}
            if HSS_ERROR_ADVICE[400] in error.advice and names:  # HSS's host IDs are UUIDs; its console shows names
                error.with_advice(f'{error.advice} host_id {capped_names(sorted(names))}: a host\'s name, it seems, '
                                  'where HSS takes its ID (a UUID): its server list (ListHostStatus) gives it by name.',
                                  error.advice)
            sent = [attempt for attempt in error.attempts if attempt.reached]  # one refused unsent never went
            lost = f'the answer to one of its {len(sent)} attempts' if sent[1:] else 'its answer'
            if may_have_applied(error.attempts, HSS_MAYBE_APPLIED_STATUSES):  # its one next step, before any other
                step = (f'HSS may have accepted the restore even so, as {lost} was lost (or an error that may come '
                        'after HSS acted): list these files (isolation_status restoring) before sending them again.')
                if getattr(error, 'http_status', 0) == 400:  # HSS refused the attempt it got: its advice holds for it
                    step = ('HSS refused this attempt, but an earlier one whose answer was lost may have reached it: '
                            f'list these files (isolation_status restoring); for any still isolated: {error.advice}')
                error.with_advice(step, error.advice)
            raise

    def _still_isolated(self, body: JsonObject, enterprise_project_id: str | None, attempt: Attempt,
                        reply: VendorReply | None, refused: Refused | None) -> str | None:
        """Before a PUT HSS may have acted on goes again after ``attempt`` (its ``reply``; None: lost): its items HSS
        still lists isolated, by host, hash and path, become its ``body``'s data_list; None, or why it is not sent
        again (none left, no listing). Its listing asks the PUT's ``refused`` too."""
        if not may_have_applied([attempt], HSS_MAYBE_APPLIED_STATUSES):
            return None  # HSS did not act on it (no connection, a 503): it goes again whole
        # its listings, on other threads too, wait for no answer of the PUT's; HSS's own error shows the signature taken
        self._answered(attempt if reply is None else reply)
        hosts = defaultdict(set)  # each hash (an item without one: its path) -> its items' hosts' names (None: unknown)
        for host_id, file_hash, file_path in map(copy_key, body['data_list']):
            hosts[file_hash, None if file_hash else file_path].add(self.host_names.get(host_id))
        # HSS filters its listing by any part of a host name, any case (not host ID): a hash's copies are read by their
        # hosts' names when, as last listed, those listings take fewer pages (one at least each) than its own ('': any)
        def pages(file_hash: str, name: str) -> int:
            copies = sum(count for host, count in self.copies_listed.get(file_hash, {}).items() if name.lower() in host)
            return max(1, -(-copies // HSS_LIST_PAGE_SIZE))
        queries = [{'file_hash': file_hash, 'file_path': file_path, 'host_name': name,
                    'enterprise_project_id': enterprise_project_id, 'isolation_status': None, 'refused': refused}
                   for (file_hash, file_path), names in hosts.items() for name in (names if None not in names and sum(
                       pages(file_hash, host) for host in names) < pages(file_hash, '') else [None])]
        try:
            listings = self.isolated_files_of_each(queries, what='')
        except RestoreError as error:  # first sentence, HSS's words: its retries and advice would read as the PUT's
            if refused and refused():  # the PUT is refused too at its next attempt, which says why
                return None
            said = f' ({error.details})' if isinstance(error, VendorApiError) and error.details else ''
            went = sum(attempt.sent_at < math.inf for attempt in error.attempts)  # not one stopped before its turn
            after = f'failed after {went} {plural("attempt", went)}' if went else 'was not sent'
            return (f'the listing read to find which of its files HSS still lists isolated {after}: '
                    f'{str(error).split(". ")[0]}{said}')
        isolated = {copy_key(found) for listed in listings for found in listed
                    if found.get('isolation_status') == HSS_STATUS_ISOLATED}
        body['data_list'] = [item for item in body['data_list'] if copy_key(item) in isolated]
        return None if body['data_list'] else 'HSS lists none of its files isolated any more'

    def _request(self, method: str, path: str, advice: dict[int, str] = HSS_ERROR_ADVICE,
                 refused: Refused | None = None, **kwargs: Any) -> VendorReply:
        reply = None
        if self.refusal:
            self.refusal.check(f'{self.vendor} refused the access key {self.refusal.identity}', 'secret key', (
                'its API gateway locks an access key, for every tool that signs with it, for 5 minutes once it refused '
                f'5 of its requests in a row. Another access key is sent at once. {HSS_ERROR_ADVICE[401]}'))
        try:  # its refusal kept before a request waiting for its answer goes (_answered)
            reply = self.transport.request(method, path, refused=functools.partial(self._refusal, refused), **kwargs)
            if 200 <= reply.status < 300:
                return reply
            if self.token_provider and reply.status == 401:  # the AK/SK advice names no setting of a token's
                no_time = 'HSS did not accept the token, and this run had no time left to get a new one. {Again}.'
                advice = {**advice, 401: no_time if reply.gave_up else HSS_TOKEN_REFUSED_ADVICE}  # a new one refused
            # The lock is of an access key: a token request carries none, so such words to it lock nothing of its own
            locked = (reply.status == 401 and not self.token_provider
                      and HSS_AK_LOCKED in str((huawei_said(reply) or {}).get('vendor_message')))
            if locked:
                advice = {**advice, 401: HSS_AK_LOCKED_ADVICE}
            error = huawei_error_from_response(reply, advice_by_status=advice)
            # later: what it met passes (the lock in 5 minutes; a new token, no_time's advice: to act again later)
            error.later |= locked or (reply.status == 401 and bool(reply.gave_up))
            if reply.status == 401 and self.refusal:
                self.key_refused = error
                if not locked:  # a lock is no verdict on this secret key: a run once it ended sends it
                    self.refusal.keep(reply)
            raise error
        finally:
            self._answered(reply)

    def cache_entry(self) -> JsonObject | None:
        """What to keep in the token's place: IAM's (IamTokenProvider.cache_entry), or the gateway's refusal kept."""
        if self.token_provider:
            return self.token_provider.cache_entry()
        return dict(self.refusal.entry) or None

    def _answered(self, reply: VendorReply | Attempt | None) -> None:
        """This thread's request (or a PUT's attempt) ended: the gateway took the signature if HSS answered it; else
        the next request waiting goes alone."""
        signing = self.signing
        if signing is None:
            return
        with signing:
            # Only HSS's answer shows it: a 2xx in its form (not_hss_answer), or an error in its words (an HSS.
            # code). The gateway's own errors (APIGW. codes: a bad request or body too large, a throttle, no such API,
            # a fault of its own or behind it) may come before it checks the signature (its signing guide's "Error
            # Codes"), as may a proxy's page or a balancer's 200; a lost answer, or a PUT attempt's status alone,
            # tells nothing
            if isinstance(reply, VendorReply) and (not_hss_answer(reply) is None if 200 <= reply.status < 300 else str(
                    (huawei_said(reply) or {}).get('vendor_code')).startswith('HSS.')):
                self.signing, self.refusal.entry = None, {}  # the key works: a refusal kept of it is void
            if self.probe == threading.get_ident():
                self.probe = None
            signing.notify_all()

    def _refusal(self, refused: Refused | None) -> str | None:
        """Why a request is not sent (before its turn, or once it came): what ``refused`` says, else the gateway refused
        the access key's signature of another request of the command, as it would this one's. Until the gateway took a
        signature of the run, it waits for the answer to another thread's request first."""
        signing, me = self.signing, threading.get_ident()
        if signing is not None:
            with signing:
                while self.probe not in (None, me) and self.signing and not self.key_refused:
                    signing.wait()
                if self.signing and not self.key_refused:
                    self.probe = me
        said = refused() if refused else None  # the caller's, in its own words, first
        if said or not self.key_refused:
            return said
        return (f'Not sent: {self.vendor} refused another request of this command with HTTP 401, as it would this '
                f'one. {self.key_refused.advice}')


def not_hss_answer(reply: VendorReply) -> str | None:
    """Why a 2xx reply is not in HSS's form (a proxy's or captive portal's page, a load balancer's empty 200: from
    something in between), in words after its status; None when it is: a JSON object (HSS writes no other JSON), or no
    body with the request ID Huawei's gateway gives every request it passed (its restore's 200 has no body). The
    restore's attempt loop meets such a 200 as an answer lost: the PUT may never have reached HSS, or HSS taken it."""
    if not reply.body.strip():
        if reply.headers.get('X-Request-Id'):
            return None
        return ("with no body and without the request ID (X-Request-Id) Huawei's API gateway gives every request it "
                'passed: from something in front of HSS (a load balancer or proxy), so HSS may not have got it.')
    if isinstance(reply.parsed, dict):
        return None
    return f"with a body that is not HSS's answer ({short_text(reply.text)}): HSS may or may not have taken it."


def is_listed_copy(row: Any) -> bool:
    """A listed isolated copy as HSS's model gives one: an object whose fields read here are text, if given."""
    return isinstance(row, dict) and all(type(row.get(name)) in (str, type(None))
                                         for name in (*HSS_ROW_FIELDS, 'isolation_status'))


def total_num_not_narrowing(wider: HssPage, narrower: HssPage) -> bool:
    """Whether halving a window stopped telling how many events it lists, by the first pages of it and of its first
    half: total_num did not fall (reading the wider window costs no more), or it overstates the half's listing."""
    served, total = len(narrower['data_list']), whole_number(narrower.get('total_num'), 0)
    return total >= whole_number(wider.get('total_num'), 0) or served < len(wider['data_list']) and total > served


def huawei_error_from_response(reply: VendorReply, vendor: str = 'Huawei Cloud HSS',
                               advice_by_status: dict[int, str] = HSS_ERROR_ADVICE) -> VendorApiError:
    """A Huawei Cloud error reply (HSS, its API gateway, IAM) as an error keeping its code and request id."""
    said = huawei_said(reply)
    code = str(said['vendor_code']) if said else ''  # str(): a code that is not text is none of HSS_CODE_ADVICE's
    own_404 = f'{HSS_FOUND_NONE} {advice_by_status[400]}' if reply.status == 404 and code.startswith('HSS.') else None
    return vendor_error(reply, vendor, advice_by_status, said, HSS_CODE_ADVICE.get(code, own_404))


def huawei_said(reply: VendorReply) -> JsonObject | None:
    """What a Huawei Cloud error body says, as VendorApiError's fields: its code and message in any form Huawei's SDK
    reads (HUAWEI_ERROR_FIELDS), in the body or an object in it (IAM's {"error": {code, title, message}}), or None."""
    objects, encoded = [reply.parsed], None  # NOT_JSON, or JSON that is not an object: none
    for held in objects:  # the body's own fields before those of the objects inside it
        if not isinstance(held, dict):
            continue
        encoded = held.get('encoded_authorization_message') or encoded
        for code, message in HUAWEI_ERROR_FIELDS:
            if held.get(code):
                # Some HSS errors carry an error_description beside error_msg: kept when it says more.
                said, description = held.get(message) or held.get('title'), held.get('error_description')
                return {'vendor_code': held[code], 'vendor_message': said, 'authorization_message': encoded,
                        'vendor_extra': description if description and description != said else None,
                        'request_id': held.get('request_id') or reply.headers.get('X-Request-Id')}
        objects.extend(held.values())
    return None


def token_expired(reply: VendorReply) -> bool:
    """Whether a 401 is the gateway's expiry of the token (APIG(W).0307, or 0301 saying so), or says nothing."""
    said = huawei_said(reply)
    if said is None:
        return True
    code = str(said['vendor_code'])  # str(): a code that is not text (a list, say) is neither, and no set takes it
    return code in HUAWEI_TOKEN_EXPIRED or (code in HUAWEI_AUTH_FAILED
                                            and HUAWEI_TOKEN_EXPIRES in str(said['vendor_message']).lower())


def refuses_every_request(error: RestoreError) -> bool:
    """Whether HSS or its gateway refused the credentials or their permissions in their own words, or the URL (any 404
    but HSS's own): every later request meets the same, as it would a refused password IAM is not sent again yet."""
    if not isinstance(error, VendorApiError):
        return isinstance(error, LoginPaused)
    code = str(error.vendor_code)  # str(): a code that is not text (a number, an object) is none of HSS's
    if error.http_status == 404:  # HSS's own (an HSS. code): what one request names is not found
        return not code.startswith('HSS.')
    refused = error.http_status in (401, 403) and error.vendor_code is not None
    return refused or code in HSS_PERMISSION_CODES  # or HSS's code for a permission refusal


''' BULK WORK '''


class _Cancelled(Exception):
    """Work a runner did not start because an earlier item failed."""


class BulkWorkerMark(threading.local):
    """Whether this thread is one of a BulkRunner pool's own: set by the pool's initializer, whatever its name."""

    marked = False


BULK_WORKER = BulkWorkerMark()


def _mark_bulk_worker() -> None:
    BULK_WORKER.marked = True


class BulkRunner(NamedTuple):
    """Work on up to ``workers`` threads side by side (the vendor's limiter paces their requests); results, errors and
    progress come back to the thread that called ``map``: in XSOAR the main one, the only one that may call demisto."""

    workers: int = 1  # not clamped: map runs the items one after the other for any count of workers up to 1
    progress: TextListener | None = None

    def map(self, function: Callable[[Any], Any], items: Iterable[Any], what: str = '',
            settled: Callable[[Any], Any] | None = None, sent: Callable[[Any], bool] | None = None) -> list[Any]:
        """``function`` over ``items``, results in their order (``settled(item)``, not None: its result, not sent).
        A failure stops work not started; after the work in flight, the first error in the items' order is raised.
        ``what``'s progress counts the results ``sent`` says reached the vendor (without it: every one that came)."""
        items, failed, counted = list(items), threading.Event(), 0
        on_worker = BULK_WORKER.marked  # a map within an item's work

        def report(result: Any) -> None:
            nonlocal counted
            counted += sent is None or sent(result)
            if self.progress and what and len(items) > 1 and not on_worker:  # demisto: only the main thread may call
                self.progress(f'{what}: {counted}/{len(items)}')

        def run(item: Any) -> Any:
            if settled and (known := settled(item)) is not None:
                return known
            if failed.is_set():
                raise _Cancelled
            try:
                return function(item)
            except BaseException:
                failed.set()
                raise

        workers = min(self.workers, len(items))
        if workers <= 1 or on_worker:  # on a worker: in turn, within the outer map's threads
            results = []
            for item in items:
                results.append(run(item))
                report(results[-1])
            return results
        from concurrent.futures import ThreadPoolExecutor, as_completed  # only bulk work pays for the import
        with ThreadPoolExecutor(workers, thread_name_prefix=BulkRunner.__name__, initializer=_mark_bulk_worker) as pool:
            futures = [pool.submit(run, item) for item in items]
            try:
                for future in as_completed(futures):
                    report(future.result())
            except BaseException as error:
                pool.shutdown(cancel_futures=True)  # waits for the work in flight; what has not started never will
                errors = [f.exception() for f in futures if not f.cancelled() and f.exception()]  # all ended now
                if error not in errors:  # the calling thread's own: Ctrl-C, a progress report that failed
                    raise
                raise next((e for e in errors if not isinstance(e, _Cancelled)), error) from None
        return [future.result() for future in futures]


''' XSOAR ENTRIES '''


class PollingSchedule(NamedTuple):
    """The polling fields XSOAR reads from an entry, as CommonServerPython's ScheduledCommand writes them."""

    command: str
    next_run_in_seconds: int
    args: JsonObject
    timeout_in_seconds: int
    asked_by: str = ''  # the vendor whose Retry-After put the next run off past the interval (next_check)

    def again(self) -> str:
        """When the next check comes, as an entry says it, and why when it is put off past the interval."""
        return f'in {self.next_run_in_seconds} s' + (
            f', put off as {self.asked_by} asked to wait (Retry-After)' if self.asked_by else '')


class RestoreResult(NamedTuple):
    """One war-room entry: markdown for the analyst, context for playbooks, the raw reply, maybe a next run."""

    readable_output: str
    outputs_key: str
    outputs: Any
    raw_response: Any  # JSON: a vendor's reply object, a list of them, or the command's own summary object
    schedule: PollingSchedule | None = None

    def to_entry(self) -> JsonObject:
        # Type 1: a note (EntryType.NOTE). No records, no EntryContext (as CommandResults): an empty list is noise
        entry = {'Type': 1, 'ContentsFormat': 'json', 'Contents': self.raw_response,
                 'HumanReadable': self.readable_output, 'ReadableContentsFormat': 'markdown',
                 **({'EntryContext': {self.outputs_key: self.outputs}} if self.outputs not in (None, []) else {})}
        if schedule := self.schedule:
            entry.update(PollingCommand=schedule.command, NextRun=f'{schedule.next_run_in_seconds}',
                         PollingArgs=schedule.args, Timeout=f'{schedule.timeout_in_seconds + POLLING_TIMEOUT_MARGIN}')
        return entry


def one_or_all(values: list[Any]) -> Any:
    """One file's record (or reply) on its own, as the context of a single restore holds it; several as a list."""
    return values[0] if len(values) == 1 else values


def markdown_text(value: Any) -> str:
    """A value (a cell, a title, a vendor's reason) as markdown shows it as written, its line ends as <br>: what could
    start markup escaped (the pack's scripts' shown_as_is escapes the same): | a cell's end, ` a code span, * and an _
    not inside a word emphasis, [ and ] a link, < an autolink or HTML, & a character reference, ~ strikethrough, the .
    of www. and the : of :// a bare link, whose text GFM shows as its source, escapes and all (a=1\\&b=2), and a \\
    before punctuation or a line end, else read as its escape (\\_MEI1). A value starts no line, so no block (a title
    ends with the pack's words or ")", never with # after a blank, closing a heading)."""
    text = re.sub(r'[|`*\[\]<&~]|(?<![^\W_])_|_(?![^\W_])|(?<=www)\.|:(?=//)|\\(?=[!-/:-@\[-`{-~\r\n])', r'\\\g<0>',
                  str('' if value is None else value))
    text = re.sub(r'\r\n?|\n', '<br>', text)
    return f'{text} ' if text.endswith('\\') else text  # a last \ (a Windows folder) would escape the closing pipe


def code_span(command: str) -> str:
    """A command to copy as an entry's markdown shows it, exactly: a code span, where nothing is markup (CommonMark
    6.1), fenced by one backtick more than its longest run, with a blank inside each fence when it starts or ends with
    a backtick (a raw value's), which CommonMark drops again. No command holds a line break: an item holding one is
    refused, and a vendor's text goes in as JSON."""
    fence = '`' * (max(map(len, re.findall('`+', command)), default=0) + 1)
    padding = ' ' if '`' in command[:1] + command[-1:] else ''
    return f'{fence}{padding}{command}{padding}{fence}'


def markdown_table(title: str, rows: list[JsonObject], headers: Sequence[str], context_path: str,
                   first: Callable[[JsonObject], bool]) -> str:
    """A table as XSOAR's tableToMarkdown, of the columns some row fills (blank ones are noise). Past MAX_TABLE_ROWS
    the failures ``first`` picks go first, each part in order; a last line counts the rest, in ``context_path``."""
    if not rows:
        return f'### {markdown_text(title)}\n**No entries.**'
    more = len(rows) - MAX_TABLE_ROWS
    shown = (sorted(rows, key=lambda row: not first(row)) if more > 0 else rows)[:MAX_TABLE_ROWS]
    headers = [header for header in headers if any(markdown_text(row.get(header)).strip() for row in shown)] or headers
    lines = [f'### {markdown_text(title)}', f'|{"|".join(headers)}|', f'{"|---" * len(headers)}|']
    lines += (f'|{"|".join(markdown_text(row.get(header)) for header in headers)}|' for row in shown)
    if more > 0:
        lines.append(f'\n{more:,} more {plural("row", more)} {"is" if more == 1 else "are"} not shown here: '
                     f"{context_path} holds this restore's {len(rows):,} rows.")
    return '\n'.join(lines)


def grouped_outcomes(title: str, rows: list[JsonObject], status_key: str, ok: set[str], reason_key: str,
                     who: Callable[[JsonObject], Any], context_path: str, beside: str = '') -> str:
    """A large outcome at a glance: counts by status, each failure reason once with the endpoints or hosts it applies
    to (capped), the statuses in ``ok`` (done or running) only counted; last, that the context holds these rows of this
    restore, and what else of it (``beside``): one incident's context holds the rows of each of its restores."""
    counts, by_reason = Counter(), defaultdict(list)
    for row in rows:
        status = str(row.get(status_key) or 'unknown')
        counts[status] += 1
        if status not in ok:
            reason = str(row.get(reason_key) or 'no reason given')
            by_reason[status, reason].append(str(who(row) or '?'))
    tally = ', '.join(f'{count:,} {status}' for status, count in sorted(counts.items()))
    lines = [f'### {markdown_text(title)}', f'{markdown_text(tally)}.']
    for (status, reason), names in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        # The names 6 blanks in, 4 past the item's text: a line so far in starts no block (a heading, a list, ...)
        lines += [f'- **{markdown_text(status)} ({len(names):,})**: {markdown_text(clean_text(reason))}',
                  f'      {markdown_text(capped_names(list(dict.fromkeys(names))))}']
    return '\n'.join(lines + [f"{context_path} holds this restore's {len(rows):,} rows{beside}."])


def capped_names(names: list[str]) -> str:
    """The names joined by commas, those past MAX_LISTED_FILES counted instead: "a, b and 3 more"."""
    more = f' and {len(names) - MAX_LISTED_FILES:,} more' if len(names) > MAX_LISTED_FILES else ''
    return f'{", ".join(names[:MAX_LISTED_FILES])}{more}'


def war_room_value(text: str, item: bool = False) -> str:
    """A value as a war-room line takes it: bare when it can be, else raw in backticks, else quoted and escaped; an
    ``item`` of a list as a JSON list of it where comma-separated text would alter it (arg_to_list: a comma, say)."""
    if item and re.search(r'^[\s[]|,|\s$', text):
        text = json.dumps([text])
    if re.fullmatch(r'[^\s"`]+', text):
        return text
    if re.search('[`\n]', text):
        return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'
    return f'`{text}`'


def follow_wait(client: 'XdrClient | HssClient') -> str:
    """The longest Retry-After holding back ``client``'s next run: when it ends, then in words in brackets; else ''."""
    wait, _, vendor = max(client.transport.waits())
    return f'{utc_text(time.time() + wait)} (in {wait} s, as {vendor} asked to wait: Retry-After)' if wait else ''


def told_when(error: RestoreError, client: 'XdrClient | HssClient') -> RestoreError:
    """``error`` saying when the wait holding back ``client``'s next run ends (follow_wait), while one runs."""
    if error.says_until or not (when := follow_wait(client)):
        return error
    if TEST_AGAIN in error.advice:  # a Test's throttle: one instruction, that time
        return error.with_advice(f'Test again after {when}.', TEST_AGAIN)
    lead = ('Fetches may be throttled until' if client.transport.settings.caller == 'fetch'
            else 'Later means after' if error.later else 'Try again, after')
    error.args = (f'{error} {lead} {when}.',)  # its message, one sentence more: its type and fields kept
    return error


def follow_after(client: 'XdrClient | HssClient') -> str:
    """When a follow command may run: ', after <time> (in N s, ...)' while a wait holds it back, else ''."""
    return f', after {wait}' if (wait := follow_wait(client)) else ''


''' ARGUMENTS '''


def single_value(value: Any, name: str) -> Any:
    """A context list's one item (or that item once per alert); an empty list (FirstArrayElement's answer) is none."""
    if isinstance(value, list):
        if any(item != value[0] for item in value):
            raise RestoreError(f'{name} takes one value; got {printable(value)}. Run the command once for each.')
        if value and none_or_blank_text(value[0]):  # not none given: an endpoint_id so read would restore everywhere
            raise RestoreError(f'{name} has a blank value in a list, {printable(value)}: give it a value, or leave it '
                               'out.')
        value = value[0] if value else None
    refuse_placeholder(value, name)
    return value


def refuse_placeholder(value: Any, name: str) -> None:
    """The text None or null, which a transformer gives for a value it did not find (FirstArrayElement did; SetIfEmpty
    reads it as empty), refused: sent, it names nothing; read as not given, an endpoint_id would restore everywhere."""
    if isinstance(value, str) and value.strip().lower() in ('none', 'null'):
        raise RestoreError(f'{name} is {printable(value)}, the text a playbook transformer gives for a value it did '
                           'not find: give a value, or leave it out.')


def validate_sha256(value: Any) -> str:
    """restore-file's file_hash in lower case, or a RestoreError that says what is wrong with it."""
    value = single_value(value, 'file_hash')
    if none_or_blank_text(value):
        raise RestoreError('file_hash is required: give the SHA256 of the quarantined file.')
    if not isinstance(value, str):
        raise RestoreError(f'file_hash must be a SHA256 string; got {json_kind(value)}.')
    candidate = value.strip()
    if is_sha256_text(candidate):
        return candidate.lower()
    raise not_sha256(candidate, 'Cortex XDR restores')


def not_sha256(value: str, vendor_takes: str) -> RestoreError:
    """The error for a file_hash that is no SHA256: its first character that is no hexadecimal digit, and hash_hint."""
    # A value of the right length is wrong in one place at least: name it, as the quote may be cut before it.
    bad = re.search(r'[^0-9a-fA-F]', value)
    where = ''
    if bad:  # a look-alike (Cyrillic а, fullwidth ａ) is quoted as the digit it imitates: named by code point too
        where = f', and {named_character(bad.group())} at position {bad.start() + 1} is not a hexadecimal digit'
    return RestoreError(f'file_hash must be a SHA256: 64 hexadecimal characters; got {printable(value)} '
                        f'({len(value)} characters{where}).{hash_hint(value, vendor_takes)}')


def hash_hint(value: str, vendor_takes: str) -> str:
    """Why a pasted hash is no SHA256: a prefix or quotes left on (said, never stripped), its length, or a column or
    row of them (a spreadsheet's or a log's, joined by semicolons or bars)."""
    words = [word for word in re.split(r'[\s;|]+', value) if word]
    if len(words) > 1 and all(map(is_sha256_text, words)):
        return f' That looks like {len(words)} SHA256 hashes: separate them with commas.'
    unquoted = value.strip('"\'`')  # copied out of JSON or CSV text
    if unquoted != value and is_sha256_text(unquoted):
        return ' Leave out the quotes around it: give the hash alone.'
    if prefixed := re.fullmatch(r'(?i)((?:md5|sha-?(?:1|256|512)) ?[:=] ?)[0-9a-f]+', value):
        return f' Leave out its prefix {printable(prefixed.group(1))}: give the hash alone.'
    if re.fullmatch('[0-9a-fA-F]+', value) and len(value) in HASH_LENGTH_NAMES:
        return f' That looks like {HASH_LENGTH_NAMES[len(value)]} hash; {vendor_takes} by SHA256 only.'
    return ''


def sha256_list(value: Any, pairs: int = 0) -> list[str]:
    """restore-file's file_hash, deduplicated unless it pairs one to one with ``pairs`` action IDs (an action each)."""
    hashes = list(map(validate_sha256, arg_to_list(value, 'file_hash') or [None]))
    return hashes if len(hashes) == pairs else list(dict.fromkeys(hashes))


def validate_identifier(value: Any, name: str, max_length: int = MAX_IDENTIFIER_LENGTH) -> str | None:
    """An optional vendor ID: None when absent, else a stripped string of letters, digits, - and _."""
    value = single_value(value, name)
    if isinstance(value, str) and ',' in value:  # several: comma-separated, or a list's JSON text
        raise RestoreError(f'{name} takes one value; got {printable(value)}. Run the command once for each.')
    if none_or_blank_text(value):
        return None
    if type(value) not in (str, int):  # type(): a bool is no ID
        raise RestoreError(f'{name} must be text; got {kind_given(value)}.')
    text = str(value).strip()
    if has_control_characters(text):
        raise RestoreError(f'{name} must not contain control characters (line breaks, tabs); got {printable(text)}.')
    check_identifier(text, name, max_length)
    return text


def arg_to_int(value: Any, name: str, minimum: int = -MAX_WHOLE_NUMBER, maximum: int = MAX_WHOLE_NUMBER,
               default: int | None = None, kept_as_number: str = '') -> int | None:
    """A whole number, an int or its digits (None/blank: the default); ``kept_as_number``: why 2**53 on is refused."""
    value = single_value(value, name)
    if none_or_blank_text(value):
        return default
    # The text checked: blanks (int() strips fewer) and leading zeros (no digit of its 18, yet int() counts them) off
    text = re.sub('^([+-]?)0+(?=[0-9])', r'\1', value.strip()) if isinstance(value, str) else ''
    whole = type(value) is int or (isinstance(value, float) and value.is_integer()) or re.fullmatch('[+-]?[0-9]+', text)
    if not whole:  # type(): a bool (an int to isinstance) is no number
        odd = re.search('[^\x00-\x7f]', text)  # a digit not ASCII (fullwidth, Arabic-Indic) is quoted as one
        held = f', which holds {named_character(odd.group())}' if odd else ''
        raise RestoreError(f'{name} must be a whole number; got {printable(value)}{held}.')
    # The digits counted first: int() refuses a text of 4,301 digits or more
    if len(text.lstrip('+-')) > 18 or abs(number := int(text or value)) > MAX_WHOLE_NUMBER:
        raise RestoreError(f'{name} must be a whole number of at most 18 digits; got {printable(value)}.')
    if kept_as_number and number >= FLOAT64_EXACT_BELOW:  # before "Give it as text", which would not do
        raise RestoreError(f'{name} must be below 2**53; got {printable(value)}. {kept_as_number}')
    if not text and abs(number) >= FLOAT64_EXACT_BELOW:  # an int too: maybe not the number given
        raise RestoreError(f'{name} must be given exactly; got {printable(value)}, a number too large (2**53 or more) '
                           f'for XSOAR to hand on exactly. Give it as text.')
    if not minimum <= number <= maximum:
        bound = f'at least {minimum}' if number < minimum else f'at most {maximum}'
        raise RestoreError(f'{name} must be {bound}; got {number}.')
    return number


def arg_to_bool(value: Any, name: str, default: bool = False) -> bool:
    value = single_value(value, name)
    if none_or_blank_text(value):
        return default
    text = str(value).strip().lower()
    if text not in ('true', 'yes', '1', 'false', 'no', '0'):
        raise RestoreError(f'{name} must be true or false; got {printable(value)}.')
    return text in ('true', 'yes', '1')


def arg_to_list(value: Any, name: str) -> list[str]:
    """XSOAR's list argument: a list (from context), a JSON array, or comma-separated text. Only comma-separated items
    are stripped (typing puts blanks around commas): a path in a list or JSON array may begin or end with a blank."""
    if none_or_blank_text(value):
        return []
    if isinstance(value, str):
        text = value.strip()
        value = json_list(text, name) if text.startswith('[') else re.split(r'\s*,\s*', text)
    elif not isinstance(value, list):
        value = [value]
    for position, item in enumerate(value, 1):
        if type(item) not in (str, int):  # type(): a bool is no text
            raise RestoreError(f'{name} must hold text; item {position} is {kind_given(item)}.')
        if not str(item).strip():
            raise RestoreError(f'{name} has an empty item at position {position}; remove it.')
        refuse_placeholder(item, f'{name} item {position}')
    return list(map(str, value))


def kind_given(value: Any) -> str:
    """An argument's json_kind; for an object (a context list of objects passed whole), what to give instead."""
    if isinstance(value, dict):
        return ('an object. Give the values themselves: for context objects, the path to their field '
                '(${File.SHA256}, not ${File})')
    return json_kind(value)


def json_value(value: Any) -> Any:
    """What JSON text holds; the value as it is when not text, text not JSON, or JSON nested past what json reads."""
    try:
        return json.loads(value)
    except (TypeError, ValueError, RecursionError):
        return value


def json_list(text: str, name: str) -> list[Any]:
    """A list argument given as JSON text (it starts with "["): the list, or a RestoreError naming the argument and
    where JSON stopped reading it (a single backslash, say: the value quoted shows each one doubled, as JSON does)."""
    try:
        return json.loads(text)  # JSON text whose first character (past blanks) is "[" is a list
    except (ValueError, RecursionError) as error:
        # json's "Unterminated string starting at", "Invalid control character at" end with the "at" said here
        where = f' ({error.msg.removesuffix(" at")} at character {error.pos + 1})' if isinstance(
            error, json.JSONDecodeError) else ''
        raise RestoreError(f'{name} starts with "[" but is not a JSON list{where}: {printable(text)}. Write it as '
                           'JSON, each item in double quotes, a backslash doubled (["C:\\\\a.exe"]), or as '
                           'comma-separated values without brackets.') from None


def hss_field_list(value: Any, name: str) -> list[str]:
    """A list argument for an HSS item field, each value checked against the field's documented length. An ID, hash
    or attribute pasted with blanks around it is taken without them (HSS matches it exactly); a path as agent_path."""
    values = [agent_path(text) if name == 'file_path' else text.strip() for text in arg_to_list(value, name)]
    limit = HSS_FIELD_LIMITS[name]
    for position, text in enumerate(values, 1):
        if len(text) > limit:
            raise RestoreError(f'{name} item {position} is {len(text)} characters long; HSS accepts 1 to {limit}.')
        if has_control_characters(text):
            raise RestoreError(f'{name} item {position} holds control characters (line breaks, tabs): '
                               f'{printable(text)}. Remove them; separate values with commas.')
    return values


def broadcast_items(fields: HssFields) -> list[dict[str, str]]:
    """Explicit items from parallel lists; a list of one value applies to every item; an item given twice (a hash in
    two cases: HSS matches either) once. A RestoreError when the lists given do not line up."""
    given = {name: values for name, values in fields.items() if values}
    count = max(map(len, given.values()))
    if any(len(values) not in (1, count) for values in given.values()):
        lengths = ', '.join(f'{name} has {len(values)}' for name, values in given.items())
        raise RestoreError(f'The item lists do not line up ({lengths}). Give each list one value to apply to every '
                           'item, or the same number of values as the others.')
    # Each list holds one value (index % 1 is 0) or count of them (index % count is index).
    unique = dict.fromkeys(tuple(values[index % len(values)] for values in given.values())
                           for index in range(count))  # the values alone: 10,000 items keep no copies of their keys
    return [dict(zip(given, values)) for values in unique]


def exact_items(fields: HssFields) -> list[dict[str, str]]:
    """The exact items when host_id, file_hash and file_path are all given; else none."""
    return broadcast_items(fields) if fields['host_id'] and fields['file_hash'] and fields['file_path'] else []


def hosts_asked(fields: HssFields) -> dict[str, set[str]]:
    """The hosts each hash or path of a restore by hash or path is asked on (none: any host): a path on the hosts
    paired with it by position (another may hold it isolated for its own reasons), a hash or unpaired path on all."""
    if fields['file_hash'] or fields.get(HSS_UNPAIRED):
        return {value: set(fields['host_id']) for value in fields['file_hash'] or fields['file_path']}
    asked = {}
    for item in broadcast_items({name: fields[name] for name in ('host_id', 'file_path')}):
        asked.setdefault(item['file_path'], set()).add(item['host_id'])
    return asked


def check_hss_items(fields: HssFields) -> None:
    """Refuses, before any request, item arguments that name no files or do not fit together."""
    if not (fields['host_id'] if fields['file_path'] else fields['file_hash']):  # a path names a file on a host only
        missing = 'host_id' if fields['file_path'] else 'file_hash or file_path'
        raise RestoreError(f'{missing} is missing. Say which files to restore: file_hash (optionally with host_id), '
                           'host_id with file_path, or host_id, file_hash and file_path together for exact items.')
    # exact_items refuses exact item lists that do not line up, hosts_asked host and path lists
    if not exact_items(fields) and hosts_asked(fields) and fields['file_attr']:
        raise RestoreError('file_attr is only used with exact items (host_id, file_hash and file_path together); '
                           'a restore by hash or by path takes each file\'s attributes from HSS.')
    if fields.get(HSS_UNPAIRED) and fields['file_hash']:  # with no hash, the first check wants a host and a path
        raise RestoreError('pair_by_position=false is for a restore by host and path (host_id and file_path, no '
                           'file_hash): a hash is looked for on every host given already.')


def polling_arguments(args: JsonObject) -> tuple[bool, int, int]:
    """polling, interval_in_seconds and timeout_in_seconds, as both polling commands take them."""
    polling = arg_to_bool(args.get('polling'), 'polling', default=True)
    # One below XSOAR's 10 s is read as 10, as ScheduledCommand reads it: CortexXDRIR's polling hands it on as given.
    given = arg_to_int(args.get('interval_in_seconds'), 'interval_in_seconds', minimum=0, maximum=86400,
                       default=POLLING_DEFAULTS['interval_in_seconds'])
    interval = max(MIN_POLLING_INTERVAL, given)
    timeout = arg_to_int(args.get('timeout_in_seconds'), 'timeout_in_seconds', minimum=1, maximum=7 * 86400,
                         default=POLLING_DEFAULTS['timeout_in_seconds'])
    if polling and timeout < interval:
        named = f'interval_in_seconds ({interval})'
        if given < interval:  # the value typed, so a timeout longer than it is not refused as if it were shorter
            named = f'interval_in_seconds {given} (read as {interval}, the soonest XSOAR runs a next check)'
        raise RestoreError(f'timeout_in_seconds ({timeout}) is shorter than {named}: polling would stop before its '
                           f'first check. Give a timeout of at least {interval} seconds, or polling=false.')
    return polling, interval, timeout


def follow_timing(args: JsonObject) -> str:
    """The interval and timeout a polling was given, not the defaults, for its follow line (as XSOAR's); else none."""
    polling, interval, timeout = polling_arguments(args)
    given = {'interval_in_seconds': interval, 'timeout_in_seconds': timeout} if polling else {}
    return ''.join(f' {name}={value}' for name, value in given.items() if value != POLLING_DEFAULTS[name])


def polling_elapsed(started_ms: int, checks: int, interval: int, args: JsonObject) -> int:
    """Seconds polled since started_ms, at least the waits asked of XSOAR (no check runs sooner, whatever the clock)."""
    return max(epoch_ms() - started_ms, (checks * interval + put_off_of(args)[0]) * 1000) // 1000


def put_off_of(args: JsonObject) -> tuple[int, int]:
    """The hidden put_off: seconds a vendor's Retry-After put the checks off past their interval, and the wait left."""
    value = args.get('put_off')
    # The wait left: up to 12 digits, as a Retry-After date may be as late as the year 9999 (seconds from now).
    match = re.fullmatch(r'([0-9]{1,9})(?::([0-9]{1,12}))?', str(value).strip())  # blank or None ('None'): no match
    if match is None and not none_or_blank_text(value):
        raise RestoreError(f'put_off is set by the command itself while polling (seconds, then maybe : and seconds); '
                           f'got {printable(value)}. Run the command without it.')
    return (int(match[1]), int(match[2] or 0)) if match else (0, 0)


def next_check(command: str, args: JsonObject, started_ms: int, checks: int, interval: int, timeout: int,
               client: 'XdrClient | HssClient') -> PollingSchedule:
    """The next check: an interval after this run, or later while a Retry-After holding it back lasts (``waits``),
    within the polling time left; put_off: the seconds put off in all, and the vendor's own wait left past it."""
    wait, _, vendor = max(client.transport.waits(interval))
    delay = max(interval, min(wait, timeout - polling_elapsed(started_ms, checks, interval, args)))
    put_off, left = put_off_of(args)[0] + delay - interval, math.ceil(client.limiter.paused_for()) - delay
    args = {name: value for name, value in args.items() if name != 'put_off'}
    if put_off or left > 0:
        args['put_off'] = f'{put_off}:{left}' if left > 0 else f'{put_off}'
    return PollingSchedule(command, delay, args, timeout, vendor if delay > interval else '')


def can_be_carried(action_id: Any) -> bool:
    """Whether an action ID can travel in the hidden action_id JSON list as Cortex XDR sent it: a finite number or a
    non-blank text. A first run follows no other (a check would refuse the whole list)."""
    if isinstance(action_id, str):
        return bool(action_id.strip())
    return type(action_id) in (int, float) and abs(action_id) < math.inf  # type(): a bool is no action ID


def action_id_list(value: Any) -> list[int | str]:
    """The hidden action_id: the command's JSON list (IDs as Cortex XDR sent them), or comma-separated whole numbers."""
    if not (isinstance(value, str) and value.strip().startswith('[')):
        return [arg_to_int(text, 'action_id', minimum=0) for text in arg_to_list(value, 'action_id')]
    items = json_list(value, 'action_id')
    for position, item in enumerate(items, 1):
        if not can_be_carried(item):
            raise RestoreError(f'action_id item {position} must be an action ID: a whole number from 0 to '
                               f'{MAX_WHOLE_NUMBER}, or (in the JSON list the command writes) a number or a non-blank '
                               f'text, as Cortex XDR sent it; got {printable(item)}. {XDR_PAIRED_ACTION_IDS}')
    return items


def carried_json(args: JsonObject, name: str, kind: type, item_fits: Callable[[Any], bool]) -> Any:
    """A hidden argument the command wrote for its next poll: JSON of the kind and item shape it wrote, or empty."""
    value = args.get(name)
    if none_or_blank_text(value):
        return kind()
    carried = json_value(value)  # a value not text (from context) as it is
    if type(carried) is kind:  # type(): a bool is no count nor time
        items = carried.values() if kind is dict else carried if kind is list else [carried]
        if all(map(item_fits, items)):
            return carried
    raise RestoreError(f'{name} is set by the command itself while polling; run the command without it.')


def is_finished_file(item: Any) -> bool:
    """An item of restore-file's hidden ``finished``: a file (its SHA256) whose action ended, its outcome and counts."""
    return (isinstance(item, dict) and is_sha256_text(item.get('file_hash'))
            and item.get('status') in (XDR_OUTCOME_SUCCESS, XDR_OUTCOME_PARTIAL, XDR_OUTCOME_FAILED)
            and all(type(item.get(count)) is int and 0 <= item[count] <= MAX_WHOLE_NUMBER
                    for count in ('restored_count', 'failed_count')))


def is_hash_list(item: Any) -> bool:
    """A value of restore-file's hidden ``refused``: the files (their SHA256) refused for one reason."""
    return isinstance(item, list) and all(map(is_sha256_text, item))


def is_unread_cause(item: Any) -> bool:
    """A value of restore-file's hidden ``unread``: why a check did not read an action's status, [HTTP status, or the
    kind of a failure without one (NO_STATUS_CAUSES), vendor code (any JSON), the check that said it whole (a whole
    number: 0, a check by hand polling went on from), when (ms since the epoch, not past a day ahead)]."""
    return (isinstance(item, list) and len(item) == 4 and (type(item[0]) is int and 100 <= item[0] <= 599 or (
                isinstance(item[0], str) and item[0] in NO_STATUS_CAUSES))
            and all(type(n) is int and 0 <= n <= MAX_WHOLE_NUMBER for n in item[2:])
            and 0 < item[3] <= epoch_ms() + CLOCK_STEP_MAX_MS)


def said_whole_before(cause: list, before: list | None, check: int) -> tuple[list, str]:
    """A failure's ``cause`` (failure_cause's) met at check number ``check``, and ``before``, what an earlier check of
    the polling kept of its own ([cause, vendor code, the check that said it whole, when (ms)]: is_unread_cause): what
    the next check is told, and, when ``before`` gave the same cause whole, how a line says so: '(HTTP 500, code 500)
    since check 1, 20 s ago'; else '' (a new cause, or polling begun anew: said whole)."""
    if not before or before[:2] != cause or before[2] >= check:
        return [*cause, check, epoch_ms()], ''
    kind, code, since, when = before
    named = f'HTTP {kind}, code {json_text(code)}' if type(kind) is int else kind  # else NO_STATUS_CAUSES' words
    check_named = f'check {since}' if since else 'the run by hand that began this polling'  # its check 0
    return before, f'({named}) since {check_named}, {max(epoch_ms() - when, 0) // 1000} s ago'


def is_sha256_text(value: Any) -> bool:
    return isinstance(value, str) and SHA256_PATTERN.fullmatch(value) is not None


def hss_restore_state(value: Any) -> HssState | None:
    """The hidden restore_state, as state_text writes it (``started`` None: a follow command, whose polling starts with
    this run; ``taken``: since when a copy a start put off found restoring is another restore's; None: left out).
    Small at any item count: the items are found again by the same arguments."""
    if none_or_blank_text(value):
        return None
    # Both times are one moment (HSS took the restore) on two clocks, in ms as HSS writes times (13 digits); HSS's
    # clock (its Date header) may be set off: accepted is any year 1 to 9999, as state_text writes it (13 wide).
    match = re.fullmatch(r'(-[0-9]{12,14}|[0-9]{13,15})?:([0-9]{13})?:([0-9]{1,9})(r|l([0-9]{13}))?'
                         r'(?::([0-9a-f]{1,2000})(?::([0-9]{1,12})(?::([0-9]{1,9})(?::([0-9]{1,12}))?)?)?)?',
                         str(value).strip())
    # The clocks are not compared (HSS's may be far off; the command wrote both). A put-off start has no accepted.
    if match is None or int(match[2] or 0) > epoch_ms() + CLOCK_STEP_MAX_MS or not match[1] and (
            not match[2] or match[6]):
        raise RestoreError(f'restore_state is set by the command itself while polling (when HSS accepted the restore, '
                           f'on HSS\'s clock, and when the command started, on this machine\'s: not more than a day '
                           f'ahead of it); got {printable(value)}. Run the command without it.')
    accepted = match[1] and int(match[1])
    return {'accepted': accepted, 'started': match[2] and int(match[2]), 'checks': int(match[3]),
            'listing_refused': match[4] == 'r', 'locked_until': match[5] and int(match[5]),
            'refused': int(match[6] or '0', 16), 'listed': match[7] and accepted - int(match[7]),
            'sent': match[8] and int(match[8]), 'taken': match[9] and accepted - int(match[9])}


def state_text(state: HssState) -> str:
    """``<accepted>:<started>:<checks>`` (then ``r`` when HSS refused the last check's listing, or ``l`` and until when,
    ms, when its gateway's lock of the access key met the last check: gateway_lock), ``:<refused>`` (hex,
    a bit per batch of 100 HSS refused) when any was, then ``:<ms the listing began before accepted>`` when the start
    listed the copies, ``:<copies sent>`` when it knows how many, and ``:<ms taken was before accepted>`` if put off."""
    accepted = f'{state["accepted"]:013d}'  # 0 too (the gate's), as it is read; None: start_put_off writes its own
    flag = 'r' if state.get('listing_refused') else ''
    if state.get('locked_until'):  # never beside r: a lock's 401 is no refusal of the listing
        flag = f'l{state["locked_until"]:013d}'
    text = f'{accepted}:{state["started"] or ""}:{state["checks"]}{flag}'
    if state['listed'] is not None:
        sent = '' if state['sent'] is None else f':{state["sent"]}' + (
            '' if state['taken'] is None else f':{max(state["accepted"] - state["taken"], 0)}')
        return f'{text}:{state["refused"]:x}:{max(state["accepted"] - state["listed"], 0)}{sent}'
    return text + (f':{state["refused"]:x}' if state['refused'] else '')


''' COMMAND: test-module '''


def test_module(clients: dict[str, XdrClient | HssClient], fetch: FetchSettings | None = None) -> str:
    """'ok' once every vendor in use (and HSS's event listing, with ``fetch``: fetching on) answers; else why not."""
    if not clients:
        raise RestoreError('No vendor is configured: set the Cortex XDR URL, API key ID and API key, or the '
                           'Huawei Cloud HSS project ID, region and credentials.')
    for client in clients.values():  # every request ends before the Test's shorter time does
        client.transport.end_run_within(XSOAR_TEST_TIMEOUT_SECONDS, XSOAR_STOPS_TEST)
    failures = []  # each vendor is tested whatever the other answered: one Test names every one that fails
    for client in clients.values():  # requests that change nothing; an error says why one failed
        try:
            if isinstance(client, XdrClient):
                try:
                    client.get_action_status(0, probe=True)
                except VendorApiError as error:  # a 400 or 500 in its error form is about action 0: it took the key
                    if error.http_status not in (400, 500) or error.vendor_code is None:
                        raise
            else:  # one small signed listing (with a token fetched first, in token mode) proves URL, project and
                # credentials; fetching, one of the last hour's events proves the user may list them
                client.list_isolated_files(limit=10, advice=HSS_TEST_LISTING_ADVICE)
                if fetch:
                    now_ms = epoch_ms()
                    client.list_security_events(now_ms - DURATION_UNITS_MS['hour'], now_ms, limit=10)
        except RestoreError as error:  # each vendor's, with when its wait ends: main() tells no Test's
            failures.append(told_when(error, client))
    if failures:  # one vendor's error as it came; several, one under another
        raise failures[0] if len(failures) == 1 else RestoreError('\n'.join(map(str, failures)),
                                                                 [a for e in failures for a in e.attempts])
    return 'ok'


''' COMMAND: restore-file (Cortex XDR) '''


def restore_file_command(client: XdrClient, args: JsonObject, context: Any = None) -> RestoreResult:
    """!restore-file; ``context``: the incident's, read by a check that has files to send late (started_elsewhere)."""
    action_ids = action_id_list(args.get('action_id'))  # each pairs with the file_hash at its position
    hashes = sha256_list(args.get('file_hash'), len(action_ids))
    endpoint_id = validate_identifier(args.get('endpoint_id'), 'endpoint_id')
    if XDR_ENDPOINT_ID.fullmatch(endpoint_id or ''):  # as Cortex XDR lists it; the seed fixes no other shape
        endpoint_id = endpoint_id.lower()
    incident_id = arg_to_int(args.get('incident_id'), 'incident_id', minimum=1, kept_as_number=XDR_INCIDENT_ID_KEPT)
    polling, interval, timeout = polling_arguments(args)
    # unsent: the files an earlier run did not send. Sets: thousands of hashes may be looked up in each other.
    asked = set(hashes)
    unsent = set(carried_json(args, 'unsent', list, lambda item: isinstance(item, str) and item in asked))
    followed = [file_hash for file_hash in hashes if file_hash not in unsent]
    if (action_ids or unsent) and len(action_ids) != len(followed):
        raise RestoreError(f'action_id holds {len(action_ids)} {plural("action", len(action_ids))} for '
                           f'{len(followed)} {plural("file_hash value", len(followed))}'
                           f'{" not in unsent, which is set by the command itself while polling" if unsent else ""}. '
                           f'{XDR_PAIRED_ACTION_IDS}')
    # XSOAR's Timeout counts from the first run: runs hand on its start (this clock, ms) and the checks made so far.
    now = epoch_ms()
    started = carried_json(args, 'polling_started', int, lambda n: 0 < n <= now + CLOCK_STEP_MAX_MS)
    checks = (carried_json(args, 'polling_checks', int, lambda n: 0 <= n <= MAX_WHOLE_NUMBER)
              + bool(started))  # this run is a check when a first run started the polling
    elapsed = polling_elapsed(started, checks, interval, args) if started and polling else 0
    left = timeout - elapsed
    # Handed on no later than the time counted here: one from a clock ahead of this one (another engine's) still ages
    args = dict(args, polling_started=str(min(started or now, now - elapsed * 1000)), polling_checks=str(checks))
    client.transport.wait_at_most(left)
    client.limiter.pause(put_off_of(args)[1])  # what is left of a vendor's wait an earlier run met
    if not action_ids and not unsent:  # the first run: a check always follows what it started, the last if need be
        return start_xdr_restore(client, args, hashes, endpoint_id, incident_id, polling, interval, timeout, context)
    # one per action, as the command wrote them: a restore's count of endpoints, or null (not known)
    counts = carried_json(args, 'endpoints_count', list, lambda item: item is None or (
        type(item) is int and 0 < item <= MAX_WHOLE_NUMBER)) or [None] * len(action_ids)
    if len(counts) != len(action_ids):
        raise RestoreError('endpoints_count is set by the command itself while polling; run the command without it.')
    records = [restore_record(h, endpoint_id, incident_id, a, n) for h, a, n in zip(followed, action_ids, counts)]
    older = carried_json(args, 'older_actions', dict, lambda ids: isinstance(ids, list) and all(
        isinstance(action_id, str) for action_id in ids))  # in context before the files were left unsent
    latest = latest_elsewhere(context, unsent, endpoint_id, older)
    adopted = started_elsewhere(latest)  # followed as their records say, not sent again
    records += [restore_record(h, endpoint_id, None, a) for h, a in adopted.items()]
    unfollowed = [file_hash for file_hash, record in latest.items() if record.get('may_have_started') is True]
    unsent.difference_update(adopted, unfollowed)  # the others are sent late (not one that may have started)
    return check_xdr_restore(client, args, records, endpoint_id, incident_id, polling, interval, timeout,
                             [file_hash for file_hash in hashes if file_hash in unsent], left, unfollowed)


def started_elsewhere(latest: dict[str, XdrRecord]) -> JsonObject:
    """{file_hash: action ID} of the files whose ``latest`` record is an action another run (the on-close script's: a
    close need not end polling) started since this polling left them unsent: a second restore would FAIL."""
    return {file_hash: record['action_id'] for file_hash, record in latest.items()
            if can_be_carried(record.get('action_id')) and record.get('status') != XDR_OUTCOME_FAILED}


def latest_elsewhere(context: Any, files: set[str], endpoint_id: str | None, older: JsonObject) -> dict[str, XdrRecord]:
    """{file_hash: its latest record on the same endpoints in the incident's context} of ``files`` (in the order
    written, as the reputation gate reads them), but for the actions ``older`` lists for it (older_actions): XSOAR
    updates a record without an action_id in its place, so one this polling wrote may sit ahead of them."""
    return {file_hash: record for file_hash, record in scoped_records(context, files, endpoint_id)
            if str(record.get('action_id')) not in older.get(file_hash, ())}


def older_actions(context: Any, unsent: Iterable[str], endpoint_id: str | None) -> JsonObject:
    """{file_hash: [action ID as text, ...]} of the actions the incident's context records for the files of ``unsent``
    on the same endpoints, as the run that leaves them to a check finds them (latest_elsewhere leaves those out)."""
    older = {}
    for file_hash, record in scoped_records(context, set(unsent), endpoint_id):
        if can_be_carried(record.get('action_id')):
            older.setdefault(file_hash, []).append(str(record['action_id']))
    return older


def scoped_records(context: Any, files: set[str], endpoint_id: str | None) -> Iterator[tuple[str, XdrRecord]]:
    """(file_hash, record) of the records of ``files`` on the same endpoints in the incident's context, in its order.
    An endpoint ID is hex digits (Cortex XDR's are 32), the same endpoint in either case."""
    for record in context_records(context, ('CortexXDR', 'RestoredFile')):
        scope = record.get('endpoint_id') if isinstance(record, dict) else None
        if isinstance(scope, str) and scope.lower() == (endpoint_id or '').lower():  # the same scope only
            file_hash = str(record.get('file_hash') or '').strip().lower()
            if file_hash in files:
                yield file_hash, record


def context_records(context: Any, path: Sequence[str]) -> list[Any]:
    """What the incident's context holds at ``path`` (e.g. CortexXDR, then RestoredFile in it), as a list."""
    records = context
    for key in path:
        records = records.get(key) if isinstance(records, dict) else None
    return records if isinstance(records, list) else [records]


def start_xdr_restore(client: XdrClient, args: JsonObject, hashes: list[str], endpoint_id: str | None,
                      incident_id: int | None, polling: bool, interval: int, timeout: int,
                      context: Any) -> RestoreResult:
    """The first run: one restore per hash, then (polling) a check scheduled, which also sends those not sent now, and
    follows instead an action another run starts meanwhile, not one the incident's ``context`` holds now."""
    records, replies, waiting = send_xdr_restores(client, hashes, endpoint_id, incident_id, polling, len(hashes) == 1)
    refused = {}  # for the next check: the refusals of those it does not send
    schedule = next_check('restore-file', args, int(args['polling_started']), 0, interval, timeout, client)
    unsent = unsent_for_next_check(records, waiting, refused, args, polling, interval, timeout, schedule)
    if waiting and not unsent and len(hashes) == 1:  # no check sends it: an error entry, as for one refused
        raise waiting[hashes[0]].with_outputs({XDR_RESTORE_CONTEXT: records[0]})
    started = [record for record in records if record['status'] == XDR_OUTCOME_IN_PROGRESS]
    if not started and not unsent:  # (none is left unsent without polling)
        raise none_started(refused, records, waiting)
    where = f'endpoint {endpoint_id}' if endpoint_id else f'every endpoint holding {"them" if hashes[1:] else "it"}'
    if not started:  # the next check sends them (the Not started block below says why): no table of none
        readable = 'Cortex XDR has not started restoring ' + (
            f'file {hashes[0]}' if len(records) == 1 else f'any of the {len(records)} files') + ' yet.'
    elif len(records) > 1:
        readable = markdown_table(f'Cortex XDR is restoring {len(started)} of {len(records)} files on {where}', started,
                                  ['file_hash', 'action_id', 'endpoints_count', 'error'], 'CortexXDR.RestoredFile',
                                  first=lambda row: 'error' in row)
    else:
        [record] = records
        if not endpoint_id and 'endpoints_count' in record:
            where = f'{record["endpoints_count"]} {plural("endpoint", record["endpoints_count"])}'
        readable = (f'Cortex XDR is restoring file {record["file_hash"]} on {markdown_text(where)}: '
                    f'action {markdown_text(record["action_id"])}.')
        if record.get('error'):
            readable += f' {markdown_text(record["error"])}'
    readable += grouped_refusals(refusals_of(records, {})) + '\n\n'  # the files refused, or not sent yet
    if polling:
        first_check = f'; the first check {schedule.again()}' if schedule.asked_by else ''
        readable += f'Checking the status every {interval} seconds{first_check}.'
    else:
        readable += xdr_follow_text(started, follow_after(client), follow_timing(args), markdown=True)
    if older := older_actions(context, unsent, endpoint_id):
        schedule = schedule._replace(args=dict(schedule.args, older_actions=json.dumps(older, separators=(',', ':'))))
    schedule = xdr_next_check(schedule, started, refused, unsent) if polling else None
    return RestoreResult(readable, XDR_RESTORE_CONTEXT, one_or_all(records), one_or_all(replies), schedule)


def send_xdr_restores(client: XdrClient, hashes: list[str], endpoint_id: str | None, incident_id: int | None,
                      polling: bool, alone: bool = False, no_time: str = '') -> tuple[
                          list[XdrRecord], list[XdrReply], dict[str, RestoreError]]:
    """One restore per hash, side by side: records, replies, {file_hash: error} of the files not acted on, which a next
    check may send; ``polling``: this run's; ``alone``: a refusal raises with its record; ``no_time``: why none sent."""

    def start(file_hash: str) -> tuple[XdrRecord, XdrReply | None, RestoreError | None, bool]:
        action_id = endpoints_count = reply = unsent = failure = None
        refusal, problems, acted, went = no_time, [], False, False  # with no time left, nothing is sent
        if not no_time:
            try:
                reply = dict(client.restore_file(file_hash, endpoint_id, incident_id), file_hash=file_hash)
                went = True
                action_id, endpoints_count, refusal, problems = parse_restore_reply(reply)
            except RestoreError as error:
                # Sent by the next check after no turn, a 429, a 503 or no connection, unless Cortex XDR may have acted
                last = error.attempts[-1] if error.attempts else Attempt(fault=FAULT_NO_CONNECTION)
                acted = reply is not None or may_have_applied(error.attempts)  # (or accepted it without an action ID)
                went = acted or reached_vendor(error)
                unsent = error if not acted and (last.status in (THROTTLED_STATUS, 503) or
                                                 last.fault == FAULT_NO_CONNECTION) else None
                # A reply not read is not handed back; the advice fits this run (polling=true only to one without)
                refusal, reply, failure = str(error.with_advice(error.advice, error.advice, polling)), None, error
        record = restore_record(file_hash, endpoint_id or '', incident_id, action_id, endpoints_count)
        if not refusal and endpoints_count == 0:  # no endpoint to follow: its status would never say final
            named, check = (f' {endpoint_id}', ' and the endpoint ID') if endpoint_id else ('', '')
            refusal = (f'Cortex XDR accepted the restore as action {printable(action_id)} but {XDR_NO_ENDPOINT} in it '
                       f'(endpoints_count 0): no endpoint{named} holds the file in quarantine, so there is nothing '
                       f'to restore. Check the file hash{check}.')
        if refusal:
            # may_have_started on every such record: a later one of the file (no action_id either) updates it
            record = dict(record, status=XDR_OUTCOME_FAILED, error=refusal, may_have_started=acted)
            if alone and not unsent:  # an error entry, which writes the record all the same
                raise (failure or RestoreError(refusal)).with_outputs({XDR_RESTORE_CONTEXT: record})
            return record, reply, unsent, went
        if problems:
            record['error'] = (f'Cortex XDR accepted the restore, but part of its answer cannot be read '
                               f'({"; ".join(problems)}); the action is followed even so.')
        return dict(record, status=XDR_OUTCOME_IN_PROGRESS), reply, None, True

    started = client.bulk.map(start, hashes, what='Cortex XDR restores sent', sent=lambda outcome: outcome[3])
    return ([record for record, *_ in started], [reply for _, reply, *_ in started if reply],  # (a dict, never empty)
            {record['file_hash']: unsent for record, _, unsent, _ in started if unsent})


def unsent_for_next_check(records: list[XdrRecord], unsent: dict[str, RestoreError], refused: XdrRefusals,
                          args: JsonObject, polling: bool, interval: int, timeout: int,
                          schedule: PollingSchedule) -> list[str]:
    """The files of ``unsent`` ({file_hash: its error}) the next check sends: only with over two intervals of polling
    time left when ``schedule`` brings it (XSOAR may run it late). ``refused`` gets the refusals of those not sent."""
    elapsed = polling_elapsed(int(args['polling_started']), int(args['polling_checks']), interval, args)
    left = timeout - elapsed - schedule.next_run_in_seconds
    later = polling and left > 3 * interval
    note = ' While polling lasts, its next check sends it.' if later else ' Not sent later either: ' + (
        XDR_NO_TIME_TO_FOLLOW.format(left=max(left, 0), were='would be', timeout=timeout, needed=3 * interval))
    for record in records:
        if polling and record['file_hash'] in unsent:
            # its advice (to run the command again) moot while a next check sends it, else the one step, said once
            record['error'] = (unsent[record['file_hash']].without_advice() if later else record['error']) + note
    refusals_of([record for record in records if not later or record['file_hash'] not in unsent], refused)
    return list(unsent) if later else []


def parse_restore_reply(reply: XdrReply) -> tuple[Any, int | None, str | None, list[str]]:
    """(action_id, endpoints_count, refusal, problems: what was not read, the restore followed even so) of a reply. The
    refusal: the vendor's reason when the reply's ``status`` says it did not accept the restore (0), else None."""
    action_id, status, refusal, problems = reply.get('action_id'), reply.get('status'), None, []
    said = str(status).strip().lower()
    if said in ('0', 'false'):
        reason = first_text(reply, 'errorText', 'err_msg', 'message')
        quoted = f': "{reason}"' if reason else ''  # quoted: its own full stop stays inside
        refusal = (f'Cortex XDR did not accept the restore (status {status}){quoted}. Check the file hash and the '
                   'endpoints in Cortex XDR > Response > Action Center.')
    elif not can_be_carried(action_id):  # a check could not read it back: this file alone not followed
        got = ('no action_id' if action_id in (None, '')
               else f'action_id {printable(action_id)}, which is neither a number nor a non-blank text')
        raise RestoreError(f'Cortex XDR accepted the restore but returned {got}, {XDR_NOT_FOLLOWABLE}: '
                           f'{XDR_LOOK_BEFORE_AGAIN}')
    if action_id in (None, ''):  # a refusal (status 0) may come without an action_id: its reason is kept
        return None, None, refusal, problems
    if isinstance(action_id, float):  # carried back exactly as received, though Cortex XDR numbers its actions whole
        problems.append(f'action_id {printable(action_id)} is not a whole number')
    count = reply.get('endpoints_count')
    text = str(count).strip() if type(count) in (int, str) else ''  # a whole number, or its digits
    endpoints_count = int(text) if re.fullmatch('[0-9]{1,18}', text) else None  # as many digits as a check carries
    if endpoints_count is None and count not in (None, ''):
        problems.append(f'endpoints_count {printable(count)} is not a count')
    if status is not None and said not in ('0', 'false', '1', 'true'):
        problems.append(f'status {printable(status)} is neither 1 nor 0')
    return action_id, endpoints_count, refusal, problems


def restore_record(file_hash: str, endpoint_id: str | None, incident_id: int | None, action_id: Any,
                   endpoints_count: int | None = None) -> XdrRecord:
    """One file's context record, the unknown left out, not null: XSOAR updates the record its DT key matches and
    keeps what the update leaves out. A restore sent always writes endpoint_id ('' for every endpoint: a refusal has
    no action_id; a later refusal updates it); a check not told the endpoint (None) cannot know the action's scope."""
    record = {'action_id': action_id, 'file_hash': file_hash, 'endpoints_count': endpoints_count,
              'endpoint_id': endpoint_id, 'incident_id': incident_id}
    return {name: value for name, value in record.items() if value is not None}


def refusals_of(records: list[XdrRecord], refused: XdrRefusals) -> XdrRefusals:
    """``refused`` with the files of the refused records added, each under its reason, after those already there."""
    for record in records:
        if record['status'] == XDR_OUTCOME_FAILED:
            reason = record['error'].replace(record['file_hash'], '(file)')  # one reason, as Cortex XDR names the file
            refused.setdefault(reason, []).append(record['file_hash'])
    return refused


def start_label(reason: str) -> str:
    """What became of a restore not followed, by the words of its reason (XDR_START_LABELS); else not started."""
    return next((label for words, label in XDR_START_LABELS.items() if words in reason), XDR_NOT_STARTED_LABEL)


def none_started(refused: XdrRefusals, records: list[XdrRecord], waiting: dict[str, RestoreError]) -> RestoreError:
    """The error of a restore none of whose files is followed: what became of them (not started, may have started,
    accepted without an action ID to follow), then each reason once, with its files; its entry writes ``records``."""
    counts = dict.fromkeys([*XDR_START_LABELS.values(), XDR_NOT_STARTED_LABEL], 0)
    for reason, files in refused.items():
        counts[start_label(reason)] += len(files)
    maybe, accepted, empty, refused_count = counts.values()  # in XDR_START_LABELS' order, then "Not started"
    total = sum(counts.values())
    said = f'None of the {total} restores was started.'
    if total == 1:  # one file: its reason says what became of it (as a first run's error says it)
        said = 'The restore was not started.' if refused_count else ''
    elif refused_count != total:
        parts = zip(counts.values(), [f'{maybe} may have started, their answers lost or not read',
                                      f'Cortex XDR accepted {accepted} without an action ID to follow',
                                      f'{empty} included no endpoint (nothing to restore)',
                                      f'{refused_count} {"was" if refused_count == 1 else "were"} not started'])
        look = '; look for their actions in Cortex XDR > Response > Action Center before restoring those files again'
        said = (f'None of the {total} restores can be followed: '  # records keep theirs: playbooks read one alone
                f'{", ".join(part for count, part in parts if count)}{look if maybe or accepted else ""}.')
        refused = {reason.replace(f': {XDR_LOOK_BEFORE_AGAIN}', '.'): files  # the step said once, in the summary
                   for reason, files in refused.items()}
    reasons = ' '.join(f'{why} ({plural("file", len(files))}: {capped_names(files)})' for why, files in refused.items())
    # later: a send not made met what passes (a 429, no turn), so its advice says to act again later (told_when: when)
    return RestoreError(f'{said} {reasons}'.lstrip(), later=any(e.later for e in waiting.values())).with_outputs(
        {XDR_RESTORE_CONTEXT: records} if records else {})


def grouped_refusals(refused: XdrRefusals) -> str:
    """Each reason once, with its files, under what became of them (start_label), after a blank line; '' when none."""
    return '\n\n' + '\n'.join(f'- **{start_label(why)} ({len(files)} {plural("file", len(files))})**: '
                               f'{markdown_text(why)}\n  Files: {capped_names(files)}'
                               for why, files in refused.items()) if refused else ''


def check_xdr_restore(client: XdrClient, args: JsonObject, records: list[XdrRecord],
                      endpoint_id: str | None, incident_id: int | None, polling: bool, interval: int, timeout: int,
                      unsent: list[str], left: int, unfollowed: list[str]) -> RestoreResult:
    """A polling run: sends the restores not sent yet while a next check can follow them (``left``: polling seconds),
    checks every running action, schedules the next check unless the last; ``unfollowed``: sent by another run."""
    earlier = carried_json(args, 'finished', list, is_finished_file)  # files whose actions ended at an earlier check
    refused = carried_json(args, 'refused', dict, is_hash_list)  # {reason: [file_hash, ...]} refused when sent
    told = carried_json(args, 'unread', dict, is_unread_cause)  # status reads an earlier check failed, and why
    if unfollowed:  # never sent by this polling: its last check reports them with the files not started
        refused.setdefault(XDR_UNFOLLOWED_ELSEWHERE, []).extend(unfollowed)
    ending = polling and left < interval
    timing = follow_timing(args)  # the follow lines repeat the interval and timeout given
    # A restore is sent now only while two intervals are left (a wait, then the next check)
    no_time = '' if not polling or left > 2 * interval else 'Not sent: ' + XDR_NO_TIME_TO_FOLLOW.format(
        left=max(left, 0), were='were', timeout=timeout, needed=2 * interval) + ' Run restore-file again for this file.'
    client.transport.wait_at_most(check_wait_seconds(polling, ending, bool(unsent) and not no_time, left, interval))
    sent, sent_replies, waiting = send_xdr_restores(client, unsent, endpoint_id, incident_id, polling, no_time=no_time)
    started = [dict(record, restored_count=0, failed_count=0, endpoints=[]) for record in sent
               if record['status'] == XDR_OUTCOME_IN_PROGRESS]
    not_sent = [record for record in sent if record['status'] != XDR_OUTCOME_IN_PROGRESS]  # refused, or not yet
    summaries, replies, polling, lost, causes = read_action_statuses(
        client, records, polling, not started, args['polling_checks'] == '0', ending, not_sent, timing)
    schedule = next_check('restore-file', args, int(args['polling_started']), int(args['polling_checks']), interval,
                          timeout, client)  # once the reads ended
    unsent = unsent_for_next_check(sent, waiting, refused, args, polling, interval, timeout, schedule)
    running = [s for s, gone in zip(summaries, lost) if s['status'] == XDR_OUTCOME_IN_PROGRESS and not gone] + started
    last = ending or not ((running or unsent) and polling)
    unread, lines = unread_as_before(summaries, causes, told, int(args['polling_checks']), last)
    # A restore sent now whose answer was partly read is noted as such, not among the statuses this check did not read
    notes = xdr_unread_notes(summaries, lines) + (
        f'\n\nSent at this check, as no earlier run had time to: {len(started)} {plural("restore", len(started))}.'
        + xdr_unread_notes(started, noun='restore', what='sent at this check whose answer was partly read')
        if started else '')
    summaries += started
    # Finished actions are final and already in context: the next check reads only those still running.
    finished = [{key: s[key] for key in ('file_hash', 'status', 'restored_count', 'failed_count')}
                for s in summaries if s['status'] != XDR_OUTCOME_IN_PROGRESS]
    schedule = None if last else xdr_next_check(schedule, running, refused, unsent, earlier + finished, unread)
    if last and not summaries and not earlier:  # none ever started: an error, "later" if a send met what passes
        raise none_started(refused, not_sent, waiting)
    ended_by = f'Polling ended (timeout_in_seconds {timeout}) with' if ending else ''  # else by hand
    if last:
        readable = xdr_last_report(summaries, earlier, refused, notes, running, ended_by, follow_after(client), timing)
    else:  # with the files not started at this check
        readable = (xdr_progress_line(summaries, schedule, earlier, len(unsent)) + notes
                    + grouped_refusals(refusals_of(not_sent, {})))
    return RestoreResult(readable, XDR_RESTORE_CONTEXT, one_or_all(summaries + not_sent),
                         one_or_all(replies + sent_replies), schedule)


def check_wait_seconds(polling: bool, ending: bool, sends: bool, left: int, interval: int) -> int:
    """How long a restore-file check waits for turns at most (``left``: polling seconds). One that ``sends`` restores
    waits no longer than leaves two intervals (a wait, then the next check); any other check not the last ends its
    waits an interval before the timeout, CHECK_LEAST_WAIT_SECONDS at least (a read starts nothing). The last
    (``ending``) sends nothing and reads what it has time for; a check by hand (not ``polling``) waits its timeout."""
    if ending:
        return MAX_RUN_WAIT_SECONDS
    if not polling:
        return left
    if sends:
        return left - 2 * interval
    return max(left - interval, CHECK_LEAST_WAIT_SECONDS)


def xdr_last_report(summaries: list[XdrRecord], earlier: list[XdrRecord], refused: XdrRefusals,
                    notes: str, running: list[XdrRecord], ended_by: str, when: str, timing: str) -> str:
    """The last check's entry: actions read, those ended earlier, how to follow the others, files not started."""
    lines = [f'- {item["file_hash"]}: {item["status"]} ({item["restored_count"]} restored, {item["failed_count"]} '
             f'failed), finished at an earlier check' for item in earlier[:MAX_LISTED_FILES]]
    if len(earlier) > MAX_LISTED_FILES:
        lines.append(f'- and {len(earlier) - MAX_LISTED_FILES} more finished earlier (CortexXDR.RestoredFile)')
    readable = xdr_final_table(summaries, earlier) + notes + ('\n\n' + '\n'.join(lines) if lines else '')
    # Not past MAX_DETAIL_ROWS endpoints: the entry that counts them keeps under 1 KB at any scale (README)
    listed = sum(len(summary.get('endpoints', ())) for summary in summaries)
    if listed <= MAX_DETAIL_ROWS and any(item.get('failed_count') for item in summaries + earlier):
        readable += f'\n\n{XDR_FAILED_ENDPOINT_STEP}'
    if ended_by:  # polling ended: each record says how to follow it too
        for summary in running:
            summary['error'] = (f'{summary.get("error") or "Still running when polling ended with this check."} '
                                f'{xdr_follow_text([summary], when, timing)}')
    if running:
        # an action whose status this check did not read (no endpoints) is not known to be running
        read_all = all('endpoints' in summary for summary in running)
        state = 'still running' if read_all else 'not final or not read at this check'
        readable += (f'\n\n{ended_by or "This check found"} {len(running)} {plural("action", len(running))} {state}. '
                     f'{xdr_follow_text(running, when, timing, markdown=True)}')
    return readable + grouped_refusals(refused)


def read_action_statuses(client: XdrClient, records: list[XdrRecord], polling: bool, may_stop: bool, by_hand: bool,
                         ending: bool, not_sent: list[XdrRecord],
                         timing: str) -> tuple[list[XdrRecord], list[XdrReply], bool, list, list]:
    """Reads the status of every action followed; says whether ``polling`` goes on, and whether each is ``lost``
    (followed no more). One not read stays in progress, its reason in ``error``, without endpoints or counts (XSOAR's
    update keeps an earlier check's), and its ``causes`` item what the read's error met (failure_cause; None: read).
    The key refused at every read raises when ``may_stop`` (none started now)."""

    def check(record: XdrRecord) -> XdrReply | RestoreError:
        try:
            return client.get_action_status(record['action_id'], by_hand=by_hand)
        except RestoreError as error:  # polling reads the action ID Cortex XDR gave: no one typed it
            return error if by_hand else error.with_advice(error.advice.replace(XDR_MISTYPED_ACTION, ''), error.advice)

    checked = client.bulk.map(check, records, what='Cortex XDR actions checked', sent=reached_vendor)
    # A check by hand's read that met a 500, Cortex XDR's answer for an action it does not know, is followed no more
    lost = [by_hand and getattr(e, 'http_status', 0) == 500 for e in checked]
    polling = polling and not (may_stop and checked and all(lost))  # restores sent now are followed even so
    rerun = f'run the same command again{follow_after(client)} to read it'  # by hand; after the reads: a wait they met
    if not polling:
        again = rerun
    elif ending:
        again = 'polling ended with this check, so run the follow command this entry gives'
    else:
        again = 'the next check reads it again'
    refused = client.refused.get(XDR_ACTION_STATUS_PATH) or client.refused.get('')  # this API's: a 403, the role's
    if may_stop and checked and refused and all(isinstance(e, RestoreError) for e in checked):
        raise every_read_refused(refused, records, polling, not_sent, timing)
    summaries, replies = [], []
    causes = [failure_cause(e) if isinstance(e, RestoreError) else None for e in checked]
    for record, reply, gone in zip(records, checked, lost):  # a reply is a dict, else the RestoreError of the read
        not_read = dict(record, status=XDR_OUTCOME_IN_PROGRESS)
        if isinstance(reply, RestoreError):
            # What polling did leads, its step put where advice says to try again later (what to check comes first)
            said = f'polling does not follow it, so {rerun}' if gone and polling else again
            lead, _, step = said.rpartition(', so ')  # what polling did, if it says, and the step
            note = lead if reply.saying(step) else said
            reply = {'error': f'Status not read at this check{note and "; "}{note}. {reply.with_step(step)}'}
            summaries.append(dict(not_read, **reply))  # its error in Contents' too: why, and what comes next
        else:
            try:  # error written empty: XSOAR updates the record in context, where an earlier check's error would stay
                summaries.append({'error': '', **summarise_action(record, reply, again)})
            except RecursionError:  # a value nested past what Python reads: the one error a reply of JSON meets
                summaries.append(dict(not_read, error=f'{XDR_UNREADABLE_STATUS} (the endpoint statuses in its data, '
                                                      f'or their reasons in errorReasons); {again}.'))
        replies.append(dict(reply, action_id=record['action_id'], file_hash=record['file_hash']))  # which file's
    return summaries, replies, polling, lost, causes


def unread_as_before(summaries: list[XdrRecord], causes: list, told: JsonObject, check: int,
                     last: bool) -> tuple[JsonObject, dict[str, str]]:
    """The status reads of this check (number ``check``) that failed as at the check before, which ``told`` it (the
    same cause: failure_cause's): while a next check follows, each one's note a line alone, saying since which
    check; the first check that meets a cause, and the ``last``, say it whole. Returns what the next check is told,
    {action ID as text: [cause, vendor code, the check that said it whole, when (ms)]}, and the lines."""
    unread, lines = {}, {}
    for summary, cause in zip(summaries, causes):
        if cause is None:
            continue
        key = str(summary['action_id'])
        unread[key], since = said_whole_before(cause, told.get(key), check)
        if since and not last:  # the last check's entry stands alone: what the analyst reads at the end
            lines[key] = f'Status still not read {since}, as that entry said in full; the next check reads it again.'
    return unread, lines


def every_read_refused(refused: VendorApiError, records: list[XdrRecord], polling: bool,
                       not_sent: list[XdrRecord], timing: str) -> RestoreError:
    """``refused``, the key's or role's refusal every status read of a check met, with how to follow the restores,
    which go on in Cortex XDR; its entry writes their records and those of the files ``not_sent``."""
    when = ', once the role may read statuses,' if refused.http_status == 403 else ', once the key works again,'
    ends_polling, stops_here = (', which ends polling', ': polling stops here') if polling else ('', '')
    stopped = [dict(record, status=XDR_OUTCOME_IN_PROGRESS, error=f'Status not read at this check{ends_polling}: '
                    f'{refused} {xdr_follow_text([record], when, timing)}') for record in records]
    said = (f'{refused} Every status read of this check was refused so, which does not change by itself{stops_here}. '
            f'The restores go on in Cortex XDR. {xdr_follow_text(records, when, timing)}')
    if not_sent:
        said += f' Not started, so not restored: {capped_names([record["file_hash"] for record in not_sent])}.'
    refused.args = (said,)
    return refused.with_outputs({XDR_RESTORE_CONTEXT: one_or_all(stopped + not_sent)})


def summarise_action(record: XdrRecord, reply: XdrReply, again: str = 'the next check reads it again') -> XdrRecord:
    """Per-endpoint statuses of a restore action, counted into an outcome. A part of the reply not read becomes
    ``error`` on the record (the action stays followed; ``again``: how it is read again), never an exception but the
    RecursionError of a value nested past what Python reads (an errorData's JSON text; a status's own text)."""
    statuses = reply.get('data')
    if statuses is not None and not isinstance(statuses, dict):  # not read: no endpoints nor counts, as in context
        return dict(record, status=XDR_OUTCOME_IN_PROGRESS, error=f'{XDR_UNREADABLE_STATUS} (its data is '
                    f'{json_kind(statuses)}, not an object of endpoint statuses); {again}.')
    reasons = reply.get('errorReasons') if isinstance(reply.get('errorReasons'), dict) else {}
    endpoints, final, restored = [], 0, 0
    for endpoint_id, status in sorted((statuses or {}).items()):  # JSON's keys: text, each once
        # A status not known (one Cortex XDR may add, or none) is running, as given: never also a failure
        status = clean_text('' if status is None else status) or 'no status'
        endpoint = {'endpoint_id': endpoint_id, 'status': status}
        if status in XDR_FINAL_STATUSES and status != XDR_SUCCESS_STATUS:
            endpoint['error_description'] = describe_error_reason(reasons.get(endpoint_id), status, reply)
        endpoints.append(endpoint)
        final += status in XDR_FINAL_STATUSES
        restored += status == XDR_SUCCESS_STATUS  # a final status too
    # The restore's endpoints_count, unknown until the first read, is counted from it; a read listing fewer keeps it
    count = max(record.get('endpoints_count') or 0, len(endpoints))
    if final < count or not endpoints:
        outcome = XDR_OUTCOME_IN_PROGRESS
    elif final == restored:
        outcome = XDR_OUTCOME_SUCCESS
    elif restored:
        outcome = XDR_OUTCOME_PARTIAL
    else:
        outcome = XDR_OUTCOME_FAILED
    summary = dict(record, status=outcome, restored_count=restored, failed_count=final - restored, endpoints=endpoints)
    if endpoints:
        summary['endpoints_count'] = count
    if 0 < len(endpoints) < count:
        summary['error'] = (f'Cortex XDR lists {len(endpoints)} of the {count} endpoints the restore included '
                            f'(endpoints_count): {count - len(endpoints)} not listed yet, so not ended; {again}.')
    return summary


def describe_error_reason(reason: Any, status: str, reply: XdrReply) -> str:
    """Cortex XDR's reason for one endpoint: the first non-empty candidate below, trimmed. As in CoreIRApiModule,
    errorDescription comes first and missing_files' descriptions last (here every one, there the first only)."""
    if not isinstance(reason, dict):  # a text alone is the entry's errorText; any other value gives none
        reason = {'errorText': reason if isinstance(reason, str) else None}
    raw, missing = reason.get('errorData'), reason.get('missing_files')
    data = json_object(raw)
    described = [clean_text(item['description']) for item in (missing if isinstance(missing, list) else ())
                 if isinstance(item, dict) and item.get('description')]
    candidates = [reason.get('errorDescription'), reason.get('errorText'), (data or {}).get('errorText'),
                  raw if data is None and isinstance(raw, str) else None,  # errorData that is not JSON: its text
                  reply.get('errorText'), '; '.join(filter(None, described))]
    # type(): a bool is no reason; the reply's values are JSON's own types
    return next(filter(None, (clean_text(c) for c in candidates if type(c) in (str, int, float))),
                f'Cortex XDR reported {status} without a reason. Open the action in Cortex XDR > Response > Action '
                'Center.')


def xdr_next_check(schedule: PollingSchedule, followed: list[XdrRecord], refused: XdrRefusals, unsent: list[str],
                   finished: Sequence[XdrRecord] = (), unread: JsonObject | None = None) -> PollingSchedule:
    """``schedule`` with the files followed and their actions, then those not sent yet, and what earlier runs found (an
    empty one left out; ``unread``: the status reads this check failed, unread_as_before's); endpoint_id and
    incident_id as text, not a list of one from context, as a check reads them."""
    follow = dict(schedule.args, file_hash=','.join([r['file_hash'] for r in followed] + unsent),
                  action_id=json.dumps([r['action_id'] for r in followed]))
    counts = [r.get('endpoints_count') for r in followed]  # the restores' own: a status read may list fewer
    ids = {str(r['action_id']) for r in followed}
    unread = {key: cause for key, cause in (unread or {}).items() if key in ids}  # of the actions still followed
    follow.update((name, str(followed[0][name])) for name in ('endpoint_id', 'incident_id')
                  if followed and name in followed[0])
    for name, value in (('unsent', unsent), ('refused', refused), ('finished', finished), ('unread', unread),
                        ('endpoints_count', counts if any(counts) else [])):
        if value:
            follow[name] = json.dumps(value, separators=(',', ':'))
        else:  # one an earlier run carried, found empty since
            follow.pop(name, None)
    return schedule._replace(args=follow)


def xdr_follow_text(records: list[XdrRecord], when: str, timing: str, markdown: bool = False) -> str:
    """How to follow these actions after this polling: the Action Center, or a restore-file line (its own polling);
    ``markdown``, for an entry's text: the action IDs Cortex XDR gave as written, the line a code span to copy."""
    action_ids = [record['action_id'] for record in records]
    named = capped_names([str(action_id) for action_id in action_ids])
    # The run's scope goes with it (one endpoint_id and incident_id for all its records): its record says the same.
    scope = ''.join(f' {name}={war_room_value(str(records[0][name]))}' for name in ('endpoint_id', 'incident_id')
                    if records[0].get(name))
    command = (f'!restore-file file_hash={",".join(record["file_hash"] for record in records)} '
               f'action_id={war_room_value(json.dumps(action_ids))}{scope}{timing}')
    if markdown:
        named = markdown_text(named)
    if len(command) > MAX_FOLLOW_COMMAND_LENGTH:  # too long to paste: what to repeat instead
        command = 'restore-file given the file_hash and action_id of each file (CortexXDR.RestoredFile)'
    elif markdown:
        command = code_span(command)
    return (f'Follow {plural("action", len(action_ids))} {named} in Cortex XDR > Response > Action Center, or{when} '
            f'with {command}.')


def xdr_progress_line(summaries: list[XdrRecord], schedule: PollingSchedule, earlier: list[XdrRecord],
                      unsent: int) -> str:
    """A check's line unless the last: endpoints final (of files finished earlier too), running; files not sent."""
    # the endpoints each action includes, but those final (a read may list fewer: those not listed still run)
    running = sum(s['endpoints_count'] - s['restored_count'] - s['failed_count']
                  for s in summaries if s.get('endpoints'))
    files = summaries + earlier
    restored, failed = (sum(item.get(key, 0) for item in files) for key in ('restored_count', 'failed_count'))
    # A file whose status this check could not read has no endpoints to count: say so, or the line reads as done.
    unread = sum('endpoints' not in summary for summary in summaries)
    # An action listing no endpoint yet (an empty data, or sent at this check) still runs: "0 running" would deny it.
    unlisted = sum(summary.get('endpoints') == [] for summary in summaries)
    listed = restored + failed + running
    # A row is one file on one endpoint: files that share an endpoint would count it once each as "endpoints"
    what = plural('endpoint restore' if files[1:] else 'endpoint', listed)
    texts = [f'{restored + failed} of {listed} {what} final ({restored} restored, {failed} failed), {running} running'
             if listed else '',  # none listed (none followed yet, or none listing any): no "0 running" to deny it
             f'no endpoint listed yet for {unlisted} {plural("file", unlisted)}' if unlisted else '',
             f'the status of {unread} {plural("file", unread)} not read at this check (not counted)' if unread else '',
             f'{unsent} {plural("file", unsent)} not sent yet (the next check sends them)' if unsent else '']
    return f'Cortex XDR restore: {", ".join(filter(None, texts))}; checking again {schedule.again()}.'


def xdr_unread_notes(summaries: list[XdrRecord], lines: dict[str, str] | None = None, noun: str = 'action',
                     what: str = 'whose status was not read') -> str:
    """What of each action's answer (``what``) was not read at this check, for the first MAX_UNREAD_NOTES, and how many
    more: notes that stop short without saying so read as every file not read. ``lines``: an action's line in place of
    its error, by its ID as text (unread_as_before)."""
    noted = [s for s in summaries if s.get('error')]
    # A status listing fewer endpoints than the restore included was read (the line counts it so): counted apart
    kinds = Counter('whose status lists fewer endpoints than the restore included' if s.get('endpoints') else what
                    for s in noted[MAX_UNREAD_NOTES:])
    notes = [f'Action {markdown_text(s["action_id"])} ({s["file_hash"]}): '
             f'{markdown_text((lines or {}).get(str(s["action_id"]), s["error"]))}'
             for s in noted[:MAX_UNREAD_NOTES]]  # Cortex XDR's words as written: a path's \_ is no escape
    notes += [f'And {count} more {plural(noun, count)} {kind} (the error of each record in CortexXDR.RestoredFile).'
              for kind, count in kinds.items()]
    return '\n\n' + '\n'.join(notes) if notes else ''


def xdr_final_table(summaries: list[XdrRecord], earlier: list[XdrRecord]) -> str:
    """The endpoint rows of the actions read, each with its file: an endpoint alone would not say which file failed."""
    rows = [dict(endpoint, file_hash=summary['file_hash']) for summary in summaries
            for endpoint in summary.get('endpoints', ())]
    counted = summaries + earlier  # the title counts files whose actions ended earlier too, as the lines name them
    files = len({s['file_hash'] for s in counted})  # a file restored once per endpoint has an action on each
    what = f'{files} {plural("file", files)}' + (f' ({len(counted)} actions)' if files < len(counted) else '')
    finished = sum(s['status'] != XDR_OUTCOME_IN_PROGRESS for s in counted)
    final = f'{finished} {plural("action", finished)} final'
    if len(rows) > MAX_DETAIL_ROWS:
        return xdr_grouped_table(summaries, earlier, rows, what, final)
    unlisted = sum(s.get('endpoints') == [] for s in summaries)  # Cortex XDR's status lists none yet: still running
    if len(summaries) == 1 and not earlier:  # one file's outcome, else the sums
        [summary] = summaries
        title = f'Restore of {summary["file_hash"]}: {xdr_state(summary, summary["status"] != XDR_OUTCOME_IN_PROGRESS)}'
    else:
        unread = sum('endpoints' not in s for s in summaries)  # no rows of theirs: not an action without endpoints
        restored, failed = (sum(s.get(key, 0) for s in counted) for key in ('restored_count', 'failed_count'))
        title = ', '.join(filter(None, [
            f'Restore of {what} checked: {final}', f'{restored} endpoint restores done', f'{failed} failed',
            f'the status of {unread} not read at this check' if unread else '',
            f'no endpoint listed yet for {unlisted}' if unlisted else '']))
    if not rows:  # "No entries." would read as an action that reached no endpoint (a status not read: its note says)
        return f'### {markdown_text(title)}' + ('\n**Cortex XDR lists no endpoint yet.**' if unlisted else '')
    headers = ['file_hash', 'endpoint_id', 'status', 'error_description']
    return markdown_table(title, rows, headers[1:] if len(counted) == 1 else headers,  # one file's need not name it
                          'CortexXDR.RestoredFile.endpoints', first=lambda row: 'error_description' in row)


def xdr_state(summary: XdrRecord, counted: bool) -> str:
    """A file's outcome as titles and lines say it: a running one's in words, its counts if ``counted``, its action."""
    running = 'in progress' if 'endpoints' in summary else 'status unknown'  # not read: no endpoints
    state = running if summary['status'] == XDR_OUTCOME_IN_PROGRESS else summary['status']
    counts = f'{summary["restored_count"]:,} restored, {summary["failed_count"]:,} failed, ' if counted else ''
    return f'{state} ({counts}action {summary["action_id"]})'


def xdr_grouped_table(summaries: list[XdrRecord], earlier: list[XdrRecord], rows: list[JsonObject], what: str,
                      final: str) -> str:
    """Past MAX_DETAIL_ROWS endpoint rows: the rows counted by outcome and reason, then each file's line."""
    ok = {row['status'] for row in rows if 'error_description' not in row}  # done or running: counted, not grouped
    if len(summaries) == 1 and not earlier:  # the tally below counts endpoints
        return grouped_outcomes(f'Restore of {summaries[0]["file_hash"]}: {xdr_state(summaries[0], False)}', rows,
                                'status', ok, 'error_description', lambda row: row['endpoint_id'],
                                'CortexXDR.RestoredFile.endpoints')
    endpoints = len({row['endpoint_id'] for row in rows})  # a row is one file on one endpoint: counted once
    where = f'on {endpoints:,} {plural("endpoint", endpoints)}'  # of those read: earlier ones' records keep none
    if earlier:  # their ended actions' rows are in the context too
        title = f'Restore of {what}: {final} ({len(earlier)} at an earlier check), those read at this check {where}'
        beside = ' read at this check, plus those its earlier checks read'
    else:
        title, beside = f'Restore of {what} {where}: {final}', ''
    lines = [grouped_outcomes(title, rows, 'status', ok, 'error_description',
                              lambda row: f'{row["endpoint_id"]} ({row["file_hash"]})',
                              'CortexXDR.RestoredFile.endpoints', beside), '']  # then each file's
    for s in summaries[:MAX_LISTED_FILES]:  # one not read: its state says so, its note why
        lines.append(f'- {s["file_hash"]}: {markdown_text(xdr_state(s, "endpoints" in s))}')
    more = len(summaries) - MAX_LISTED_FILES
    if more > 0:
        lines.append(f'- and {more} more {plural("file", more)} (CortexXDR.RestoredFile)')
    return '\n'.join(lines)


''' COMMAND: hss-restore-isolated (Huawei Cloud HSS) '''


def hss_restore_isolated_command(client: HssClient, args: JsonObject, context: Any = None) -> RestoreResult:
    """!hss-restore-isolated: restore isolated files by hash, by host and path, or as exact items, then follow
    each copy until HSS lists it restored. ``context``: the incident's, read by a check (left_restoring)."""
    fields = {name: hss_field_list(args.get(name), name) for name in HSS_FIELD_LIMITS}
    for value in fields['file_hash']:  # would match nothing, and say so late: another kind of hash, a prefixed or
        # quoted one, or 64 characters (invisible ones not counted) of which some look-alike is no hexadecimal digit
        seen = [character for character in value if unicodedata.category(character) != 'Cf']
        if hash_hint(value, '') or (len(seen) == 64 and not is_sha256_text(value)):
            raise not_sha256(value, 'HSS lists isolated files')
    # HSS matches hashes whatever their case: the copies sent are known by the hash in lower case (copy_key).
    fields['file_hash'] = [value.lower() for value in fields['file_hash']]
    fields[HSS_UNPAIRED] = [] if arg_to_bool(args.get('pair_by_position'), 'pair_by_position', True) else ['false']
    # The project listed (the argument, else the instance's): rows, follow line and checks XSOAR schedules name it
    given_project = validate_identifier(args.get('enterprise_project_id'), 'enterprise_project_id', 64)
    enterprise_project_id = enterprise_project(given_project or '') or client.enterprise_project_id
    args = dict(args, enterprise_project_id=enterprise_project_id or '0')
    check_hss_items(fields)  # a check finds the items again from the same arguments: both runs refuse the same
    timing = polling_arguments(args)  # polling, interval, timeout
    state = hss_restore_state(args.get('restore_state'))
    told = carried_json(args, 'unread', dict, is_unread_cause)  # a check's: its listing's failure, said whole before
    client.limiter.pause(put_off_of(args)[1])  # what is left of a vendor's wait an earlier run met
    if state is None or state['accepted'] is None:  # the start, or one put off before HSS took any of it
        result = start_hss_restore(client, args, fields, enterprise_project_id, state, *timing)
    else:
        result = check_hss_restore(client, args, fields, state, enterprise_project_id, *timing, context, told)
    # Each row's project (left_restoring compares it): none where the run's and the instance's are both the default
    if {enterprise_project_id, client.enterprise_project_id} - {None, '0'}:
        for row in result.outputs:
            row['enterprise_project_id'] = enterprise_project_id
    return result


def start_hss_restore(client: HssClient, args: JsonObject, fields: HssFields, enterprise_project_id: str | None,
                      earlier: HssState | None, polling: bool, interval: int, timeout: int) -> RestoreResult:
    """The first run: find the isolated copies, PUT them 100 at a time, and (polling) schedule the first check. A start
    put off (``earlier``) waits for turns until an interval before the timeout, as checks do; late, as polling=false."""
    started, checks = (earlier['started'], earlier['checks'] + 1) if earlier else (epoch_ms(), 0)
    left = timeout - polling_elapsed(started, checks, interval, args) - (interval if earlier else 0)
    client.transport.wait_at_most(max(left, CHECK_LEAST_WAIT_SECONDS) if polling and left >= 0 else timeout)
    rows, listed, taken, items = [], None, None, exact_items(fields)
    if not items:  # each isolated copy matching the hashes (or paths) on the hosts given (or any host), once
        began, unique = client.limiter.clock(), {}
        try:
            copies, rows, taken = matching_copies(client, fields, enterprise_project_id, HSS_STATUS_ISOLATED, earlier,
                                                  not_isolated_text(enterprise_project_id, client))
        except RestoreError as error:  # no restore request was sent
            error = with_key_refusal(error, client)
            return start_put_off(client, args, error, held_back(error, client), started, checks, polling, interval,
                                 timeout, None)
        for found in copies:
            unique.setdefault(copy_key(found), found)
        items = list(unique.values())
        # A copy may change before its PUT reaches HSS (restored by hand): checks take changes since as this start's
        listed = client.hss_clock_at(began) - HSS_ACCEPT_CLOCK_MARGIN_MS
    sent, accepted, refused, encoded, throttled, puts, later = restore_in_batches(client, items, enterprise_project_id)
    rows = sent + rows
    if sent and accepted is None:  # HSS took none of the items, nor may it have: the error entry writes every row
        return start_put_off(client, args, none_taken_error(sent, encoded, rows, later), throttled, started, checks,
                             polling, interval, timeout, puts)
    readable = hss_table(f'Huawei Cloud HSS restore: {hss_counts_text(rows)}', rows) + ''.join(
        f'\n\n{said}' for said in [*map(markdown_text, encoded.values()), *start_notes(fields, client)])
    schedule, raw = None, {'restore_requests': puts, 'items': rows,
                           **({'identity_policy_refusals': list(encoded.values())} if encoded else {})}
    if accepted is not None:
        state = {'accepted': accepted - HSS_ACCEPT_CLOCK_MARGIN_MS, 'started': started, 'checks': checks,
                 'refused': refused, 'listed': listed, 'sent': None if listed is None else len(items), 'taken': taken}
        raw['follow_commands'] = [hss_follow_command(args, state)]
        if polling:
            schedule = next_check('hss-restore-isolated', dict(args, restore_state=state_text(state)),
                                  started, checks, interval, timeout, client)
            readable += (f'\n\nHSS accepted the restore; checking every {interval} seconds until each copy is restored'
                         if any(row['outcome'] == HSS_OUTCOME_RESTORING for row in sent) else
                         f'\n\nHSS\'s answers were lost, so whether it took the restore is not known; checking every '
                         f'{interval} seconds what HSS did with these files') + (
                f'; the first check {schedule.again()}.' if schedule.asked_by else '.')
        else:  # no check follows this run: the analyst gets the line that makes one
            readable += f'\n\nTo follow the restore{follow_after(client)}: {hss_follow_command(args, state, code_span)}'
    return RestoreResult(readable, HSS_RESTORE_CONTEXT, rows, raw, schedule)


def with_key_refusal(error: RestoreError, client: HssClient) -> RestoreError:
    """A start's or check's listing ``error`` (the first in the hashes' or paths' order), and the gateway's refusal of
    the access key that another listing met (HssClient.key_refused) when it is for good (not the lock: it passes) and
    ``error`` of another cause: it stopped the rest, and a run past that first cause meets it anew. That refusal itself
    when ``error`` is a listing not sent for it (it says the refusal's advice, not the gateway's words)."""
    refused = client.key_refused
    if refused is None or not refuses_every_request(refused) or refused.later:
        return error
    if error.unsent == REFUSED_ELSEWHERE:
        return refused
    if error.later or failure_cause(error) != failure_cause(refused):  # a lock: the refusal's code, but it passes
        error.args = (f'{error}\n\nAnother listing met a refusal that stops every request of this command: {refused}',)
    return error


def none_taken_error(sent: list[HssCopy], encoded: dict[str, str], rows: list[HssCopy], later: bool) -> RestoreError:
    """A start's error when HSS took none of the items ``sent``: each reason once, in batch order, with what it covers;
    three at most (a large restore's hundreds would bury the first). Its outputs: every row; ``later``: a reason's."""
    reasons = Counter(row['reason'] for row in sent)
    said = []
    for why, count in list(reasons.items())[:3]:
        batches = math.ceil(count / HSS_MAX_ITEMS_PER_REQUEST)
        said.append(f'{count:,} {plural("item", count)} in {batches} {plural("batch", batches)}: '
                    f'{encoded.get(why, why)}')
    others = (f'\n\n{len(reasons) - 3} other {plural("reason", len(reasons) - 3)}: each item\'s row has its own.'
              if len(reasons) > 3 else '')
    return RestoreError(f'HSS restored none of the {len(sent)} {plural("item", len(sent))} to send. ' +
                        '\n\n'.join(said) + others, later=later).with_outputs({HSS_RESTORE_CONTEXT: rows})


def start_notes(fields: HssFields, client: HssClient) -> list[str]:
    """What nothing else in a start's entry shows: hosts and paths not paired (HSS_UNPAIRED), copies maybe unread."""
    hosts, paths = len(fields['host_id']), len(fields['file_path'])
    notes = [f'The {hosts} hosts and {paths} paths were not paired (pair_by_position=false): each path was restored on '
             f'every one of these hosts HSS lists it isolated on, even one that isolated it for a reason of its own.'
             ] if fields.get(HSS_UNPAIRED) and hosts > 1 < paths else []
    unread = markdown_text(capped_names(sorted(client.unread)))  # hashes or paths, as given: a path's __init__ too
    return notes + [f'HSS listed more copies of {unread} isolated at one moment than its largest page holds, in a new '
                    f'order for each page: some may not have been read, and stay isolated. Run the command again once '
                    f'this restore ends: the copies it restored leave that moment.'] if client.unread else notes


def held_back(error: RestoreError, client: HssClient) -> RestoreError | None:
    """``error`` when throttling alone (HSS's, IAM's) kept its request from being taken (no turn in time); else None."""
    if error.attempts:
        throttled = error.attempts[-1].status == THROTTLED_STATUS
    else:  # no attempt made: throttled earlier, or a wait kept (HSS's, IAM's)
        throttled = client.limiter.throttles or client.limiter.paused_for() or error.says_until
    return error if throttled and not may_have_applied(error.attempts, HSS_MAYBE_APPLIED_STATUSES) else None


def start_put_off(client: HssClient, args: JsonObject, error: RestoreError, held: RestoreError | None, started: int,
                  checks: int, polling: bool, interval: int, timeout: int, puts: int | None) -> RestoreResult:
    """A start HSS took none of (``puts`` reached it; None: its listing failed): raises ``error`` (polling=true advised
    only to a run without), unless throttling alone (HSS's, IAM's) held it (``held``) and, polling, it fits in time."""
    schedule = next_check('hss-restore-isolated', dict(args, restore_state=f':{started}:{checks}'), started, checks,
                          interval, timeout, client)
    if not (held and polling and
            timeout - polling_elapsed(started, checks, interval, args) - schedule.next_run_in_seconds >= interval):
        if held and HSS_ERROR_ADVICE[THROTTLED_STATUS] in str(error):
            raise error.with_advice(HSS_START_THROTTLED_ADVICE.format(run_wait=client.transport.run_wait),
                                    HSS_ERROR_ADVICE[THROTTLED_STATUS], polling)
        raise error
    waits = client.transport.waits(interval)  # every service whose wait still holds the start back, else the throttler
    by = ' and '.join(vendor for wait, _, vendor in waits if wait) or max(waits)[2]
    sent = f'HSS refused the {puts} restore {plural("request", puts)} that reached it' if puts else (
        'No restore request was sent' + (': the listing of isolated copies met it' if puts is None else ''))
    return RestoreResult(f'{by} throttled this restore before HSS took any of it: '  # the vendor's words as written
                         f'{markdown_text(held.without_advice())}\n\n{sent}, '
                         f'so nothing is lost or restored twice: the restore starts again {schedule.again()}. There '
                         f'is nothing to run by hand meanwhile.', HSS_RESTORE_CONTEXT, [],
                         {'restore_requests': puts or 0, 'items': []}, schedule)


def not_isolated_text(scope: str | None, client: HssClient) -> str:
    """What HSS not listing an isolated copy may mean (matching_copies' ``missing``), by the enterprise project listed
    (``scope``; None or 0: the default one, as a Huawei user names it): no request is spent to tell which."""
    listed, elsewhere = 'in any enterprise project', ''
    if scope != HSS_ALL_ENTERPRISE_PROJECTS:
        listed = f'in enterprise project {scope}' if scope and scope != '0' else 'in the default enterprise project'
        every = f'or to {HSS_ALL_ENTERPRISE_PROJECTS} for every one'
        elsewhere = f', or on a host of another enterprise project (set enterprise_project_id to its ID, {every})'
        if scope and scope != '0' and not re.fullmatch(HUAWEI_UUID, scope):  # sent as given: HSS documents no form
            # Put right where the run read it: a check's argument is the start's, the instance's project if none given
            source = (f'the instance setting {setting_label("hss_enterprise_project_id")}'
                      if scope == client.enterprise_project_id else 'enterprise_project_id')
            elsewhere = (f', or on a host of the enterprise project meant: {scope} looks like its name, not its ID (a '
                         f'UUID; 0 is the default one\'s): set {source} to the ID the console\'s '
                         f'Enterprise Project Management page shows for it, {every}')
    return (f'isolated copy of this file {{where}} {listed}: check the {{by}} given; else it may be restored already, '
            f'or still being isolated (run the command again once HSS lists it isolated){elsewhere}')


def matching_copies(client: HssClient, fields: HssFields, enterprise_project_id: str | None,
                    isolation_status: str | None, put_off: HssState | None, missing: str
                    ) -> tuple[list[HssCopy], list[HssCopy], int | None]:
    """Each copy HSS lists in ``isolation_status`` (None: any) matching a hash or path asked exactly; each value's
    not_found_row, or after a put-off start (``put_off``) the taken_rows since it first ran; that moment on HSS's clock.
    The listing is not filtered by status: a copy leaving one while pages are read would move later rows past a page."""
    given_paths, hosts = {*fields['file_path'], None, ''}, hosts_asked(fields)  # and no path: none is another one
    by = 'file_hash' if fields['file_hash'] else 'file_path'
    listings = client.isolated_files_of_each([{by: value, 'enterprise_project_id': enterprise_project_id,
                                               'isolation_status': None} for value in hosts])
    copies, not_found = [], []
    # When the put-off start first ran, on HSS's clock: the time since then on this one, back from HSS's now
    since = None if put_off is None else (client.hss_clock_at(client.limiter.clock()) - HSS_ACCEPT_CLOCK_MARGIN_MS
                                          - (epoch_ms() - put_off['started']))
    for value, listed in zip(hosts, listings):
        # Only exact matches count, whatever the listing filter matched on (HSS's path filter matches parts, any case).
        exact = [found for found in listed if value_of(found, fields) == value  # a path given, or any for a hash
                 and (not hosts[value] or found.get('host_id') in hosts[value])]
        matched = [found for found in exact if isolation_status in (None, found.get('isolation_status'))]
        asked_names = host_names(hosts[value])  # once: thousands of listed copies are compared with it
        near = [found for found in listed if isolation_status in (None, found.get('isolation_status')) and (
            found.get('file_path') not in given_paths or named_host(found, asked_names))]
        copies += matched
        taken = taken_rows(exact, since)
        if by == 'file_path' and not fields.get(HSS_UNPAIRED):  # a path on each host it is paired with: a row each
            for host in sorted(hosts[value] - {found.get('host_id') for found in matched}):
                not_found += [row for row in taken if row.get('host_id') == host] or [
                    not_found_row(fields, value, missing, {host}, listed, near)]
        elif not matched:
            not_found += taken or [not_found_row(fields, value, missing, hosts[value], listed, near)]
    return copies, not_found, since


def taken_rows(copies: list[HssCopy], since: int | None) -> list[HssCopy]:
    """The rows of another restore's copies (HSS_TAKEN_ELSEWHERE): restoring, or restored since ``since`` (or never)."""
    return [dict(hss_row(found), outcome=found['isolation_status'],  # restoring or restored: an outcome alike
                 reason=HSS_TAKEN_ELSEWHERE[found['isolation_status']])
            for found in copies if found.get('isolation_status') == HSS_STATUS_RESTORING or since is not None and
            found.get('isolation_status') == HSS_STATUS_RESTORED and whole_number(found.get('update_time'), 0) >= since]


def value_of(found: HssCopy, fields: HssFields, paired: bool = False) -> Any:
    """The hash or path a listed copy matches, as copy_key has it; ``paired``: with its host for a paired path."""
    value = copy_key(found)[1 if fields['file_hash'] else 2]
    host = None if fields['file_hash'] or fields.get(HSS_UNPAIRED) else found.get('host_id')
    return (value, host) if paired else value


def not_found_row(fields: HssFields, value: str, missing: str, asked_on: set[str],
                  copies: Sequence[HssCopy], near: Sequence[HssCopy] = ()) -> HssCopy:
    """A hash's or path's not_found row, keyed as the first run's; names ``near`` paths, and ``copies`` restored."""
    by, hosts = 'file_hash' if fields['file_hash'] else 'file_path', sorted(asked_on)
    where = f'on {plural("host", len(hosts))} {capped_names(hosts)}' if hosts else 'on any host'
    row = {by: value, 'host_id': hosts[0]} if len(hosts) == 1 else {by: value}
    listed = sorted({f'file_path={war_room_value(found["file_path"], True)} host_id={found["host_id"]}'
                     for found in near if found.get('host_id') in asked_on})  # a line per copy (in another case, say)
    asked_names = host_names(asked_on)
    named = ','.join(sorted({found['host_id'] for found in near if named_host(found, asked_names) and
                             value_of(found, fields) == value}))
    restored = [found for found in copies if value_of(found, fields) == value
                and found.get('isolation_status') == HSS_STATUS_RESTORED]
    back = sorted({first_text(found, 'host_name', 'host_id') for found in restored
                   if not asked_on or found.get('host_id') in asked_on})
    # a host given by name or IP, which host_id does not take: its ID too
    back += sorted({f'{first_text(found, "host_name", "host_id")} (host_id {found["host_id"]})' for found in restored
                    if found.get('host_id') not in asked_on | {None, ''} and named_host(found, asked_names)})
    addresses = []  # host_id given as an IP address, which HSS's host IDs never are
    for host in hosts:
        with suppress(ValueError):
            addresses.append(str(ipaddress.ip_address(host)))
    # a path's line names its host too, and a host's its path: alone, either takes a whole list
    again = f'file_path={war_room_value(value, True)} host_id={named}' if by == 'file_path' else f'host_id={named}'
    return dict(row, outcome=HSS_OUTCOME_NOT_FOUND, reason=f'HSS lists no {missing.format(where=where, by=by)}.' + (
        f' It lists {plural("one at another path", len(listed), "copies at other paths")} there: run the command '
        f'again with {" or ".join(listed[:MAX_LISTED_FILES])} for the one that is this file.' if listed else '') + (
        f' host_id takes HSS\'s host ID, not an IP address ({capped_names(addresses)}): the console\'s server list '
        f'(Asset Management > Servers & Quota, or ListHostStatus) gives it by name or IP.' if addresses else '') + (
        f' It lists one on the host so named: run the command again with {again}.' if named else '') + (
        f' It lists it restored on {capped_names(back)}: it is back there already.' if back else ''))


def agent_path(path: str) -> str:
    """A path as HSS's agents list it: Windows reads C:/a/b and C:\\\\a\\\\b (as JSON escapes it) as C:\\a\\b."""
    return re.sub(r'[/\\]+', r'\\', path) if re.match(r'[A-Za-z]:[/\\]', path) else path


def host_names(hosts: Iterable[str]) -> set[str]:
    """What each host given may name a host by (lowered): itself, and each word of a server copied from HSS's console
    with its name and ID together ("win-fin-01 (ID)"), which names no host whole."""
    names = {host.lower() for host in hosts}
    return names | {word for name in names for word in re.findall(r'[^\s()\[\]]+', name)}


def named_host(found: HssCopy, asked_names: set[str]) -> bool:
    """Whether ``asked_names`` (lowered) names a listed copy's host: its name or ID in any case, private IP or EIP."""
    return any(str(found.get(name) or '').lower() in asked_names
               for name in ('host_name', 'host_id', 'private_ip', 'public_ip'))


def restore_in_batches(client: HssClient, items: list[HssCopy], enterprise_project_id: str | None
                       ) -> tuple[list[HssCopy], int | None, int, dict[str, str], RestoreError | None, int, bool]:
    """PUTs the items 100 at a time; a refusal every batch would meet stops sending. Returns each item's row (reason '':
    else an earlier one stays in the row its DT key updates), the earliest HSS may have acted on a batch (its clock, ms;
    None: none), the batches it surely did not (a bit each), each identity policy refusal whole by its rows' reason
    (HSS_DECODE_IN_ENTRY), a batch's error if throttling held back all, how many went out, whether an error is later."""
    batches = [items[at:at + HSS_MAX_ITEMS_PER_REQUEST] for at in range(0, len(items), HSS_MAX_ITEMS_PER_REQUEST)]
    stop, encoded, throttled, later = [], {}, [], []  # stop: the reasons of refusals every request meets, first told

    def stopped() -> str | None:  # asked before each PUT's turn and once it came: a batch waiting then is not sent
        return f'Not sent: {stop[0]}' if stop else None

    def send(batch: list[HssCopy]) -> tuple[str, str, int | None, bool]:
        payload = [{field: item[field] for field in HSS_FIELD_LIMITS if item.get(field) not in (None, '')}
                   for item in batch]
        sent_at = client.limiter.clock()
        try:
            accepted_at = client.restore_isolated_files(payload, enterprise_project_id, stopped)
            return HSS_OUTCOME_RESTORING, '', accepted_at, True
        except RestoreError as error:
            reason = str(error)
            if isinstance(error, VendorApiError) and error.decode:
                reason = reason.replace(error.decode, HSS_DECODE_IN_ENTRY, 1)
                encoded[reason] = str(error)
            if refuses_every_request(error):
                stop.append(reason)
            throttled.append(held_back(error, client))
            later.append(error.later)
            # HSS may have acted on it from its first attempt on (its answer lost): the checks follow it from then.
            return HSS_OUTCOME_FAILED, reason, client.hss_clock_at(sent_at, error.attempts) if may_have_applied(
                error.attempts, HSS_MAYBE_APPLIED_STATUSES) else None, reached_vendor(error)

    rows, accepted, refused, puts = [], [], 0, 0
    outcomes = client.bulk.map(send, batches, what='HSS restore requests sent',
                               settled=lambda batch: send(batch) if stop else None, sent=lambda outcome: outcome[3])
    for index, (batch, (outcome, reason, accepted_at, went_out)) in enumerate(zip(batches, outcomes)):
        puts += went_out
        if accepted_at is None:
            refused |= 1 << index
        else:
            accepted.append(accepted_at)
        for item in batch:
            # An item of our own making becomes its row (10,000 items, one set of dicts); a listed one is trimmed.
            row = item if all(key in HSS_ROW_FIELDS for key in item) else hss_row(item)
            row.update(outcome=outcome, reason=reason)
            rows.append(row)
    every = throttled and None not in throttled and len(throttled) == len(batches)  # each batch held back
    return rows, min(accepted, default=None), refused, encoded, throttled[0] if every else None, puts, any(later)


def check_hss_restore(client: HssClient, args: JsonObject, fields: HssFields, state: HssState,
                      enterprise_project_id: str | None, polling: bool, interval: int, timeout: int,
                      context: Any, told: JsonObject) -> RestoreResult:
    """A polling run: the copies this restore changed, read again; the last once none is restoring, or time is up.
    ``told``: the hidden ``unread``, a failure of the listing an earlier check said whole (listing_as_before)."""
    # XSOAR polls no check past its sequence's time: a line run later (its timeout error's) polls anew, by hand
    if state['started'] and epoch_ms() - state['started'] > (timeout + POLLING_TIMEOUT_MARGIN) * 1000:
        state = dict(state, started=None, checks=0)
    # The checks made so far bound the time passed from below. A follow command (no start) begins a polling of its
    # own with this run: no interval has passed yet, as restore-file counts a run without polling_started.
    checks = state['checks'] + (state['started'] is not None)
    state = dict(state, started=state['started'] or epoch_ms(), checks=checks)
    # Turns are waited for no longer than the polling time left, less an interval when a check follows (it then comes
    # within the timeout); never less than a few seconds, so a check at the timeout still reads a listing of pages.
    left = timeout - polling_elapsed(state['started'], checks, interval, args)
    client.transport.wait_at_most(max(left - interval if polling and left >= interval else left,
                                      CHECK_LEAST_WAIT_SECONDS))
    (rows, unlisted, untaken, most), unread, for_good = read_check_listing(client, fields, state,
                                                                           enterprise_project_id, context)
    elapsed = polling_elapsed(state['started'], checks, interval, args)
    schedule, last = None, elapsed + interval > timeout or for_good
    unread, again = listing_as_before(unread, state, told.get('listing'), last or not polling, args)
    settle_rows(rows, last or not polling, last, elapsed)
    # Copies HSS has not acted on yet (untaken, HSS_NOT_TAKEN rows) may still be; another restore's (taken_rows): not
    if not last and polling and (unread or untaken or any(
            row['outcome'] == HSS_OUTCOME_RESTORING and row['reason'] != HSS_TAKEN_ELSEWHERE[HSS_STATUS_RESTORING]
            for row in rows)):
        schedule = next_check('hss-restore-isolated', again, state['started'], checks, interval, timeout, client)
    ended = '; polling ended with this check' if polling and not schedule else ''  # as restore-file's last check says
    gone = sum(row.get('reason') == HSS_NO_LONGER_LISTED for row in rows)  # copies sent, HSS listing them no more
    step = f'checking again {schedule.again()}' if schedule else 'run the follow line below'
    # A listing not read counts no rows (never "0 restored")
    said = f'Huawei Cloud HSS restore, after {elapsed} s: ' + (
        f'the listing was not read at this check{ended}: {markdown_text(unread.with_step(step))}' if unread else
        hss_counts_text(rows, unlisted, gone, untaken, most))
    apart = (0, 0) if schedule else (refused_items(fields, state), untaken)  # copies the last check counts apart
    note = hss_check_notes(state, gone, unlisted, *apart, most)
    to_follow = f'{follow_after(client)}: {hss_follow_command(args, state, code_span)}'
    if not schedule:  # the last check, or one by hand (polling=false), which gives the follow line if any is left
        readable = said if unread else hss_table(said, rows, to_follow if last else '', *apart) + note
        if unread or (not last and HSS_OUTCOME_RESTORING in {row['outcome'] for row in rows}):
            readable += f'\n\nTo follow the restore{to_follow}'
    elif unread:  # its error says when the next check comes (saying), or this does
        readable = said if unread.saying(step) else f'{said} Checking again {schedule.again()}.'
    else:
        readable = f'{said}; checking again {schedule.again()}.{note}'
    return RestoreResult(readable, HSS_RESTORE_CONTEXT, rows, {
        'elapsed_seconds': elapsed, 'items': rows, 'unlisted_copies': unlisted, 'unlisted_copies_at_most': most,
        'follow_commands': [hss_follow_command(args, state)]}, schedule)


def read_check_listing(client: HssClient, fields: HssFields, state: HssState, scope: str | None,
                       context: Any) -> tuple[HssProgress, RestoreError | None, bool]:
    """A check's read of HSS's listing (in enterprise project ``scope``, whose rows left_restoring reads):
    restore_progress's rows and counts; or, not read, none counted, its error, and whether that ends polling (the rows
    left restoring then say so); ``state`` keeps whether HSS refused the listing."""
    try:
        progress = restore_progress(client, fields, scope, state, context)
        # A copy gone and another come between two pages (total_num as it was) move a row past a page border unread:
        # a copy sent that HSS seems to list no more is looked for in a second reading before it is said gone
        if any(row.get('reason') == HSS_NO_LONGER_LISTED for row in progress[0]):
            progress = restore_progress(client, fields, scope, state, context)
    except RestoreError as error:
        # An unreadable listing is read again at the next check. But a refusal of the credentials, permission or URL
        # (not the gateway's lock of the access key: it passes), or HSS's 400 or 404 to the listing at this check and
        # the one before, would recur at every check: polling ends with this one, and the rows left restoring say so.
        # So does the gateway's refusal of the key another listing met, whatever the first one's failure (said too).
        error, key = with_key_refusal(error, client), client.key_refused
        refused = getattr(error, 'http_status', 0) in (400, 404)
        for_good = (any(refuses_every_request(met) and not met.later for met in (error, key) if met)
                    or (refused and bool(state.get('listing_refused'))))
        state['listing_refused'] = refused
        rows = [dict(row, reason=HSS_CHECK_REFUSED) for row in left_restoring(context, fields, scope)
                if for_good and row.get('outcome') == HSS_OUTCOME_RESTORING]
        return (rows, 0, 0, 0), gateway_lock(error, state), for_good
    state['listing_refused'], state['locked_until'] = False, None
    return progress, None, False


def listing_as_before(error: RestoreError | None, state: HssState, told: list | None, final: bool,
                      args: JsonObject) -> tuple[RestoreError | None, JsonObject]:
    """A check's ``error`` reading the listing, and the next check's arguments (``args`` with ``state`` and, when it
    failed, why: ``unread``). A failure an earlier check of the polling gave whole (``told``: said_whole_before) is a
    line alone, unless ``final`` (no check follows: its entry stands alone); the gateway's lock is gateway_lock's."""
    again = dict({name: value for name, value in args.items() if name != 'unread'}, restore_state=state_text(state))
    if not error or state.get('locked_until'):
        return error, again
    kept, since = said_whole_before(failure_cause(error), told, state['checks'])
    again['unread'] = json.dumps({'listing': kept}, separators=(',', ':'))  # for the next check to compare
    if since and not final:
        error = RestoreError(f'The same failure {since}, as that entry said in full.', error.attempts)
    return error, again


def gateway_lock(error: RestoreError, state: HssState) -> RestoreError:
    """A check's ``error``; when it is HSS's gateway's lock of the access key (HSS_AK_LOCKED), which passes by itself
    while checks go on every interval: the first check that meets it gives it whole and until when it lasts at the
    latest (it began by this check: ``state`` keeps that end for the next), a later one within that end a line alone."""
    now, until = epoch_ms(), state.get('locked_until')
    if error.advice != HSS_AK_LOCKED_ADVICE:
        state['locked_until'] = None
        return error
    if until and now < until <= now + HSS_AK_LOCK_SECONDS * 1000:  # the lock an earlier check met and told
        return RestoreError(f'HSS\'s API gateway still locks the access key (HTTP {error.http_status}, code '
                            f'{json_text(error.vendor_code)}), until {utc_text(until / 1000)} at the latest, as an '
                            f'earlier check said in full.', error.attempts, later=True)
    state['locked_until'] = now + HSS_AK_LOCK_SECONDS * 1000  # a new lock (or one met anew once that end passed)
    error.args = (f'{error} The lock ends by {utc_text(state["locked_until"] / 1000)} at the latest.',)
    return error


def settle_rows(rows: list[HssCopy], final: bool, last: bool, elapsed: int) -> None:
    """The rows as a check with no check after it (``final``: the last, or polling=false) reports them: a copy HSS still
    lists untouched since it was sent failed; at the last, each copy still restoring says how to check and follow it."""
    not_taken = dict(HSS_NOT_TAKEN.values())  # the reason while checks follow -> the reason once none does
    for row in rows:
        if final and row['reason'] in not_taken:
            row.update(outcome=HSS_OUTCOME_FAILED, reason=not_taken[row['reason']])
        elif last and row['outcome'] == HSS_OUTCOME_RESTORING:  # a reason of another kind (HSS_UNNAMED_STATUS) kept
            row['reason'] = {HSS_NOT_LISTED_AT_CHECK: HSS_NOT_LISTED_AT_LAST_CHECK, '': (
                f'Still restoring after {elapsed} s: HSS issued the restore task, but the host\'s agent has not '
                f'finished it. Check in the HSS console that the agent of {row.get("host_name") or row.get("host_id")} '
                f'is online; the file comes back when it is. {HSS_FOLLOW_IN_ENTRY}')}.get(row['reason'], row['reason'])


def restore_progress(client: HssClient, fields: HssFields, scope: str | None,
                     state: HssState, context: Any) -> HssProgress:
    """Each copy this restore changed, as HSS lists it now; of the copies sent by hash or path, how many HSS no longer
    lists (0: not known), how many it lists untouched (a batch refused: at least), and at most how many unlisted."""
    items = exact_items(fields)
    exact = bool(items)
    sent = {copy_key(item) for index, item in enumerate(items)
            if not state['refused'] >> (index // HSS_MAX_ITEMS_PER_REQUEST) & 1} if exact else {
        copy_key(row) for row in left_restoring(context, fields, scope)}
    if exact and len(set(fields['file_hash'])) > HSS_CHECK_BY_HASH_MAX:  # by host, path and hash (all text)
        copies = client.all_isolated_files(enterprise_project_id=scope, isolation_status=None)
        listed = copies_acted_on([copy for copy in copies if copy_key(copy) in sent], state['accepted'], sent)
        return ([progress_row(listed[key], state, True) if key in listed  # one HSS did not list stays restoring
                 else dict(zip(('host_id', 'file_hash', 'file_path'), key), outcome=HSS_OUTCOME_RESTORING,
                           reason=HSS_NOT_LISTED_AT_CHECK)
                 for key in sorted(sent, key=lambda item: (item[0], item[2], item[1]))], 0, 0, 0)
    copies, not_found, _ = matching_copies(client, fields, scope, None, None,
                                           'copy of this file {where}, isolated or restored')
    listed = copies_acted_on([copy for copy in copies if not exact or copy_key(copy) in sent], state['accepted'], sent)
    own = [(found, progress_row(found, state, exact)) for found in listed.values() if not unseen(found, state, sent)]
    rows = [row for _, row in own if row]
    # A hash or path with no copy in any status is not_found, as the first run says (unless no_longer_listed counts it);
    # one whose copies HSS lists, none isolated nor this restore's (restored long ago), is not_found as the start said,
    # or, after a start put off, the taken_rows it found: every check shows the rows the context keeps. Both come first.
    if not exact:
        kept = {value_of(found, fields, True) for found, row in own if row} | {
            value_of(found, fields, True) for found in copies if found.get('isolation_status') == HSS_STATUS_ISOLATED}
        missing, taken = not_isolated_text(scope, client), {}
        for row in taken_rows(copies, state['taken']):
            taken.setdefault(value_of(row, fields, True), []).append(row)
        # the values with a listed copy (a path with each host), in the order asked for (matching_copies lists them so)
        asked, pairs = hosts_asked(fields), dict.fromkeys(value_of(found, fields, True) for found in copies)
        rows = not_found + [row for value, host in pairs if (value, host) not in kept for row in taken.get(
            (value, host)) or [not_found_row(fields, value, missing, asked[value] if host is None else {host},
                                             copies)]] + rows
    gone = sent - set(listed)  # an earlier restore's rows (left as they are) when no copy sent may be unlisted
    if exact or state['sent'] is None:
        return no_longer_listed(rows, gone), 0, 0, 0
    # isolated, no row (a batch was refused): unchanged since HSS accepted the restore, whenever listed (progress_row)
    untouched = sum(row is None and found.get('isolation_status') == HSS_STATUS_ISOLATED for found, row in own)
    left = state['sent'] - sum(row is not None or found.get('isolation_status') == HSS_STATUS_ISOLATED
                               for found, row in own)
    most = max(left + sum(row['reason'] == HSS_ISOLATED_AGAIN for row in rows), 0)  # each may be a virus scan's copy
    return (no_longer_listed(rows, gone if most else set()), max(left, 0),
            max(untouched - refused_items(fields, state), 0), most)


def unseen(found: HssCopy, state: HssState, sent: set[HssCopyKey]) -> bool:
    """Whether ``found``, listed isolated, unchanged since before HSS accepted the restore but since its start's listing
    began, is not among the copies the context names (if any): one isolated after that listing read it, never sent."""
    updated = whole_number(found.get('update_time'), 0)
    return (bool(sent) and copy_key(found) not in sent and found.get('isolation_status') == HSS_STATUS_ISOLATED and
            state['listed'] is not None and state['listed'] <= updated < state['accepted'])


def no_longer_listed(rows: list[HssCopy], gone: set[HssCopyKey]) -> list[HssCopy]:
    """The rows, and a not_found row of each copy sent that HSS lists in no status now (``gone``, by copy_key: its host
    removed from HSS, or the copy deleted), in place of its hash's or path's not_found_row: a copy is counted once."""
    replaced = {key for host, file_hash, path in gone for where in (host, None)
                for key in ((where, file_hash, None), (where, '', path))}
    return [row for row in rows if copy_key(row) not in replaced] + [
        dict(zip(('host_id', 'file_hash', 'file_path'), key), outcome=HSS_OUTCOME_NOT_FOUND,
             reason=HSS_NO_LONGER_LISTED) for key in sorted(gone, key=str)]  # as text: a host or path may be None


def left_restoring(context: Any, fields: HssFields, scope: str | None) -> list[HssCopy]:
    """The rows any run left restoring (or no longer listed) in the context, of the values, hosts and enterprise project
    (``scope``; None or 0: the default) asked: the copies a restore by hash or path (no restore_state) may have sent."""
    hosts, paths = hosts_asked(fields), set(fields['file_path'])
    return [row for row in context_records(context, ('HuaweiHSS', 'RestoredFile'))
            if isinstance(row, dict) and (row.get('enterprise_project_id') or '0') == (scope or '0') and
            (row.get('outcome') == HSS_OUTCOME_RESTORING or row.get('reason') == HSS_NO_LONGER_LISTED) and
            isinstance(row.get('host_id'), str) and isinstance(row.get('file_path'), str) and
            (value := value_of(row, fields)) in hosts and (not paths or row['file_path'] in paths) and
            (not hosts[value] or row['host_id'] in hosts[value])]


def refused_items(fields: HssFields, state: HssState) -> int:
    """How many items of this restore were in a batch HSS refused (or never sent): reported failed, and not followed."""
    total = len(exact_items(fields)) or state['sent'] or 0
    # by the batches refused (a bit each, at most 8,000), not by the items: a state edited by hand may claim a billion
    return sum(max(0, min(HSS_MAX_ITEMS_PER_REQUEST, total - batch * HSS_MAX_ITEMS_PER_REQUEST))
               for batch in range(state['refused'].bit_length()) if state['refused'] >> batch & 1)


def hss_check_notes(state: HssState, gone: int, unlisted: int, refused: int, untaken: int, most: int) -> str:
    """What a check says below its counts: a note for each count that is not 0 (``unlisted``: up to ``most``)."""
    they, known = ('it is', 'its row in the incident\'s context says so (not_found)') if most == 1 else (
        'they are', 'their rows in the incident\'s context say so (not_found)')
    rowless = 'is left restoring in this incident\'s context (a row an earlier check wrote keeps what HSS listed then)'
    which = '' if unlisted == state['sent'] else f'{unlisted:,} of '
    if most > unlisted:  # a copy listed isolated again may be a new one no alarm named (a virus scan's), not one sent
        which = f'at least {unlisted:,} (up to {most:,}) of ' if unlisted else f'up to {most:,} of '
    if not gone:  # gone: rows saying HSS lists their copy no more
        known = f'no row of {"it" if most == 1 else "them"} {rowless}'
    elif not unlisted:
        known = 'the not found rows of copies sent may each be this restore\'s or an earlier one\'s: which is not known'
    elif gone < unlisted:
        others = f'{unlisted - gone:,} or more' if most > unlisted else f'{unlisted - gone:,}'
        known += f' for {gone:,} of them; no row of the other {others} {rowless}'
    elif gone > unlisted:  # rows of copies an earlier restore sent: nothing this restore keeps tells them from its own
        more = f'up to {gone - unlisted:,}' if most > unlisted else f'{gone - unlisted:,}'
        known += (f'; the not found count also holds {more} more {plural("row", gone - unlisted)} of copies an '
                  f'earlier restore sent, which HSS no longer lists either: which row is whose is not known')
    notes = ((most if gone else unlisted, f'HSS no longer lists {which}the {state["sent"]} '
              f'{plural("copy", state["sent"], "copies")} this restore sent, isolated or restored (a host removed from '
              f'HSS, or the copy deleted), so whether {they} back is not known; {known}. Check the hosts in the HSS '
              f'console.'),
             (refused, f'Not counted here: {refused:,} of this restore\'s items, as HSS refused their batch when the '
              f'restore started (or it was not sent), so no check follows them; their rows keep the start\'s '
              f'outcome, failed, and its reason (HuaweiHSS.RestoredFile).'),
             (untaken, f'At least {untaken:,} of the copies this restore sent in the other batches are still '
              f'isolated, unchanged since it was sent: HSS did not act on them (a request whose answer was lost may '
              f'never have reached it). This restore names no copy, so which ones is not known, and their rows keep '
              f'what the start wrote: run the command again to restore every copy still isolated.'))
    return ''.join(f'\n\n{note}' for count, note in notes if count)


def copies_acted_on(copies: list[HssCopy], accepted: int, known: set[HssCopyKey]) -> dict[HssCopyKey, HssCopy]:
    """Of each host, hash and path's records, the one this restore acted on, by copy_key (in the order first listed): a
    file restored and isolated again is listed twice, the copy sent first; one only isolated after the PUT, left out."""
    def rank(record: HssCopy) -> tuple[bool, bool, int]:
        updated = whole_number(record.get('update_time'), 0)
        return updated >= accepted, record.get('isolation_status') != HSS_STATUS_RESTORED, updated
    listed = {}
    for found in copies:
        listed[key] = max(listed.get(key := copy_key(found), found), found, key=rank)  # of equals, the first
    sent = {copy_key(found) for found in copies if not isolated_after(found, accepted, known)}  # not isolated anew
    return {key: found for key, found in listed.items() if key in sent}


def isolated_after(found: HssCopy, accepted: int, known: set[HssCopyKey]) -> bool:
    """Whether HSS lists ``found`` isolated by an alarm that came after the restore was sent: a new detection, not a
    copy it sent (HSS names the alarm in agent_event_info, IsolateEventResponseInfo; a virus scan's copy has none)."""
    event = found.get('agent_event_info')
    # One restored since (by another restore) is told apart where the incident's context names the copies sent (known)
    anew = found.get('isolation_status') in HSS_ISOLATED_NOW or (known and copy_key(found) not in known)
    if not accepted or not anew or not isinstance(event, dict):
        return False  # accepted 0: any change is this restore's (the gate's check)
    # The PUT went out at most two margins after accepted: HSS's Date header counts whole seconds.
    return whole_number(event.get('occur_time'), 0) >= accepted + 2 * HSS_ACCEPT_CLOCK_MARGIN_MS


def hss_row(found: HssCopy) -> HssCopy:
    """A listed copy's fields the context keeps, its hash in lower case (copy_key): every run's rows share a DT key."""
    return {field: value.lower() if field == 'file_hash' else value
            for field in HSS_ROW_FIELDS if (value := found.get(field)) not in (None, '')}


def copy_key(found: HssCopy) -> HssCopyKey:
    """A listed copy's identity: host, hash (lower case: HSS may list either), path; an empty host or path: none."""
    return found.get('host_id') or None, str(found.get('file_hash') or '').lower(), found.get('file_path') or None


def progress_row(found: HssCopy, state: HssState, exact: bool) -> HssCopy | None:
    """A listed copy's outcome for this restore ('' its reason when none), or None when its status owes nothing to it:
    a start's restoring row (an item sent, or a copy changed since its listing began) stays till HSS lists it so."""
    updated, status = whole_number(found.get('update_time'), 0), found.get('isolation_status')
    changed = updated >= state['accepted']
    # A copy still restoring from an earlier restore was not sent by this one (the start sends isolated copies only):
    # following it would poll to the timeout for a copy this restore never touched.
    ours = changed or exact or state['listed'] is not None and updated >= state['listed']
    if status == HSS_STATUS_RESTORING and ours:
        outcome, reason = HSS_OUTCOME_RESTORING, ''
    elif status == HSS_STATUS_RESTORED and ours:
        outcome, reason = HSS_OUTCOME_RESTORED, '' if changed else HSS_RESTORED_BEFORE
    elif status in HSS_ISOLATED_NOW and changed:
        outcome, reason = HSS_OUTCOME_FAILED, HSS_ISOLATED_AGAIN if state['accepted'] else HSS_ISOLATED_NOW[status]
    elif status not in HSS_STATUSES and ours:  # still listed, its end not known: followed as one restoring
        outcome, reason = HSS_OUTCOME_RESTORING, HSS_UNNAMED_STATUS.format(status=printable(status))
    elif status in HSS_NOT_TAKEN and (exact or status == HSS_STATUS_ISOLATED and not state['refused'] and
                                      state['listed'] is not None):
        # not changed since HSS accepted the restore (the branch above), so not acted on: a change after the listing
        # began came before, to a copy the start sent all the same. Failed once no check follows (settle_rows)
        outcome, reason = HSS_OUTCOME_RESTORING, HSS_NOT_TAKEN[status][0]
    else:
        return None
    return dict(hss_row(found), outcome=outcome, reason=reason)


def hss_counts_text(rows: list[HssCopy], unlisted: int = 0, gone: int = 0, untaken: int = 0, most: int = 0) -> str:
    """How many rows have each outcome (``gone`` of them no longer listed), then the ``unlisted`` copies with no row
    (up to ``most`` in all), then the ``untaken`` ones HSS still lists isolated."""
    counts = Counter(row['outcome'] for row in rows)
    said = ', '.join(f'{counts[outcome]} {outcome.replace("_", " ")}' for outcome in HSS_OUTCOMES)  # not_found last
    if gone:
        which = '' if gone == counts[HSS_OUTCOME_NOT_FOUND] else f'{gone} of them '
        said += f' ({which}sent, no longer listed by HSS)'
    if unlisted > gone:
        more = ' more' if gone else ''
        least = 'at least ' if most > unlisted else ''
        said += f', {least}{unlisted - gone}{more} sent and no longer listed'
    if untaken:
        said += f', {untaken} sent and still isolated, unchanged'
    return said


def hss_table(title: str, rows: list[HssCopy], follow: str = '', refused: int = 0, untaken: int = 0) -> str:
    """The rows as a table (grouped past MAX_DETAIL_ROWS), then the hosts left restoring and how to ``follow`` them
    (the last check's wait, then its follow line); the notes after it count ``refused`` items and ``untaken`` copies."""
    host = lambda row: first_text(row, 'host_name', 'host_id', 'file_hash')  # noqa: E731 (a hash not found: on none)
    left = [host(row) for row in rows if row['outcome'] == HSS_OUTCOME_RESTORING]
    hosts = markdown_text(f'on {capped_names(list(dict.fromkeys(left)))}.')  # a last \ before the full stop too
    ended = (f'\n\nPolling ended before HSS listed every copy restored: {len(left):,} still restoring, {hosts} HSS '
             "issued the restore task of each, which its host's agent has not finished (its reason in "
             f'HuaweiHSS.RestoredFile says what to check). To follow each{follow}' if follow and left else '')
    going = {HSS_OUTCOME_RESTORED, HSS_OUTCOME_RESTORING}  # done or under way: the others come first
    if len(rows) > MAX_DETAIL_ROWS:  # restoring rows are only counted there, their reasons unread
        refused_rows = f', plus the start\'s rows of {refused:,} items refused by HSS or not sent' if refused else ''
        untaken_rows = f', plus the start\'s rows of at least {untaken:,} copies HSS did not act on' if untaken else ''
        return grouped_outcomes(title, rows, 'outcome', going, 'reason', host, 'HuaweiHSS.RestoredFile',
                                refused_rows + untaken_rows) + ended
    return markdown_table(title, rows, ['host_id', 'host_name', 'file_path', 'file_hash', 'outcome', 'reason'],
                          'HuaweiHSS.RestoredFile', first=lambda row: row['outcome'] not in going) + ended


def hss_follow_command(args: JsonObject, state: HssState, copied: Callable[[str], str] = str) -> str:
    """The war-room line that follows this restore to its end; run by hand, it polls anew (started, checks left out).
    ``copied``: how an entry's text shows what to copy (code_span)."""
    project = f'enterprise_project_id={args["enterprise_project_id"]}'  # the one listed, even the default (0)
    anew = dict(state, started=None, checks=0, listing_refused=False, locked_until=None)  # as no check met any yet
    restore_state = f'restore_state={state_text(anew)}'
    # The items ([] from context: none given), and pair_by_position: a path restored on every host given stays so
    kept = {name: args[name] for name in (*HSS_FIELD_LIMITS, 'pair_by_position')
            if args.get(name) != [] and not none_or_blank_text(args.get(name))}
    timing = follow_timing(args)  # the interval and timeout given
    # Thousands of exact items, all repeated (and copied: memory), measured before anything is built: say what to repeat
    if sum(len(str(value)) for value in kept.values()) > MAX_FOLLOW_COMMAND_LENGTH:
        scope = f'{project} {restore_state}{timing}'
        return f'{copied("!hss-restore-isolated")} with the same {", ".join(kept)} arguments and {copied(scope)}'
    parts = [f'{name}={war_room_value(json.dumps(value) if isinstance(value, list) else str(value))}'
             for name, value in kept.items()]
    return copied(' '.join(['!hss-restore-isolated', *parts, project, restore_state]) + timing)


''' COMMAND: fetch-incidents (Huawei Cloud HSS events) '''


def fetch_hss_incidents(client: HssClient, settings: FetchSettings, last_run: JsonObject, now_ms: int,
                        scrub: Callable[[str], str] = str,
                        note: TextListener = lambda _: None) -> tuple[list[JsonObject], JsonObject]:
    """fetch-incidents: host security events unhandled or handled by isolate_and_kill, oldest first, at most max_fetch,
    none twice, in two-day windows (HSS's longest) from where the last fetch stopped (``last_run``, as last_run_values
    reads it) to now. The state returned stays small (``last_fetch``, the event IDs seen since: one holding a secret,
    ``scrub`` tells, by its digest only); ``note``: why HSS failed a fetch that stopped short, or of days lost."""
    begin, last_fetch = fetch_begin(settings, last_run, now_ms, note, client.listed_at_ms)
    stored = last_run.get('seen_ids')  # a list of texts; anything else (an older version's, edited, damaged): none
    seen = set(stored) if isinstance(stored, list) and all(isinstance(key, str) for key in stored) else set()
    seen_until = last_run.get('seen_until')  # the latest time of those events: past it, every one is listed again
    if not (type(seen_until) is int and begin == last_fetch and seen_until <= now_ms + CLOCK_STEP_MAX_MS):
        # none kept, a last run of an older version, the first-fetch window applies, or one further ahead of this
        # machine's clock than it is ever set back (unreadable, as a last_fetch that far ahead is: see above)
        seen_until = begin
    # where the last fetch narrowed the window it stopped in (read_event_windows), when it goes on from that window
    window_end, first_end = last_run.get('window_end'), begin + HSS_EVENT_WINDOW_MS
    if type(window_end) is int and begin == last_fetch and begin < window_end:
        first_end = min(first_end, window_end)
    if max(begin, seen_until) > now_ms:  # this machine's clock went back since the last fetch: the events up to
        # begin came already, and an event seen at or after begin must be listed again to be told apart as seen: the
        # last run is kept as it came (begin is its last_fetch) until the clock catches up, which is told once
        if 'clock_back' not in last_run:
            note(f'This machine\'s clock, {utc_text(now_ms / 1000)}, was set back behind the last fetch: fetching '
                 f'waits until {utc_text(max(begin, seen_until) / 1000)}, then goes on from {utc_text(begin / 1000)}.')
        return [], dict(last_run, clock_back=True)
    taken, times, progress, reached, window_end = read_event_windows(client, settings.max_fetch, begin, seen, now_ms,
                                                                     scrub, first_end, note)
    # (listed_at_ms is set: every listing sets it, and read_event_windows lists at least once)
    if last_fetch is None and settings.first_fetch_at is None:  # a date set is the same instant on either clock
        # With HSS's clock behind this machine's by a second or more (its Date counts whole seconds; the listing took
        # the second before begin), the window missed the events HSS dated at its start: it is read again on HSS's
        # clock (each later fetch goes on from HSS's: see below); first_fetch reaches 30 days back at most, as HSS lists
        on_hss_clock = client.listed_at_ms - settings.first_fetch_ms
        if on_hss_clock <= begin - HSS_EVENT_TIME_LEAD_MS:
            return fetch_hss_incidents(client, settings, {'last_fetch': on_hss_clock}, now_ms, scrub, note)
    incidents = [hss_event_incident(event, occur_time_ms(event, times[key])) for key, event in taken]
    # HSS was not listed as far as the events kept last time (it may read end_time down to its second, and list the
    # rest of that second with the next): those not listed are kept (seen has learnt only events taken this time, each
    # of them in times). From that second, not a second before: each fetch going on by less would keep them all anew.
    if reached - reached % HSS_TIME_RESOLUTION_MS < seen_until:
        times.update({key: seen_until for key in seen if key not in times})
    # The next fetch begins where this one stopped, or earlier to read the last 30 minutes again: from 30 minutes
    # before HSS's clock when it answered the last listing (its Date), or before this machine's when that is behind
    # HSS's (this fetch read no further). An event HSS had not listed then, late by no more than that, occurred after.
    begin = max(begin, min(progress, min(now_ms, client.listed_at_ms or now_ms) - HSS_FETCH_OVERLAP_MS))
    next_run = next_last_run(seen, times, begin, progress, now_ms)
    return incidents, next_run if window_end is None else dict(next_run, window_end=window_end)


def fetch_begin(settings: FetchSettings, last_run: JsonObject, now_ms: int, note: TextListener,
                hss_now_ms: int | None) -> tuple[int, int | None]:
    """Where a fetch begins, and the last fetch's end if it goes on from there (else None: a first fetch)."""
    # Where the last one stopped (also when that is ahead of this machine's clock, set back since, by no more than it
    # ever is), else with the first-fetch window; never older than HSS lists events: 30 days on its clock, its Date
    # once a listing gave it (``hss_now_ms``: HSS documents no refusal of an older begin_time), else on this machine's.
    begin = last_fetch = last_run.get('last_fetch')
    if not (type(begin) is int and begin <= now_ms + CLOCK_STEP_MAX_MS):  # type(): not a bool
        begin, last_fetch = first_fetch_begin(settings, now_ms), None  # unreadable: a first fetch, as none was kept
    oldest = (hss_now_ms or now_ms) - HSS_EVENT_MAX_AGE_MS
    if begin < oldest:  # fetching was off longer: told once, as begin moves on
        note(f'The last fetch stopped at {utc_text(begin / 1000)}, and HSS lists no event older than '
             f'{HSS_EVENT_MAX_AGE_DAYS} days: the events from then until {utc_text(oldest / 1000)} are not fetched.')
    return max(begin, oldest), last_fetch


def next_last_run(seen: set[str], times: dict[str, int], begin: int, progress: int, now_ms: int) -> JsonObject:
    """The next last run: where the next fetch begins, and the IDs of the events seen from then on (read again), at
    most HSS_FETCH_SEEN_MAX: past that, the newest (the next fetch begins after the others, ``progress`` at most)."""
    kept = {key: times[key] for key in seen if times.get(key, -1) >= begin - HSS_EVENT_TIME_LEAD_MS}
    if len(kept) > HSS_FETCH_SEEN_MAX:
        after_dropped = sorted(kept.values(), reverse=True)[HSS_FETCH_SEEN_MAX] + 1 + HSS_EVENT_TIME_LEAD_MS
        begin = max(begin, min(after_dropped, progress))
        kept = {key: moment for key, moment in kept.items() if moment >= begin - HSS_EVENT_TIME_LEAD_MS}
    return {'last_fetch': begin, 'seen_ids': sorted(kept),
            'seen_until': max(begin, min(max(kept.values(), default=begin), now_ms))}


def read_event_windows(client: HssClient, max_fetch: int, begin: int, seen: set[str], now_ms: int,
                       scrub: Callable[[str], str], first_end: int, note: TextListener
                       ) -> tuple[list[tuple[str, Any]], dict[str, int], int, int, int | None]:
    """The events to make incidents of, oldest first (at most max_fetch, none in ``seen``, which learns them), each
    one's time, how far every event is taken or seen, how far HSS was listed, and where the next fetch's first window
    ends (None: two days on), from security_events_window's windows from ``begin`` (the first to ``first_end``) up to
    now; past HSS_FETCH_REQUESTS requests, or at a window that fails (``note`` is told), the fetch stops there."""
    times, taken, requests, first_window = {}, [], client.event_requests, begin
    while True:
        asked = min(first_end if begin == first_window else begin + HSS_EVENT_WINDOW_MS, now_ms)
        try:
            events, end = client.security_events_window(begin, asked)
        except RestoreError as error:
            # The run's time (or HSS) gave out within a window: the next fetch goes on from it, its first window the
            # first half of the narrowest span HSS listed (1 ms at least); read whole, one slower than a run stops all
            listed = client.first_pages.get(begin)
            narrowed = None if listed is None else begin + max(1, (listed - begin) // 2)
            if begin == first_window and (narrowed is None or narrowed >= asked):
                raise  # nothing read or narrowed: the fetch fails, and XSOAR shows why
            note(f'fetch-incidents stopped at the HSS events from {utc_text(begin / 1000)} on and made {len(taken)} '
                 f'{plural("incident", len(taken))}; the next fetch goes on from there. {error}')
            # HSS was listed up to begin by the windows before (a window's end is listed with it); none: not even begin
            return taken, times, begin, begin if begin > first_window else begin - 1, narrowed
        fresh = {}
        for event in (event for event in events if isinstance(event, dict)):
            key, occurred = event_key(event, scrub), occur_time_ms(event, end)
            # HSS lists an event by a time of its own in the window, at the latest its end: kept seen until then, it is
            # never fetched again (at the window's start, a next fetch a second later would take it anew); one handled
            # meanwhile too, as an operator may undo its handling (ChangeEvent's unhandle, do_not_ignore)
            times[key] = occurred if begin - HSS_EVENT_TIME_LEAD_MS <= occurred <= end else end
            if key not in seen and (event.get('handle_status') != 'handled'
                                    or event.get('handle_method') == 'isolate_and_kill'):
                fresh.setdefault(key, event)
        # oldest first: those listed past the window's end (HSS may round it up) are dated at it, yet occurred after
        ordered = sorted(fresh, key=lambda key: (times[key], occur_time_ms(fresh[key], end), key))
        room = max_fetch - len(taken)
        taken += [(key, fresh[key]) for key in ordered[:room]]
        seen.update(ordered[:room])
        if len(ordered) > room:  # the cap was reached inside this window: the next fetch goes on from here
            # unless an event left for it gives no occur_time in this window (none, or one outside it): HSS may have
            # listed it by any time in the window; its first window ends where this one did, not narrowed again
            undated = any(not begin <= occur_time_ms(fresh[key], -1) <= end for key in ordered[room:])
            return taken, times, begin if undated else times[taken[-1][0]], end, end if end < now_ms else None
        if end >= now_ms or len(taken) >= max_fetch or client.event_requests - requests >= HSS_FETCH_REQUESTS:
            return taken, times, end, end, None
        begin = end


def event_key(event: JsonObject, scrub: Callable[[str], str]) -> str:
    """An event's identity across fetches: its event_id (a digest of the ID when ``scrub`` finds a secret in it: the
    last run is stored as it is, and the ID still tells the event again). An event without one is told by what does
    not change once it occurred (not handle_status or handle_time, which handling moves, nor event_count: a repeat)."""
    event_id = event.get('event_id')
    if isinstance(event_id, str) and (text := event_id.strip()):
        if scrub(text) == text:
            return text
    else:
        text = json.dumps({name: event.get(name) for name in HSS_EVENT_IDENTITY_FIELDS}, sort_keys=True)
    return 'sha256:' + hashlib.sha256(text.encode()).hexdigest()


def occur_time_ms(event: JsonObject, default: int) -> int:
    """The event's occur_time (ms), ``default`` when it gives none a date can say (HSS's model allows 2**63 - 1)."""
    occurred = whole_number(event.get('occur_time'), default)
    return occurred if EPOCH_MS_MIN <= occurred <= EPOCH_MS_MAX else default


def hss_event_incident(event: JsonObject, occurred_ms: int) -> JsonObject:
    """One incident per HSS event; the event is its rawJSON, which the pack's mapper reads."""
    # Every name is optional in HSS's model: one not given is no name, never the text 'None'. A field of another shape
    # is read as not given (rawJSON too): the event is listed again at every fetch, and must not stop each one.
    raw = {name: value for name, value in event.items() if isinstance(value, str) or name not in HSS_EVENT_MAPPED_TEXTS}
    items = event.get('file_info_list') or event.get('process_info_list')  # none listed: a running program's alarm
    names = [first_text(item, 'file_alias', 'file_path', 'process_filename', 'process_path') for item in
             (items if isinstance(items, list) else []) if isinstance(item, dict)]
    subject = ', '.join(filter(None, names))
    host = first_text(event, 'host_name', 'host_id') or 'an unnamed host'
    name = f'HSS {first_text(event, "event_name") or "security event"} on {host}'
    # timedelta is exact (ms / 1000 as a float is a millisecond off in some years); isoformat writes a four-digit year
    # (strftime's %Y writes 999 on Linux) and truncates to ms; [:23] drops its '+00:00' for the 'Z'. dbotMirrorId: HSS's
    # event ID, the fetch's Source IDs in XSOAR's Fetch History (content-docs fetching-incidents.md); none: left out.
    mirror_id = first_text(event, 'event_id')
    return {'name': short_text(f'{name}: {subject}' if subject else name),
            'occurred': (EPOCH + timedelta(milliseconds=occurred_ms)).isoformat(timespec='milliseconds')[:23] + 'Z',
            'severity': HSS_SEVERITY_TO_XSOAR.get(first_text(event, 'severity'), 0),
            'details': first_text(event, 'description'), 'rawJSON': json.dumps(raw),
            **({'dbotMirrorId': mirror_id} if mirror_id else {})}


def last_run_values(stored: Any) -> JsonObject:
    """The last run's values read back from JSON text; any other stays as it is (fetch_hss_incidents: not kept)."""
    return {key: json_value(value) for key, value in (stored.items() if isinstance(stored, dict) else ())}


''' DISPATCH '''


COMMANDS = {'restore-file': ('xdr', restore_file_command),
            'hss-restore-isolated': ('hss', hss_restore_isolated_command)}


def settings_for(command: str, params: JsonObject) -> InstanceSettings:
    """What ``command`` reads of the instance (test-module: every vendor in use, and the fetch settings if fetching)."""
    if command in COMMANDS:
        return read_instance_settings(params, (COMMANDS[command][0],))
    if command not in ('test-module', 'fetch-incidents'):
        raise RestoreError(f'Command {command} is not implemented by this integration.')
    fetching = command == 'fetch-incidents'  # its errors speak to a fetch, else to a Test
    settings = read_instance_settings(params, ('hss',) if fetching else None, with_fetch=fetching or None)
    return settings._replace(transport=settings.transport._replace(caller='fetch' if fetching else 'Test'))


def build_client(kind: str, settings: InstanceSettings, kept: Any = None, progress: TextListener | None = None,
                 scrubber: 'SecretScrubber | None' = None) -> XdrClient | HssClient:
    """The client of one vendor (HSS's with the token, waits ``kept``); ``scrubber`` learns its tokens, signatures."""
    if kind == 'xdr':
        return XdrClient(settings.xdr, settings.transport, progress=progress,
                         on_signature=scrubber and scrubber.add_signature)
    hss = HssClient(settings.hss, settings.transport, json_object((kept or {}).get(TOKEN_CACHE_KEY)), progress=progress,
                    on_secret=scrubber and scrubber.add, on_signature=scrubber and scrubber.add_logged_signature,
                    event_types=settings.fetch.event_types if settings.fetch else ())
    for key, limiter, scope in kept_waits(hss):
        limiter.pause(kept_wait_ms(kept, key, scope) / 1000)
    return hss


def kept_waits(hss: HssClient) -> list[tuple[str, AdaptiveRateLimiter, str]]:
    """The waits kept across runs, each its context key, limiter and scope: HSS's, and in token mode IAM's."""
    iam = hss.token_provider  # IAM's wait holds back the token requests of one identity (its IAM endpoint included)
    return [(HSS_PAUSE_KEY, hss.limiter, hss.limit_scope)] + (
        [(IAM_PAUSE_KEY, iam.transport.limiter, iam.identity)] if iam else [])


def kept_wait_ms(kept: Any, key: str, scope: str) -> int:
    """Ms left of the wait kept under ``key``: none past, unreadable, over a day, or kept while this clock was ahead."""
    wait = json_object((kept or {}).get(key)) or {}
    wait = wait if wait.get('scope', scope) == scope else {}  # for another URL, project or identity (none: older)
    kept_at, until, now = whole_number(wait.get('kept_at'), 0), whole_number(wait.get('until'), 0), epoch_ms()
    return until - now if kept_at <= now < until <= kept_at + CLOCK_STEP_MAX_MS else 0


''' MAIN '''


def read_integration_context(runtime: Any) -> JsonObject:
    """The integration context straight from XSOAR's database: a read without refresh (the plain one) may be served
    from the instance's memory (demistomock.py), which may not yet hold a token or wait another run kept; CSP's
    get_integration_context reads with refresh too."""
    return dict((runtime.getIntegrationContextVersioned(True) or {}).get('context') or {})


def keep_integration_context(runtime: Any, clients: dict[str, XdrClient | HssClient], kept: JsonObject,
                             scrubber: SecretScrubber, iam_identity: str | None) -> None:
    """Keeps the IAM token (IAM's refusal scrubbed) and the waits; drops a token of another identity, of no use."""
    def foreign(held: JsonObject | None) -> bool:  # a token of another identity (iam_identity None: any token)
        return bool(held and 'token' in held and held.get('identity') != iam_identity)
    hss, stored = clients.get('hss'), json_object(kept.get(TOKEN_CACHE_KEY))
    entry = hss.cache_entry() if hss else stored
    entry = None if foreign(entry) else entry
    waits = [(key, math.ceil(limiter.paused_for() * 1000), kept_wait_ms(kept, key, scope), scope)
             for key, limiter, scope in (kept_waits(hss) if hss else ())]  # each wait, and the one the context had
    if entry == stored and not any(wait > had + 1000 or key in kept and not had for key, wait, had, _ in waits):
        return  # written only for a change: a new token, a longer wait, a kept one void
    for _ in range(CONTEXT_WRITE_TRIES):  # this run's part only, applied to the context as it is at each try
        read = runtime.getIntegrationContextVersioned(True) or {}  # read and written by version (XSOAR 6.0 on)
        state = dict(read.get('context') or {})
        held = json_object(state.get(TOKEN_CACHE_KEY))  # changed by another run since this one read it: that stays
        if entry != stored and (held == stored or not entry and foreign(held)):
            state[TOKEN_CACHE_KEY] = json.dumps(entry if 'token' in entry else scrubber.value(entry)) if entry else None
        for key, wait, _, scope in waits:  # each its wait, or a later one kept meanwhile; none once passed
            now, left = epoch_ms(), max(wait, kept_wait_ms(state, key, scope))  # (no HSS client: the ones kept stay)
            state[key] = json.dumps({'kept_at': now, 'until': now + left, 'scope': scope}) if left else None
        state = {key: value for key, value in state.items() if value is not None}
        with suppress(ValueError):  # XSOAR refuses a version another run's write made old (its channel: ValueError)
            return runtime.setIntegrationContextVersioned(state, read.get('version', -1), True)
    raise RuntimeError('Another run of the instance wrote its integration context before each write of this one.')


def keep_context_or_say_why(runtime: Any, command: str, clients: dict[str, XdrClient | HssClient],
                            kept: JsonObject, scrubber: SecretScrubber, iam_identity: str | None) -> None:
    """keep_integration_context, or a debug line saying what was not kept: a token not cached is fetched again next
    time, a wait met again. What XSOAR and other runs may do: its channel refuse a read or write (ValueError, as its
    server's error comes; OSError), another run write before each write of this one (RuntimeError), the context hold
    JSON nested past what Python reads (RecursionError). Any other exception is a fault in the integration: an entry."""
    try:
        keep_integration_context(runtime, clients, kept, scrubber, iam_identity)
    except (RuntimeError, ValueError, OSError):  # RecursionError is a RuntimeError
        runtime.debug('The IAM token could not be kept in the integration context (nor the waits); the next run '
                      'fetches one.' if iam_identity else 'HSS\'s wait could not be kept in the integration '
                      'context (nor a token of no use dropped); the next run may meet the wait again.')
    except Exception as error:  # noqa: BLE001 - main's: every failure becomes an entry (or a fetch error)
        report_failure(runtime, command, error, {}, scrubber)


def run_command(runtime: Any, command: str, settings: InstanceSettings, kept: Any, scrubber: SecretScrubber,
                clients: dict[str, XdrClient | HssClient]) -> None:
    """Runs one command and hands its result to XSOAR; ``clients`` receives the clients it built."""
    if command == 'test-module':  # every vendor's client, none with a cached IAM token (it has no integration context)
        clients.update({kind: build_client(kind, settings, scrubber=scrubber) for kind in settings.in_use})
        runtime.results(test_module(clients, settings.fetch))
    elif command == 'fetch-incidents':  # the last run in, incidents and the next last run out
        clients['hss'] = hss = build_client('hss', settings, kept, scrubber=scrubber)
        incidents, next_run = scrubber.value(fetch_hss_incidents(  # XSOAR shows both: nothing secret goes there
            hss, settings.fetch, last_run_values(runtime.getLastRun()), epoch_ms(), scrubber.text,
            lambda text: runtime.info(scrubber.text(text))))
        runtime.incidents(incidents)
        runtime.setLastRun({key: json.dumps(value) for key, value in next_run.items()})  # XSOAR keeps text values
    else:
        kind, command_function = COMMANDS[command]
        clients[kind] = build_client(kind, settings, kept, scrubber=scrubber, progress=lambda text: runtime.info(
            scrubber.text(f'[progress] {text}')))  # XSOAR's polling entries show progress; this: war room, engines
        args = {name: value for name, value in (runtime.args() or {}).items() if name not in XSOAR_BUILTIN_ARGUMENTS}
        limit = arg_to_int((runtime.args() or {}).get('execution-timeout'), 'execution-timeout', 1)
        if limit and limit < XSOAR_COMMAND_TIMEOUT_SECONDS:  # XSOAR stops the run then, and what it returns is lost
            clients[kind].transport.end_run_within(limit, f'XSOAR stops it after its execution-timeout, {limit} s')
        # HSS: a check (restore_state); restore-file: a start (no action_id), or a check with late sends (unsent)
        reads_context = not none_or_blank_text(args.get('restore_state')) if kind == 'hss' else not (
            none_or_blank_text(args.get('unsent')) and args.get('action_id'))
        context = None  # the incident's context, for HSS's checks (copies not listed), restore-file's late files
        with suppress(Exception):  # a server or stand-in without it: nothing is known of other runs
            context = runtime.context() if reads_context else None
        entry = command_function(clients[kind], args, context).to_entry()
        if not settings.transport.verify:  # a command's entry ends with a warning while verification is off
            entry['HumanReadable'] = (f'{entry.get("HumanReadable") or ""}\n\n**Warning:** TLS certificate '
                                      'verification is off for this instance ("Trust any certificate" is checked): use '
                                      'it only against a test server.').lstrip()
        runtime.results(scrubber.entry(entry))


def report_failure(runtime: Any, command: str, error: Exception, clients: dict[str, XdrClient | HssClient],
                   scrubber: SecretScrubber) -> None:
    """``error`` as XSOAR shows a command's failure, scrubbed: an error entry, or FetchFailed raised for a fetch.
    Called while it is handled: one not a RestoreError is a fault in the integration, its traceback logged."""
    outputs = None  # the error entry's: a RestoreError's
    if isinstance(error, RestoreError):  # a vendor's Retry-After still running: when to try again, not "later"
        for client in clients.values():  # what its advice's "later" is
            error = told_when(error, client)
        message, outputs = f'Failed to execute {command} command.\nError: {error}', error.outputs
    else:
        runtime.debug(scrubber.text(traceback.format_exc()))
        message = (f'Failed to execute {command} command because of an unexpected {type(error).__name__}: '
                   f'{error}. This is a fault in the integration; the debug log holds the traceback.')
    message = scrubber.text(message)
    if command == 'fetch-incidents':  # XSOAR shows a fetch's failure on the instance, from the exception
        raise FetchFailed(message) from None
    runtime.results({'Type': 4, 'ContentsFormat': 'text', 'Contents': message,  # 4: EntryType.ERROR
                     **({'EntryContext': scrubber.value(outputs)} if outputs else {})})


def main(demisto_obj: Any = None) -> None:
    """The only function that calls ``demisto`` (XSOAR's global, or the war room's), from the calling thread alone."""
    runtime = demisto_obj or globals()['demisto']
    params, command = runtime.params() or {}, runtime.command()
    if masker := debug_log_masker(globals()):  # CSP's debug log calls demisto.info from each request's thread
        runtime.enable_multithreading()  # XSOAR's demisto then locks its channel for each call
    scrubber = SecretScrubber(setting_secrets(params), masker)
    clients, kept, iam_identity = {}, {}, None
    caching = command != 'test-module'  # test-module: no integration context
    try:
        settings = settings_for(command, params)
        for secret in proxy_secrets(settings.transport):
            scrubber.add(secret)
        if caching:  # the cached IAM token and the waits (text: XSOAR keeps text only), read by every command
            kept, iam_identity = read_integration_context(runtime), settings.iam_identity
        run_command(runtime, command, settings, kept, scrubber, clients)
    except Exception as error:  # noqa: BLE001 - every failure becomes an entry (or a fetch error), never a crash
        report_failure(runtime, command, error, clients if caching else {}, scrubber)  # test_module's: told
    finally:
        if caching:
            keep_context_or_say_why(runtime, command, clients, kept, scrubber, iam_identity)


if __name__ in ('__main__', '__builtin__', 'builtins'):
    main()
