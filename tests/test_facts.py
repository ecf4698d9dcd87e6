"""The facts in tests/facts.py are what the documents say: the README, integration.yml and test_data's files.

The tests expect these facts instead of reading the code's constants; this module keeps the facts themselves
from drifting away from the documents they cite. Facts from outside the repository (the vendor pages, XSOAR's
conventions) are cited in facts.py and not checked here.
"""
from __future__ import annotations

import itertools
import json
import re

import pytest
import yaml

import facts
from conftest import ROOT, TEST_DATA

README = ' '.join((ROOT / 'README.md').read_text(encoding='utf-8').split())  # line breaks do not matter
INTEGRATION = yaml.safe_load((ROOT / 'integration.yml').read_text(encoding='utf-8'))
COMMANDS = {command['name']: command for command in INTEGRATION['script']['commands']}


def output(command: str, path: str) -> str:
    [description] = [o['description'] for o in COMMANDS[command]['outputs'] if o['contextPath'] == path]
    return ' '.join(description.split())


def argument(command: str, name: str) -> str:
    [description] = [a['description'] for a in COMMANDS[command]['arguments'] if a['name'] == name]
    return ' '.join(description.split())


def readme_section(title: str) -> str:
    return README.split(f'## {title}', 1)[1].split(' ## ', 1)[0]


# --------------------------------------------------------------------------- Cortex XDR


def test_xdr_endpoint_statuses_are_the_ones_integration_yml_lists():
    listed = re.findall(r'\b[A-Z][A-Z_]{3,}\b', output('restore-file', 'CortexXDR.RestoredFile.endpoints.status'))
    assert listed == [*facts.XDR_RUNNING_STATUSES, *facts.XDR_FINAL_STATUSES]


def test_xdr_final_statuses_are_the_ones_the_readme_names():
    section = readme_section('How `restore-file` behaves')
    [named] = re.findall(r'in a final status \(([^)]*)\)', section)
    assert re.findall(r'`([A-Z_]+)`', named) == list(facts.XDR_FINAL_STATUSES)


def test_xdr_overall_outcomes_and_their_rule_are_integration_yml_s():
    description = output('restore-file', 'CortexXDR.RestoredFile.status')
    assert re.findall(r'\b[A-Z][A-Z_]{3,}\b', description) == list(facts.XDR_OUTCOMES)
    assert 'IN_PROGRESS while any endpoint is still running' in description
    assert 'COMPLETED_SUCCESSFULLY (every endpoint restored)' in description
    assert 'COMPLETED_WITH_FAILURES (some did not)' in description and 'FAILED (none did)' in description
    running, success = facts.XDR_RUNNING_STATUSES[0], facts.XDR_SUCCESS_STATUS
    assert facts.xdr_outcome([success, running]) == 'IN_PROGRESS'
    assert facts.xdr_outcome([success, success]) == 'COMPLETED_SUCCESSFULLY'
    assert facts.xdr_outcome([success, 'FAILED']) == 'COMPLETED_WITH_FAILURES'
    assert facts.xdr_outcome(['FAILED', 'TIMEOUT']) == 'FAILED'
    assert 'other than COMPLETED_SUCCESSFULLY' in output('restore-file', 'CortexXDR.RestoredFile.failed_count')


def test_the_words_of_an_unreadable_status_are_the_readme_s():
    assert f'its `error` saying "{facts.XDR_UNREADABLE_STATUS}"' in readme_section('How `restore-file` behaves')


@pytest.mark.parametrize('status', sorted(facts.XDR_ADVICE_WORDS))
def test_xdr_error_words_are_the_readme_s(status):
    section = readme_section('How `restore-file` behaves')
    [explained] = re.findall(rf'\b{status} \(([^)]*)\)', section.split('**Errors**', 1)[1])
    for word in facts.XDR_ADVICE_WORDS[status]:
        assert word.lower() in explained.lower(), (status, word, explained)


def test_the_xdr_401_body_is_the_recorded_reply():
    assert json.loads((TEST_DATA / 'xdr' / 'replies' / 'error_401.json').read_text()) == facts.XDR_UNAUTHORIZED_BODY


# --------------------------------------------------------------------------- Huawei Cloud HSS


