"""A secret holding a letter whose upper, lower or title case is more than one character (ß upper-cases to SS, ŉ to ʼN,
ǰ to J̌, ΐ and ΰ to three characters, ﬃ to FFI; İ lower-cases to i̇), quoted back with its case changed, as is or
escaped, whole or cut short, is masked; the text around it, such letters too, stays as it was. So is a secret holding
a sigma, which a text lowered as a whole writes as ς at a word's end and as σ inside one.

A scrubber that does nothing fails every test here but the one that checks which letters are drawn.
"""
from __future__ import annotations

import json
import secrets
import string
from urllib.parse import quote

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import facts
import restore_integration as ri
from warroom.emulator.httpserver import LoopbackServer, Response
from warroom.runtime import Demisto

# Every letter whose case changes to more than one character, read from Python's Unicode data (about a hundred, all
# below U+10000: Unicode's SpecialCasing.txt, which lists them, holds none past it)
EXPANDING = ''.join(char for char in map(chr, range(0x10000))
                    if max(len(char.upper()), len(char.lower()), len(char.title())) > 1)
ALPHABET = string.ascii_letters + string.digits + '-' + EXPANDING

# How a vendor writes what it quotes back: as is, JSON-escaped (\uXXXX) once or twice, URL-encoded, as HTML references
QUOTINGS = {
    'as is': str,
    'json': lambda text: json.dumps(text)[1:-1],
    'json twice': lambda text: json.dumps(json.dumps(text)[1:-1])[1:-1],
    'url': lambda text: quote(text, safe=''),
    'html': lambda text: ''.join(char if char.isascii() else f'&#{ord(char)};' for char in text),
}

secrets_with_such_a_letter = st.text(ALPHABET, min_size=facts.SCRUBBER_MIN_LENGTH, max_size=16).filter(
    lambda text: any(char in EXPANDING for char in text))


def in_cases(secret, flips):
    """The secret with each letter upper-cased (flip) or lower-cased, each as str does it: ß as SS, İ as i̇."""
    return ''.join(char.upper() if flip else char.lower() for char, flip in zip(secret, flips))


def test_the_letters_drawn_hold_each_kind_of_expansion():
    assert {'\u00df', '\u0130', '\u0149', '\u01f0', '\u0390', '\u03b0', '\ufb03'} <= set(EXPANDING)
    assert len('\u00df'.upper()) == 2 and len('\u0130'.lower()) == 2 and len('\u0390'.upper()) == 3


@settings(max_examples=30)  # a secret of such letters compiles to a long pattern
@given(secret=secrets_with_such_a_letter, flips=st.lists(st.booleans(), min_size=24, max_size=24),
       quoting=st.sampled_from(sorted(QUOTINGS)))
@example(secret='Passwort-stra\u00dfe-2024', flips=[True] * 24, quoting='as is')  # PASSWORT-STRASSE-2024
@example(secret='abc\u0130defg', flips=[False] * 24, quoting='json')  # abci\u0307defg
def test_a_secret_holding_a_letter_whose_case_is_longer_is_masked_in_any_mix_of_cases(secret, flips, quoting):
    changed = in_cases(secret, flips)
    text = f'vendor said: "{QUOTINGS[quoting](changed)}" (echoed)'

    assert ri.SecretScrubber([secret]).text(text) == f'vendor said: "{facts.SCRUBBER_MASK}" (echoed)'


@settings(max_examples=30)  # a secret of such letters compiles to a long pattern
@given(secret=secrets_with_such_a_letter, before=st.lists(st.sampled_from(EXPANDING), max_size=8),
       change=st.sampled_from(['upper', 'lower']), quoting=st.sampled_from(sorted(QUOTINGS)))
@example(secret='Passwort-stra\u00dfe-2024', before=['\u0130', '\u00df', '\u0390'], change='upper', quoting='as is')
@example(secret='Passwort-stra\u00dfe-2024', before=['\u0130', '\u0130'], change='lower', quoting='json')
def test_a_text_changed_in_case_as_a_whole_loses_the_secret_and_keeps_its_other_letters_in_place(secret, before,
                                                                                                 change, quoting):
    # The whole text upper- or lower-cased, such letters before the secret (and after it) too: the text grows
    # or shrinks before the secret, which is masked where it stands in the text as it came
    case = getattr(str, change)
    head, tail = case(f'{",".join(before)} said: "'), case('" (echoed: \u0130, \u00df, \u0390)')
    text = head + QUOTINGS[quoting](case(secret)) + tail

    assert ri.SecretScrubber([secret]).text(text) == head + facts.SCRUBBER_MASK + tail


@settings(max_examples=30)  # a secret of such letters compiles to a long pattern
@given(secret=st.text(ALPHABET, min_size=facts.SCRUBBER_MIN_LENGTH + 1, max_size=16).filter(
           lambda text: any(char in EXPANDING for char in text)),
       flips=st.lists(st.booleans(), min_size=24, max_size=24), quoting=st.sampled_from(sorted(QUOTINGS)),
       cut=st.integers(0, 24 * 30))
@example(secret='Passwort-stra\u00dfe-2024', flips=[True] * 24, quoting='as is', cut=14)  # PASSWORT-STRAS...
@example(secret='abcd\u0390efg', flips=[True] * 24, quoting='json', cut=16)  # ABCD\u0399\u0308...
def test_a_secret_holding_a_letter_whose_case_is_longer_loses_its_head_when_cut_inside_what_that_letter_became(
        secret, flips, quoting, cut):
    # short_text and printable end a text they cut with '...': the cut may fall between the characters one letter of
    # the secret became, or inside the escape of one of them; at least the secret's first characters stand before it
    changed, spell = in_cases(secret, flips), QUOTINGS[quoting]
    quoted = spell(changed)
    cut = min(max(cut, len(spell(changed[:facts.SCRUBBER_MIN_LENGTH]))), len(quoted) - 1)

    assert ri.SecretScrubber([secret]).text(f'said: {quoted[:cut]}...') == f'said: {facts.SCRUBBER_MASK}...'


