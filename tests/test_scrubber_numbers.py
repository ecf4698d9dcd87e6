"""A secret of digits alone (a proxy password, a key) that a vendor quotes back as a JSON number: the entry holds a
number, not text, and it must not show the secret there either (in Contents or in the context, as in the readable
text)."""
from __future__ import annotations

import json
import secrets

from hypothesis import given, settings
from hypothesis import strategies as st

import facts
import restore_integration as ri
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

# Random digits, no leading zero (a JSON number has none); at most 15, which a float64 (XSOAR's numbers) holds exactly
DIGITS = str(secrets.choice(range(1, 10))) + ''.join(secrets.choice('0123456789') for _ in range(14))


class NumberEcho:
    """Answers Restore File with the Authorization header it received as a JSON number, in the field ``field``."""

    def __init__(self):
        self.field, self.quoted = 'action_id', []
        self.server = LoopbackServer(self._app).start()

    def _app(self, request):
        number = int(request.headers['Authorization'])
        self.quoted.append(number)
        reply = {'action_id': 1001, 'endpoints_count': 1, self.field: number}
        return Response(200, json.dumps({'reply': reply}).encode(), {'Content-Type': 'application/json'})


ECHO = NumberEcho()  # one server for every example


@settings(max_examples=20, deadline=None)
@given(length=st.integers(8, len(DIGITS)), field=st.sampled_from(['action_id', 'endpoints_count']))
def test_a_key_of_digits_quoted_back_as_a_json_number_is_not_shown_in_the_entry_or_the_context(length, field):
    key = DIGITS[:length]
    ECHO.field, ECHO.quoted = field, []
    params = {'xdr_url': ECHO.server.url, 'xdr_api_key_id': '7', 'xdr_api_key': {'password': key},
              'xdr_auth_type': 'standard', 'max_retries': '0'}
    demisto = Demisto(params, 'restore-file', {'file_hash': 'a' * 64, 'polling': 'false'}, {}, [])

    ri.main(demisto)

    assert ECHO.quoted == [int(key)]  # the vendor did quote it back, as a number
    [entry] = demisto.entries
    assert entry['Type'] == 1 and 'aaaaaaaa' in entry['HumanReadable']  # the restore was read, not refused
    assert key not in json.dumps(entry)  # its Contents and EntryContext too


@given(secret=st.text('0123456789', min_size=4, max_size=7).filter(lambda text: not text.startswith('0')),
       before=st.integers(1, 10 ** 6), after=st.integers(0, 999))
def test_a_number_that_only_holds_a_short_secret_s_digits_stays_the_number_the_next_run_reads(secret, before, after):
    # A time in milliseconds (a fetch's last run, a polling start) holds a 4-digit proxy password's digits now and then:
    # masked, the next run could not read it. The vendor's quote of the secret is the number itself.
    scrubber = ri.SecretScrubber([secret])
    holding = int(f'{before}{secret}{after}')

    assert scrubber.value({'last_fetch': holding, 'echo': int(secret)}) == {'last_fetch': holding,
                                                                            'echo': facts.SCRUBBER_MASK}


@given(whole=st.integers(1, 99_999), fraction=st.integers(1, 999_999).filter(lambda n: n % 10))
def test_a_secret_that_reads_as_a_json_number_with_a_fraction_is_masked_where_it_is_quoted_as_one(whole, fraction):
    # A password such as 2024.0612 (Huawei's policy takes digits and '.'), quoted back as the JSON number it reads as
    secret = f'{whole}.{fraction:06d}'.rstrip('0')
    quoted = json.loads(f'{{"reply": {{"action_id": 7, "err_extra": {secret}}}}}')

    shown = ri.SecretScrubber([secret]).entry({'Type': 1, 'Contents': quoted})

    assert json.dumps(shown).count(secret) == 0 and shown['Contents']['reply']['action_id'] == 7