@pytest.mark.parametrize('name', sorted(facts.HSS_FIELD_LIMITS))
def test_hss_field_limits_are_the_ones_integration_yml_and_the_readme_give(name):
    limit = facts.HSS_FIELD_LIMITS[name]
    assert f'1 to {limit} characters' in argument('hss-restore-isolated', name)
    assert f'`{name}` 1-{limit}' in README
    assert f'1-{limit}' in facts.HSS_ADVICE_WORDS[400]


def test_the_default_enterprise_project_s_id_and_name_are_integration_yml_s():
    [setting] = [param for param in INTEGRATION['configuration'] if param['name'] == 'hss_enterprise_project_id']
    project_id, name = facts.HSS_DEFAULT_ENTERPRISE_PROJECT
    assert f'{project_id} for {name}' in ' '.join(setting['additionalinfo'].split())

def test_hss_batch_page_token_and_gateway_facts_are_the_readme_s():
    assert f'at most {facts.HSS_MAX_ITEMS_PER_REQUEST} items go in one PUT' in README
    assert f'paged with `offset`/`limit` {facts.HSS_LIST_PAGE_SIZE}' in README
    assert f'`{facts.HSS_TOKEN_EXPIRED}` again is fetched again' in README
    assert f'`{facts.HSS_THROTTLED}` throttled' in README
    minutes = facts.TOKEN_REFRESH_MARGIN_SECONDS // 60
    assert f'reused by later commands until {minutes} minutes before it expires' in README


def test_the_gateway_s_authentication_refusal_is_the_readme_s_and_the_recorded_reply_s():
    code, message = facts.HSS_GATEWAY_AUTH_FAILED
    assert f'`{code}` bad token or signature' in README
    recorded = json.loads((TEST_DATA / 'hss' / 'replies' / 'error_apigw_401.json').read_text())
    assert recorded['error_code'] == code and recorded['error_msg'].startswith(f'{message}: ')


def test_how_long_a_refused_secret_key_is_not_sent_again_is_the_readme_s():
    minutes = facts.AKSK_REFUSAL_PAUSE_S // 60
    assert (f'For {minutes} minutes after it, commands and fetches with that access key and secret key fail at once '
            'without sending any') in README
    assert (f"{minutes} minutes, not the lock's {facts.HSS_AK_LOCKOUT_S // 60}: the instance alone then reaches the "
            f'{facts.HSS_AK_LOCKOUT_FAILURES}th refusal in a row an hour after the first') in README
    assert (facts.HSS_AK_LOCKOUT_FAILURES - 1) * facts.AKSK_REFUSAL_PAUSE_S == 3600  # the words' own: an hour


def test_the_rounds_of_a_refused_password_s_mark_are_the_readme_s():
    assert (f'the first byte of a PBKDF2-HMAC-SHA256 of it ({facts.SECRET_MARK_ROUNDS:,} rounds, salted with the '
            'account and user name)') in README


def test_the_refusals_of_a_user_who_may_not_act_and_the_listing_s_last_days_are_the_readme_s():
    (denied, denied_message), (short, short_message) = facts.HSS_PERMISSION_REFUSALS
    assert (f'`{denied}` "{denied_message}" or `{short}` "{short_message}", the codes its API Reference gives for a '
            'user who may not act') in README
    low, high = facts.HSS_LIST_LAST_DAYS_RANGE
    assert f'`last_days` outside {low} to {high} or given with `begin_time` or `end_time`' in README


def test_hss_outcomes_are_integration_yml_s():
    description = output('hss-restore-isolated', 'HuaweiHSS.RestoredFile.outcome')
    assert re.findall(r'\b([a-z_]+) \(', description) == list(facts.HSS_OUTCOMES)