HEAD, TAIL = secrets.token_hex(4), secrets.token_hex(4)
IAM_PASSWORD = f'{HEAD}-Stra\u00dfe-\u0149-\u01f0-\u0390-\u0130-{TAIL}'


def upper_cased(quoting):
    """An IAM gateway refusing the login in its own JSON, which quotes the password it received upper-cased."""
    quoted = []

    def gateway(request):
        password = json.loads(request.body)['auth']['identity']['password']['user']['password'].upper()
        body = json.dumps({'message': 'login refused', 'password': quoting(password)})
        quoted.append(body)
        return Response(401, body.encode(), {'Content-Type': 'application/json'})

    return gateway, quoted


@pytest.mark.parametrize('quoting', ['as is', 'json', 'url'])
def test_an_iam_password_quoted_back_upper_cased_leaves_no_trace(quoting):
    gateway, quoted = upper_cased(QUOTINGS[quoting])
    server = LoopbackServer(gateway).start()
    try:
        demisto = Demisto({'max_retries': '0', 'retry_backoff': '0', 'hss_endpoint': server.url,
                           'hss_iam_endpoint': server.url, 'hss_project_id': 'p' * 32, 'hss_auth_type': 'token',
                           'hss_domain': 'acme', 'hss_credentials': {'identifier': 'user', 'password': IAM_PASSWORD}},
                          'hss-restore-isolated', {'file_hash': 'b' * 64}, {}, [])
        ri.main(demisto)
    finally:
        server.stop()
    shown = json.dumps(demisto.entries, ensure_ascii=False) + json.dumps(demisto.log, ensure_ascii=False)

    assert 'login refused' in shown  # the gateway's words came through
    assert quoted and all(HEAD.upper() in body and TAIL.upper() in body for body in quoted)  # the password was quoted
    assert HEAD not in shown.lower() and TAIL not in shown.lower()
    assert 'STRASSE' not in shown.upper()


# str.lower writes a capital sigma that ends a word as the final sigma ς, and one inside a word as σ: a secret's sigma,
# of either form, may stand in a text lowered as either
SIGMAS = string.ascii_letters + string.digits + '-\u03a3\u03c3\u03c2'


@settings(max_examples=50)
@given(secret=st.text(SIGMAS, min_size=facts.SCRUBBER_MIN_LENGTH, max_size=12).filter(
           lambda text: any(char in '\u03a3\u03c3\u03c2' for char in text)),
       flips=st.lists(st.booleans(), min_size=12, max_size=12), change=st.sampled_from(['mixed', 'upper', 'lower']),
       quoting=st.sampled_from(sorted(QUOTINGS)))
@example(secret='abcd\u03a3', flips=[False] * 12, change='mixed', quoting='as is')  # abcdΣ quoted as it is
@example(secret='k\u03c9d\u03b9\u03ba\u03bf\u03c3-2024', flips=[True] * 12, change='upper', quoting='as is')
def test_a_secret_holding_a_sigma_is_masked_at_a_word_s_end_or_inside_it_in_any_case(secret, flips, change, quoting):
    changed = {'mixed': in_cases(secret, flips), 'upper': secret.upper(), 'lower': secret.lower()}[change]
    text = f'vendor said: "{QUOTINGS[quoting](changed)}" (echoed)'

    assert ri.SecretScrubber([secret]).text(text) == f'vendor said: "{facts.SCRUBBER_MASK}" (echoed)'


# The Kelvin sign (U+212A) lowers to an ASCII k, which its escapes (\u212a, %E2%84%AA, &#8490;) do not hold
@pytest.mark.parametrize('quoting', ['json', 'json twice', 'url', 'html'])
def test_a_secret_holding_the_kelvin_sign_is_masked_escaped(quoting):
    secret = f'\u212a{HEAD}elvin-{TAIL}'
    text = f'vendor said: "{QUOTINGS[quoting](secret)}" (echoed)'
    assert HEAD in text

    assert ri.SecretScrubber([secret]).text(text) == f'vendor said: "{facts.SCRUBBER_MASK}" (echoed)'


# The Greek letters with an iota subscript (or a prosgegrammeni): ᾀ upper-cases to two letters (ἈΙ), lowered again ἀι,
# and title-cases to one (ᾈ); a secret of them is sought in each of those forms, every letter in each spelling
IOTA_SUBSCRIPTED = [chr(code) for code in [*range(0x1F80, 0x1FB0), 0x1FB3, 0x1FBC, 0x1FC3, 0x1FCC, 0x1FF3, 0x1FFC]]


@pytest.mark.parametrize('quoting', sorted(QUOTINGS))
def test_a_secret_of_letters_with_an_iota_subscript_is_masked_in_each_of_their_case_forms(quoting):
    for letter in IOTA_SUBSCRIPTED:
        secret = f'{HEAD}{letter}{letter}{letter}'
        scrubber = ri.SecretScrubber([secret])
        for first, later in [(str.lower, str.upper), (str.upper, str.title), (str.title, str.lower),
                             (lambda text: text.upper().lower(), str.upper)]:
            text = f'vendor said: "{QUOTINGS[quoting](HEAD + first(letter) + later(letter) + first(letter))}" (echoed)'

            assert scrubber.text(text) == f'vendor said: "{facts.SCRUBBER_MASK}" (echoed)', (letter, text)