def test_hss_severities_and_fetch_units_are_the_readme_s():
    section = readme_section('Huawei Cloud HSS events as incidents (`fetch-incidents`)')
    security, *graded = facts.HSS_SEVERITY_TO_XSOAR.items()
    pairs = ', '.join(f'{name} {value}' for name, value in graded)
    assert (f"severity from HSS's ({security[0]} {security[1]}, informational; {pairs}; any other 0, unknown)"
            in section)
    assert 'minutes, hours, days, weeks, months (30 days) or years (365 days)' in section
    assert sorted(facts.DURATION_UNITS_MS) == ['day', 'hour', 'minute', 'month', 'week', 'year']
    assert facts.DURATION_UNITS_MS['month'] == 30 * facts.DURATION_UNITS_MS['day']
    assert facts.DURATION_UNITS_MS['year'] == 365 * facts.DURATION_UNITS_MS['day']
    assert 'may reach back 30 days at most, as far back as HSS lists events' in section
    assert 'a unit may be written as its letter, as admins type it (`12h`, `3d`, `2w`): ' + ', '.join(
        f'`{short}` {unit}' for short, unit in facts.FIRST_FETCH_SHORT_UNITS.items()) in section
    assert ' or '.join(f'`{word}`' for word in facts.FIRST_FETCH_DAY_WORDS) + (
        ', 00:00 UTC of that day, as a date alone is') in section
    assert 'one older than 30 days starts the first fetch 30 days back' in section
    assert facts.FIRST_FETCH_MAX_MS == 30 * facts.DURATION_UNITS_MS['day']
    assert facts.FETCH_CLOCK_SET_BACK_MAX_MS == facts.DURATION_UNITS_MS['day']
    assert 'set back between fetches (by up to a day)' in section
    assert 'a last run more than a day ahead of the clock is taken as unreadable, and the first-fetch window' in section


def test_the_hss_event_types_a_fetch_may_pick_are_integration_yml_s_options_the_host_ones():
    [param] = [param for param in INTEGRATION['configuration'] if param['name'] == 'event_types']
    assert tuple(int(option.split()[0]) for option in param['options']) == facts.HSS_HOST_EVENT_TYPES
    assert param['type'] == 16 and 'defaultvalue' not in param  # none picked: every type, as before


def test_how_far_ahead_restore_file_s_polling_start_may_be_is_integration_yml_s():
    assert facts.POLLING_STARTED_AHEAD_MAX_MS == facts.DURATION_UNITS_MS['day']
    assert "ms since the epoch, this machine's clock, at most a day ahead of it" in argument('restore-file',
                                                                                             'polling_started')



def test_the_kinds_of_a_status_read_s_failure_without_an_http_status_are_integration_yml_s():
    said = ' '.join(argument('restore-file', 'unread').split())
    *kinds, latest, older = facts.UNREAD_KINDS_WITHOUT_STATUS
    assert f'its kind: {", ".join(kinds)}, {latest} or (an older version\'s) {older}, and null' in said, said


def test_the_kind_a_tls_failure_while_polling_is_kept_as_is_the_readme_s_and_integration_yml_s():
    assert f'then in a line naming `{facts.TLS_UNREAD_KIND}`, the cause the hidden `unread` argument keeps' in README
    assert facts.TLS_UNREAD_KIND in facts.UNREAD_KINDS_WITHOUT_STATUS


def test_the_cut_of_a_vendor_s_words_is_the_readme_s_for_both_vendors():
    limit = f'{facts.VENDOR_TEXT_LIMIT:,}'
    assert f'are quoted whole up to {limit} characters each and cut there with `...`' in README  # Cortex XDR
    assert f'is quoted whole up to {limit} characters and cut there with `...`' in README  # HSS and IAM

# --------------------------------------------------------------------------- both commands, XSOAR


def test_retry_facts_are_the_readme_s():
    waits = ', '.join(str(wait) for wait in facts.RETRY_WAITS)
    assert (f'sent again after {waits} s (`retry_backoff` {facts.DEFAULT_RETRY_BACKOFF} s, doubling, at most '
            f'{facts.RETRY_WAIT_MAX} s each)') in README
    assert [facts.DEFAULT_RETRY_BACKOFF * 2 ** (n - 1) for n in range(2, 5)] == list(facts.RETRY_WAITS[1:])
    assert f'at most `max_retries` times (default {facts.DEFAULT_MAX_RETRIES})' in README
    assert f'stop at {facts.FAULT_WAIT_BUDGET_SECONDS} s in all' in README
    assert 'a fault: ' + ', '.join(map(str, facts.RETRIED_STATUSES)) in README
    assert (f'a random share (full jitter) of {facts.IAM_THROTTLE_BACKOFF_FIRST_S} s, doubling with each 429 in a row, '
            f'at most {facts.IAM_THROTTLE_BACKOFF_MAX_S} s') in README
    assert set(facts.HUAWEI_RETRIED_STATUSES) - set(facts.RETRIED_STATUSES) == {500} and "Huawei's 500" in README
    assert f'larger than {facts.MAX_REPLY_MB} MB' in README and f'inflated past {facts.MAX_REPLY_MB} MB' in README


def test_the_retries_setting_names_each_status_it_counts():
    # Every status the README's Reliability table retries is counted by max_retries; its setting must name each, or an
    # admin reads a Cortex XDR status read's 500, retried 4 times, as never retried.
    [setting] = [param for param in INTEGRATION['configuration'] if param['name'] == 'max_retries']
    info = ' '.join(setting['additionalinfo'].split())
    assert set(facts.XDR_STATUS_READ_RETRIED_STATUSES) - set(facts.RETRIED_STATUSES) == {500}
    assert ("Cortex XDR's 500 on a status read" in README
            and 'a gateway error (502, 503, 504; for Huawei Cloud also 500, and for a Cortex XDR status read)' in info)
    assert 'or a reply cut short, too large or not JSON' in info and 'or not JSON where JSON is due' in README


def test_the_retries_setting_says_an_hss_restore_whose_answer_was_lost_goes_again_only_with_copies_still_isolated():
    # README, Reliability: an HSS PUT HSS may have carried out (its answer lost, a 500, a gateway's 502 or 504, or a 200
    # from something in front of HSS) is not repeated blind. A setting calling every request safe to repeat tells an
    # admin that raising it repeats restores.
    [setting] = [param for param in INTEGRATION['configuration'] if param['name'] == 'max_retries']
    info = ' '.join(setting['additionalinfo'].split())
    reliability = ' '.join(README.split())
    assert "is not repeated blind" in reliability
    assert "a gateway's `502` or `504`, a `200` from something in front of HSS), or a `500`" in reliability
    assert not re.search(r'\bevery request\b[^.]*\bsafe to repeat', info, re.IGNORECASE), info
    assert 'Huawei Cloud HSS restore' in info and '500, 502 or 504' in info and 'HSS still lists isolated' in info, info


def test_the_retry_backoff_setting_says_the_second_retry_waits_twice_its_value():
    # The setting is urllib3's backoff factor: no wait before the first retry, twice it before the second (1 s with
    # 0.5), doubling after. A description calling it the wait before the second retry promises half the real wait.
    [setting] = [param for param in INTEGRATION['configuration'] if param['name'] == 'retry_backoff']
    info = ' '.join(setting['additionalinfo'].split())
    waits = ', '.join(str(wait) for wait in facts.RETRY_WAITS)
    assert facts.RETRY_WAITS[:2] == (0, 2 * facts.DEFAULT_RETRY_BACKOFF)
    assert f'the first none, the second twice this, doubled for each later one ({waits} s with ' \
           f'{facts.DEFAULT_RETRY_BACKOFF}), at most {facts.RETRY_WAIT_MAX} s each' in info


def test_table_rows_polling_interval_and_insecure_display_are_documented():
    assert f'the rate drops to {facts.THROTTLE_CUT:.0%} of the rate that met the limit' in README
    assert f'Entries show at most {facts.MAX_TABLE_ROWS} table rows' in README
    assert f'({facts.MIN_POLLING_INTERVAL} at least' in argument('restore-file', 'interval_in_seconds')
    [insecure] = [param for param in INTEGRATION['configuration'] if param['name'] == 'insecure']
    assert insecure['display'].startswith(facts.INSECURE_DISPLAY)
    assert f'*{facts.INSECURE_DISPLAY}* (`insecure`)' in README


def test_the_slowest_pace_and_how_long_a_test_waits_for_its_turns_are_the_readme_s():
    assert f'the slowest pace, one about every {facts.SLOWEST_TURN_GAP_S:g} s' in README
    assert f'a 429 that outlasts the {facts.TEST_TURN_WAIT_S} s a Test waits for its turns' in README


@pytest.mark.parametrize('command', ['restore-file', 'hss-restore-isolated'])
def test_the_polling_arguments_bounds_are_documented_where_the_arguments_are(command):
    # integration.yml is the one place that names arguments (the README's tables are made from it): a bound the
    # command enforces and its description leaves out is met only as an error entry.
    assert (f'({facts.MIN_POLLING_INTERVAL} at least, {facts.MAX_POLLING_INTERVAL} at most)'
            in argument(command, 'interval_in_seconds'))
    assert (f'{facts.MIN_POLLING_TIMEOUT} at least, {facts.MAX_POLLING_TIMEOUT} at most (7 days); while polling, at '
            'least interval_in_seconds' in argument(command, 'timeout_in_seconds'))
    assert facts.MAX_POLLING_INTERVAL == 24 * 3600 and facts.MAX_POLLING_TIMEOUT == 7 * 24 * 3600  # the words' own
    least = facts.MIN_POLLING_INTERVAL
    assert (f'{facts.SMALLEST_INTERVAL_TAKEN} to {least - 1} is read as {least}'
            in argument(command, 'interval_in_seconds'))


def test_incident_id_s_bound_is_documented_where_the_argument_is():
    # CortexXDR.RestoredFile.incident_id is a Number: a larger ID would be kept rounded, so the command refuses it.
    bound = facts.CONTEXT_NUMBER_EXACT_BELOW
    assert f'below {bound} (2**53)' in argument('restore-file', 'incident_id')
    assert float(bound - 1) == bound - 1 and float(bound + 1) == bound  # the words' own: exact below it, not past it


def test_how_many_endpoints_an_entry_lists_one_by_one_is_the_readme_s():
    assert f'past {facts.READABLE_DETAIL_MAX} endpoints (or HSS copies) the final entry counts them by status' in README
    assert (f'writes each failure reason once with the endpoints or hosts it applies to ({facts.READABLE_LISTED_MAX}, '
            f'then "and N more")') in README


def test_how_many_hashes_a_check_lists_each_on_its_own_is_the_readme_s():
    assert (f'A check lists each hash on its own (every status) for up to {facts.HSS_CHECK_BY_HASH_MAX} hashes; more '
            'exact items are checked with one listing of the whole project') in ' '.join(README.split())


def test_the_scrubber_s_least_length_is_the_readme_s():
    assert (f'a secret shorter than {facts.SCRUBBER_MIN_LENGTH} characters is not looked for, nor a head of one '
            'shorter than that') in ' '.join(README.split())


def test_what_the_scrubber_writes_in_a_secret_s_place_and_how_a_cut_quote_ends_are_the_readme_s():
    assert f'Each spelling is replaced whole, by `{facts.SCRUBBER_MASK}`' in README
    assert f'cut short where `short_text` or `printable` cut a text (they end it with `{facts.QUOTE_CUT}`)' in README


def test_fault_kinds_are_the_readme_s_fault_table():
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    rows = list(itertools.takewhile(lambda line: line.startswith('|'),
                                    text.split('| fault | what the emulator does |', 1)[1].splitlines()[2:]))
    named = ' '.join(row.split('|')[1] for row in rows)
    listed = set(re.findall(r'`([a-z0-9-]+)`', named)) - {'-html'}
    assert listed - {'skew=S'} == {kind.removesuffix('-html') for kind in facts.FAULT_KINDS}
    assert '`500` `502` `503` `504`, and `-html`' in named and '`expire-token` (HSS)' in named
    hss_only = {kind for row in rows if '(HSS)' in row.split('|')[1]
                for kind in re.findall(r'`([a-z0-9-]+)`', row.split('|')[1])}
    assert set(facts.FAULT_KINDS) - set(facts.XDR_FAULT_KINDS) == hss_only == {'expire-token', '400-apigw', '413-apigw',
                                                                               '500-apigw'}


def test_context_paths_are_integration_yml_s():
    assert {o['contextPath'].rsplit('.', 1)[0] for o in COMMANDS['restore-file']['outputs']} == {
        facts.XDR_CONTEXT_PATH, facts.XDR_CONTEXT_PATH + '.endpoints'}
    assert {o['contextPath'].rsplit('.', 1)[0] for o in COMMANDS['hss-restore-isolated']['outputs']} == {
        facts.HSS_CONTEXT_PATH}


# --------------------------------------------------------------------------- the pack


def test_pack_facts_are_the_readme_s():
    assert f'`OUTDIR/{facts.PACK_ID}/`' in README and f'`OUTDIR/{facts.PACK_ID}.zip`' in README
    assert f'Every item asks for XSOAR {facts.SERVER_MIN_VERSION}, as does the pack.' in README
    assert str(INTEGRATION['fromversion']) == facts.SERVER_MIN_VERSION
    assert f'*{facts.SUMMARY_MANUAL_TITLE}* list' in README and f'`{facts.SUMMARY_CONTEXT_PATH}`' in README


def test_pack_dependencies_and_whether_each_is_mandatory_are_the_readme_s():
    packs = json.loads((TEST_DATA / 'xsoar' / 'dependencies.json').read_text(encoding='utf-8'))['packs']
    assert set(packs) == set(facts.PACK_DEPENDENCIES)
    sentence = README.split('The pack depends on', 1)[1].split('`pack_metadata.json` declares them', 1)[0]
    mandatory, optional = sentence.split('all mandatory, and optionally on', 1)
    for pack_id, is_mandatory in facts.PACK_DEPENDENCIES.items():
        assert f'**{packs[pack_id]["display_name"]}**' in (mandatory if is_mandatory else optional), pack_id


def test_the_longest_follow_line_of_a_last_check_is_the_readme_s():
    assert f'that would run past {facts.FOLLOW_LINE_MAX_CHARS:,} characters, too long to paste' in README


def test_the_run_limit_and_xsoars_execution_timeout_are_the_readme_s():
    assert f"one run waits at most {facts.MAX_RUN_WAIT_SECONDS} s for its turns" in README
    assert f'XSOAR stops a command that runs longer than {facts.XSOAR_COMMAND_TIMEOUT_SECONDS // 60} minutes' in README
    margin = facts.POLLING_TIMEOUT_MARGIN_SECONDS
    assert margin == 2 * facts.XSOAR_COMMAND_TIMEOUT_SECONDS  # a first and a last run, XSOAR's timeout each
    assert (f'`timeout_in_seconds` plus {margin // 60} minutes (room for a first and a last run of '
            f'{facts.XSOAR_COMMAND_TIMEOUT_SECONDS // 60} minutes each') in README
    assert f'`timeout_in_seconds` + {margin}' in README
    assert '`timeout_in_seconds` plus the same margin `hss-restore-isolated` adds' in README
    assert f'(up to {facts.MAX_TIMEOUT_SETTING_SECONDS} s is accepted)' in README


def test_the_default_script_timeout_is_the_readme_s():
    minutes = facts.XSOAR_DEFAULT_SCRIPT_TIMEOUT_SECONDS // 60
    assert f"else the {minutes} minutes CommonServerPython's `content_profiler` assumes" in README
    assert f"CommonServerPython's `content_profiler` takes it as {minutes} minutes when the calling context" in README


def test_the_built_in_arguments_and_the_war_rooms_instance_are_the_readme_s():
    war_room = readme_section('Try it from the war room, locally')
    for name in facts.XSOAR_BUILTIN_ARGUMENTS:
        assert f'`{name}`' in war_room, name
    assert f'"{facts.WAR_ROOM_INSTANCE}"' in war_room


def test_how_far_fetch_incidents_reads_back_and_how_many_ids_it_keeps_are_the_readme_s():
    section = readme_section('Huawei Cloud HSS events as incidents (`fetch-incidents`)')
    minutes = facts.FETCH_READ_AGAIN_MS // facts.DURATION_UNITS_MS['minute']
    assert f'reads the last {minutes} minutes again to catch an event HSS lists late' in section
    assert f'An event listed more than {minutes} minutes after its `occur_time` is not fetched' in section
    assert f'The last run keeps the IDs of at most {facts.FETCH_SEEN_IDS_MAX:,} events' in section
    # and says when it keeps more (test_fetch: a burst of more than that many events in one millisecond)
    assert (f'It keeps more only while more than {facts.FETCH_SEEN_IDS_MAX:,} of the events seen lie at or after '
            f'the second before where a fetch stopped, capped at `max_fetch`') in ' '.join(section.split())


def test_how_much_a_fetch_reads_is_the_readme_s():
    section = readme_section('Huawei Cloud HSS events as incidents (`fetch-incidents`)')
    assert f'asks for {facts.HSS_EVENT_LIMIT_RANGE[1]:,} events a page (the most the API gives)' in section
    assert f'A window is read whole only while its `total_num` fits in {facts.FETCH_WINDOW_PAGES_MAX} pages' in section
    assert 'a backlog, is halved (its end moved back) and listed again' in section
    assert 'a window spans two days less a second' in section
    assert facts.FETCH_WINDOW_SPAN_MAX_MS == 2 * 24 * 3600 * 1000 - 1000  # the words' own
    assert (f'Once a fetch has sent {facts.FETCH_NEW_WINDOW_REQUESTS_MAX} listing requests it starts no new window'
            in section)
    # the bound holds while HSS adds nothing to what it reads (test_fetch: a listing growing meanwhile is read on)
    assert ('So a fetch sends at most 49 listing requests (twice that for a first fetch that reads its window again on '
            "HSS's clock, below), whatever the backlog, as long as the listing does not grow while the fetch reads it"
            ) in section
