"""A war-room table keeps its columns whatever a vendor's text holds: a reason that ends with a backslash (a Windows
folder) does not escape the pipe that closes its cell."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given, settings, strategies as st

import facts
import restore_integration as ri
from commonmark_reading import (MARKDOWN_TEXT, active_text, as_commonmark_reads, atx_heading_content, bare_links,
                                emphasis_pairs, markup_in)
from conftest import lines_read_into_tables, markdown_rows, start_hss_tenant
from test_reply_shapes import room
from warroom.line import CommandLine, parse_line
from warroom.runtime import WarRoom

HASH = 'c' * 64
ENDPOINT = '5a763600a3e44928a94ba84b6088380f'
REASON = 'Could not write the file back to C:\\Users\\Public\\Downloads\\'


def test_a_reason_ending_with_a_backslash_stays_in_its_own_cell(replay_server):
    replay_server.queue(200, {'reply': {'action_id': 7, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'data': {ENDPOINT: 'FAILED'},
                                        'errorReasons': {ENDPOINT: {'errorText': REASON}}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    [row] = markdown_rows(result.entries[-1]['HumanReadable'])
    assert row['endpoint_id'] == ENDPOINT and row['status'] == 'FAILED'
    assert row['error_description'].rstrip() == REASON


# A Windows path's backslash before punctuation (Temp\_MEI..., {GUID}, $Recycle.Bin, ~$report.docx): CommonMark reads
# "\_" as an escaped "_" (spec 2.4), so the cell showed a path Cortex XDR did not name, its backslash gone.
PATH_REASON = ('Failed to restore file to C:\\Users\\k.osei\\AppData\\Local\\Temp\\_MEI81562\\{5D2F0C3B}\\'
               '~$helper.dll: the original path no longer exists on the endpoint')


def test_a_reason_naming_a_windows_path_shows_each_backslash_of_it(replay_server):
    replay_server.queue(200, {'reply': {'action_id': 7, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'data': {ENDPOINT: 'FAILED'},
                                        'errorReasons': {ENDPOINT: {'errorDescription': PATH_REASON}}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    [row] = markdown_rows(result.entries[-1]['HumanReadable'])
    assert as_commonmark_reads(row['error_description'])[1] == PATH_REASON, row


def test_a_start_one_file_past_the_table_cap_lists_its_one_unclear_answer_first_and_says_one_more_row_is_not_shown(
        monkeypatch, replay_server):
    # README, Bulk restores: "at most 200 table rows (failures first) and say how many more the context holds". The
    # last of 201 files is accepted with a status that is neither 1 nor 0 (followed all the same, its record noting
    # what was not read): its row comes first, above the 199 first files; the 200th file's row is the one left out.
    from conftest import FakeClock, integration_on_clock

    integration_on_clock(monkeypatch, FakeClock())  # the pace of 201 requests kept without waiting for it
    hashes = [f'{n:064x}' for n in range(1, facts.MAX_TABLE_ROWS + 2)]
    for action_id in range(1, len(hashes)):
        replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'action_id': len(hashes), 'endpoints_count': 1, 'status': 'queued'}})

    result = room(replay_server).run('restore-file', {'file_hash': ','.join(hashes), 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    text = result.entries[0]['HumanReadable']
    rows = markdown_rows(text)
    assert [row['file_hash'] for row in rows] == [hashes[-1], *hashes[:facts.MAX_TABLE_ROWS - 1]], text[-500:]
    assert '"queued"' in rows[0]['error'] and not any(row['error'] for row in rows[1:]), rows[:2]
    note = f"1 more row is not shown here: CortexXDR.RestoredFile holds this restore's {len(hashes)} rows."
    assert f'\n\n{note}' in text, text[-500:]


def test_a_start_of_several_files_whose_answers_give_no_endpoints_count_has_no_such_column(replay_server):
    # The seed's reply gives endpoints_count, but a reply without it is read (README: "absent"): a column empty in
    # every row is left out, as the error column is when no row has one. The rows still name each file and action.
    replay_server.queue(200, {'reply': {'action_id': 7}})
    replay_server.queue(200, {'reply': {'action_id': 8}})

    result = room(replay_server).run('restore-file', {'file_hash': f'{HASH},{"d" * 64}', 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    rows = markdown_rows(result.entries[0]['HumanReadable'])
    assert [(row['file_hash'], row['action_id']) for row in rows] == [(HASH, '7'), ('d' * 64, '8')], rows
    assert all(set(row) == {'file_hash', 'action_id'} for row in rows), rows


# --------------------------------------------------------------------------- any table the integration writes

# What a vendor's value may hold that its cell must keep: pipes, backslashes (a Windows folder's last one too, or one
# before punctuation, which markdown reads as an escape), backticks, and each of CommonMark's line endings (\n, \r\n, a
# bare \r), which would end the row; a value absent, or a number.
CELL_VALUES = st.none() | st.integers() | st.text(st.sampled_from('ab |\\_{`\r\n'), max_size=8)


def cell_as_read(value) -> str:
    """A value as its cell shows it (GFM's cell, read by as_commonmark_reads): nothing for none, each CommonMark line
    ending a <br>, its ends' blanks trimmed."""
    return '' if value is None else re.sub(r'\r\n|\r|\n', '<br>', str(value)).strip(' \t')


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({'name': CELL_VALUES, 'reason': CELL_VALUES}), min_size=1, max_size=5))
@example(rows=[{'name': 'a\rb', 'reason': 'C:\\Temp\\'}, {'name': None, 'reason': 'x|y\r\nz'}])
@example(rows=[{'name': 'a\\_b\\{c}', 'reason': '\\`x`\\|'}])
def test_every_value_reads_back_in_its_own_cell_of_its_own_row(rows):
    table = ri.markdown_table('Outcome', rows, ['name', 'reason'], 'X.Rows', first=lambda row: False)

    expected = [{name: cell_as_read(row[name]) for name in ('name', 'reason')} for row in rows]
    # A column blank in every row is left out (the analyst reads past it); both are kept when no row fills either.
    filled = [name for name in ('name', 'reason') if any(cells[name] for cells in expected)] or ['name', 'reason']
    shown = [{name: as_commonmark_reads(cell)[1] for name, cell in row.items()} for row in markdown_rows(table)]
    assert shown == [{name: cells[name] for name in filled} for cells in expected]
    assert lines_read_into_tables(table) == []


@settings(max_examples=40, deadline=None)
@given(count=st.integers(1, 1200), failed=st.sets(st.integers(0, 1199)))
@example(count=facts.MAX_TABLE_ROWS, failed={facts.MAX_TABLE_ROWS - 1})
@example(count=facts.MAX_TABLE_ROWS + 1, failed={facts.MAX_TABLE_ROWS})
@example(count=1001, failed=set())
def test_a_table_shows_at_most_its_cap_of_rows_failures_first_and_says_how_many_more_the_context_holds(count, failed):
    # README, Bulk restores: "Entries show at most 200 table rows (failures first) and say how many more the context
    # holds."
    rows = [{'id': str(number), 'outcome': 'failed' if number in failed else 'done'} for number in range(count)]
    table = ri.markdown_table('Outcome', rows, ['id', 'outcome'], 'X.Rows',
                              first=lambda row: row['outcome'] == 'failed')

    shown = [row['id'] for row in markdown_rows(table)]
    cap = facts.MAX_TABLE_ROWS
    if count <= cap:  # every row, in its own order
        assert shown == [row['id'] for row in rows] and table.endswith(f'|{rows[-1]["outcome"]}|'), table[-300:]
    else:  # the failures first, then the rest, each in its own order
        ordered = [row['id'] for row in rows if row['outcome'] == 'failed'] + \
            [row['id'] for row in rows if row['outcome'] != 'failed']
        assert shown == ordered[:cap]
        note = table.rsplit('\n\n', 1)[-1]
        assert f'{count - cap:,} more' in note and 'X.Rows' in note and f'{count:,}' in note, note
        assert lines_read_into_tables(table) == []


def test_past_fifty_endpoints_the_grouped_reason_and_the_title_show_each_backslash_of_the_vendor_s_text(replay_server):
    # Grouped past 50 endpoints, the vendor's reason is a list item, not a cell, and the title names its action ID as
    # Cortex XDR gave it: each still shows what Cortex XDR sent, every backslash in it.
    endpoints = [f'{n:032x}' for n in range(1, 53)]
    action_id = 'grp\\_7'
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': len(endpoints)}})
    replay_server.queue(200, {'reply': {'data': dict.fromkeys(endpoints, 'FAILED'),
                                        'errorReasons': {e: {'errorDescription': PATH_REASON} for e in endpoints}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    lines = result.entries[-1]['HumanReadable'].splitlines()
    [title] = [line for line in lines if line.startswith('### ')]
    assert f'action {action_id})' in as_commonmark_reads(title)[1], title
    [reason] = [line for line in lines if line.startswith('- **FAILED')]
    assert as_commonmark_reads(reason)[1].endswith(f': {PATH_REASON}'), reason


def test_a_not_started_line_shows_each_backslash_of_the_reason_cortex_xdr_gave(replay_server):
    # Cortex XDR's message refusing one file (quoted in its Not started line) names a Windows path.
    replay_server.queue(200, {'reply': {'action_id': 7, 'endpoints_count': 1}})
    replay_server.queue(500, {'reply': {'err_code': 500, 'err_msg': PATH_REASON, 'err_extra': None}})

    result = room(replay_server).run('restore-file', {'file_hash': f'{HASH},{"d" * 64}', 'polling': 'false'})

    [line] = [line for line in result.entries[-1]['HumanReadable'].splitlines() if line.startswith('- **Not started')]
    assert PATH_REASON in as_commonmark_reads(line)[1], line


def test_a_check_that_could_not_read_an_action_s_status_notes_cortex_xdr_s_words_as_written(replay_server):
    # Cortex XDR refuses the status read with a message naming a Windows path and markdown's active characters: the
    # check's note on that action (its own paragraph, not a cell) still shows what Cortex XDR wrote, every backslash.
    said = f'{PATH_REASON} (*db* <tmp> [1])'
    replay_server.queue(400, {'reply': {'err_code': 400, 'err_msg': said, 'err_extra': None}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH, 'action_id': '7', 'polling': 'false'})

    [line] = [line for line in result.entries[-1]['HumanReadable'].splitlines() if line.startswith('Action 7 ')]
    assert said in as_commonmark_reads(line)[1], line
    assert markup_in(line) == [] and emphasis_pairs(line) == [], line


# --------------------------------------------------------------------------- markdown's other active characters

# A vendor's text markdown would show other than as written, unescaped: emphasis (a Linux path's or a host's *, _x_; an
# _ inside a word is none), a link or an image, strikethrough (GFM), HTML, a tag-like name, character references (as
# written: &amp; shows as &amp;, not &), a ! before a [ it holds escaped, a block's marker (#, >, -, +, 1.: none starts
# in a cell or an item's text). And GFM's bare links, www. and http://, whose text GitHub's reader takes from the
# source as it stands: a URL holding a character escaped for markdown (&, _, ~, [) showed its backslash.
ACTIVE_TEXTS = ['/srv/*data*/x.sh', '*db*', 'a[1](x).txt', '~~old~~', '<b>x</b>', 'left in <tmp>', '_x_ and x_y_z',
                'AT&amp;T &#42;', '![x](y.png)', '&copy; &#x41; &amp;amp;', '!\\[x]', '# a #', '> b', '- c', '+ d',
                '1. e', 'Download from https://files.corp.example/get?id=7&kind=_raw failed',
                'mirror www.corp.example/[1] is down', '(www.x.example/~a~) http://h/x\\y']


def assert_shows_as_written(markdown: str, text: str) -> None:
    assert as_commonmark_reads(markdown)[1] == text, markdown
    assert markup_in(markdown) == [] and emphasis_pairs(markdown) == [] and bare_links(markdown) == [], markdown


@pytest.mark.parametrize('text', ACTIVE_TEXTS)
def test_a_reason_holding_markdown_s_active_characters_shows_in_its_cell_as_cortex_xdr_wrote_it(replay_server, text):
    replay_server.queue(200, {'reply': {'action_id': 7, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'data': {ENDPOINT: 'FAILED'},
                                        'errorReasons': {ENDPOINT: {'errorDescription': text}}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    [row] = markdown_rows(result.entries[-1]['HumanReadable'])
    assert_shows_as_written(row['error_description'], text)


# Where CommonMark starts a block that can interrupt a paragraph, at most 3 blanks in: an ATX heading (4.2), a setext
# underline (4.3), a thematic break (4.1), a block quote (5.1), a list item (5.2; an ordered one only from 1), a fence
# (4.5), an HTML block (4.6).
BLOCK_START = re.compile(r' {0,3}(#{1,6}(\s|$)|=+\s*$|[-*_](\s*[-*_]){2,}\s*$|>|[-+*]\s+\S|1[.)]\s+\S|```|~~~|<)')


@pytest.mark.parametrize('text', ACTIVE_TEXTS)
def test_past_fifty_endpoints_a_reason_and_endpoint_names_holding_markdown_show_as_written_in_the_grouped_lines(
        replay_server, text):
    # Each endpoint's name starts like a heading: the line listing them (in the reason's list item) must not become one
    endpoints = [f'# {text} {n}' for n in range(1, 53)]
    replay_server.queue(200, {'reply': {'action_id': 7, 'endpoints_count': len(endpoints)}})
    replay_server.queue(200, {'reply': {'data': dict.fromkeys(endpoints, 'FAILED'),
                                        'errorReasons': {e: {'errorDescription': text} for e in endpoints}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    lines = result.entries[-1]['HumanReadable'].splitlines()
    assert lines[0].startswith('### Restore of '), lines[0]
    [at] = [n for n, line in enumerate(lines) if line.startswith('- **FAILED (52)**: ')]
    assert_shows_as_written(lines[at].removeprefix('- **FAILED (52)**: '), text)
    names = lines[at + 1]
    assert not BLOCK_START.match(names[2:]), names  # past the item's own 2 blanks
    shown = as_commonmark_reads(names)[1].strip()
    assert shown.startswith(f'{endpoints[0]}, ') and set(shown.rsplit(' and ', 1)[0].split(', ')) < set(endpoints)
    assert markup_in(names) == [] and emphasis_pairs(names) == [] and bare_links(names) == [], names


def line_texts(text: str) -> list[str]:
    """A value's lines as its markdown shows them: each CommonMark line end a <br>, a last backslash with a blank after
    it (the rule that keeps it from escaping a closing pipe)."""
    lines = re.split(r'\r\n|\r|\n', text)
    return lines[:-1] + [lines[-1] + ' ' if lines[-1].endswith('\\') else lines[-1]]


@settings(max_examples=300, deadline=None)
@given(text=MARKDOWN_TEXT)
@example(text='/srv/*data*/x.sh\n~~old~~ <tmp>\\')
@example(text='a\\\r\n_x_ x_y &amp; a[1](x).txt')
def test_any_text_through_markdown_text_shows_each_of_its_lines_as_written_and_nothing_else(text):
    markdown = ri.markdown_text(text)

    # Its line breaks: each <br> markdown reads as HTML (not escaped), the one markup it holds
    breaks = [match.start() for match in re.finditer('<br>', active_text(markdown))]
    starts, ends = [0] + [at + len('<br>') for at in breaks], breaks + [len(markdown)]
    lines = [markdown[start:end] for start, end in zip(starts, ends)]
    assert [as_commonmark_reads(line)[1] for line in lines] == line_texts(text), markdown
    assert [markup_in(line) for line in lines] == [[]] * len(lines), markdown
    assert emphasis_pairs(markdown) == [] and '|' not in active_text(markdown), markdown


@pytest.mark.parametrize('action_id', ['# 7 #', '7 ##', '1. > - + #x', 'www.x.example/a~b&c_', 'https://x/&amp;\\'])
def test_a_title_naming_the_action_id_cortex_xdr_gave_shows_it_as_written(replay_server, action_id):
    # The title, a heading, names the action ID Cortex XDR gave last, inside parentheses: a closing run of # (which
    # CommonMark drops from a heading) never ends it, and no block starts inside a heading.
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'data': {ENDPOINT: 'FAILED'},
                                        'errorReasons': {ENDPOINT: {'errorDescription': 'no disk'}}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    title = result.entries[-1]['HumanReadable'].splitlines()[0]
    shown = as_commonmark_reads(atx_heading_content(title))[1]
    assert shown.startswith(f'Restore of {HASH}: FAILED (') and shown.endswith(f', action {action_id})'), title
    assert markup_in(title) == [] and emphasis_pairs(title) == [] and bare_links(title) == [], title


# Hosts and paths as HSS lists them, each with what markdown reads: a host named like a web site, or like a heading, a
# quote or a list item; references; a Windows download's name with a bare link in it; a path with a URL in it.
HSS_HOSTS = {'www.corp.example': 'C:\\Users\\bob\\Downloads\\Invoice from www.billing.example[1].exe',
             '# db 1 #': '/var/cache/http://mirror.example/pool/a_b&c~1.deb',
             '> 1. - +': 'C:\\Program Files\\App\\',
             'AT&amp;T &#x41; &copy;': '/home/j.doe@corp.example/!\\[x].sh'}


def test_hss_rows_show_each_host_name_and_file_path_as_hss_lists_it_and_link_nothing():
    tenant = start_hss_tenant()
    try:
        file_hash = 'e' * 64
        for number, (host_name, file_path) in enumerate(HSS_HOSTS.items()):
            tenant.backend.add_host(f'host-{number}', host_name)
            tenant.backend.isolate_file(f'host-{number}', file_hash, file_path)

        result = WarRoom(params=tenant.params('aksk'), time_scale=0, sleep=lambda _: None).run(
            'hss-restore-isolated', {'file_hash': file_hash})
    finally:
        tenant.stack.close()

    assert not result.failed, result.entries[-1]
    rows = markdown_rows(result.entries[-1]['HumanReadable'])
    shown = {as_commonmark_reads(row['host_name'])[1]: as_commonmark_reads(row['file_path'])[1].rstrip()
             for row in rows}
    assert shown == HSS_HOSTS, rows
    for row in rows:
        for cell in (row['host_name'], row['file_path']):
            assert markup_in(cell) == [] and emphasis_pairs(cell) == [] and bare_links(cell) == [], cell


PIECES = st.sampled_from(['www.', 'http://', 'https://', 'ftp://', '(', '*', '_', '~', ' ', '#', '&amp;', '&#x41;',
                          '&copy;', '\\', '!', '[', ']', '>', '-', '+', '1.', 'x.example', 'j@h.example', '\n', 'a'])


@settings(max_examples=300, deadline=None)
@given(text=MARKDOWN_TEXT | st.lists(PIECES, min_size=1, max_size=12).map(''.join).filter(lambda text: text.strip()))
@example(text='see https://x.example/?a=1&b=_2 or (www.y.example/~a~)\\')
def test_any_text_in_a_cell_or_a_title_s_parentheses_shows_as_written_and_links_nothing(text):
    # A title ends with the integration's own words or a closing parenthesis, never with a value
    table = ri.markdown_table(f'Restore ({text})', [{'reason': text}], ['reason'], 'X.Rows', first=lambda row: False)

    title, cell = as_commonmark_reads(atx_heading_content(table.splitlines()[0]))[1], markdown_rows(table)[0]['reason']
    assert title == 'Restore (' + re.sub(r'\r\n|\r|\n', '<br>', text) + ')', table
    assert as_commonmark_reads(cell)[1] == cell_as_read(text), table
    assert [bare_links(line) for line in table.splitlines()] == [[]] * len(table.splitlines()), table


def test_a_start_of_one_file_shows_the_action_id_and_the_status_cortex_xdr_gave_as_written(replay_server):
    # One file's start is a sentence, not a table: the action ID and the unreadable status it quotes are Cortex XDR's
    replay_server.queue(200, {'reply': {'action_id': 'grp\\_7&amp;', 'endpoints_count': 1,
                                        'status': '*queued* &copy;'}})
    replay_server.queue(200, {'reply': {'data': {ENDPOINT: 'COMPLETED_SUCCESSFULLY'}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH})

    line = result.entries[0]['HumanReadable'].splitlines()[0]
    shown = as_commonmark_reads(line)[1]
    assert f'on 1 endpoint: action grp\\_7&amp;. ' in shown and 'status "*queued* &copy;"' in shown, line
    assert markup_in(line) == [] and emphasis_pairs(line) == [] and bare_links(line) == [], line


@pytest.mark.parametrize('endpoint', ['__edge_01__', '_lab_-_7_'])
def test_a_start_of_one_file_on_one_endpoint_shows_the_endpoint_id_given_as_typed(replay_server, endpoint):
    # An endpoint ID may hold _ (letters, digits, - and _): at its ends, or beside a -, markdown reads it as emphasis
    replay_server.queue(200, {'reply': {'action_id': 7, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'data': {endpoint: 'COMPLETED_SUCCESSFULLY'}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH, 'endpoint_id': endpoint})

    line = result.entries[0]['HumanReadable'].splitlines()[0]
    assert f'on endpoint {endpoint}: action 7.' in as_commonmark_reads(line)[1], line
    assert emphasis_pairs(line) == [], line


# --------------------------------------------------------------------------- commands an entry gives to run by hand

# Paths an analyst's follow command must carry as typed: markdown would read __init__ as bold, \_ as an escaped _, a
# backtick as a code span's end, and a bare link's source as it stands; one with blanks goes raw in backticks, one
# holding a backtick in double quotes (warroom/line.py reads both back).
FOLLOW_PATHS = ['/srv/__init__.py', 'C:\\T\\_x', 'C:\\Users\\a b\\*new*.exe', '/opt/`x` and ``y``/a.sh',
                '/srv/www.corp.example/https://x/a&amp;b~1~.py']


def commands_in(line: str, command: str) -> list[CommandLine]:
    """The war-room lines of ``command`` an entry's line gives in its code spans, read back as XSOAR's war room reads
    them; the rest of the line shows its own characters (no emphasis, link, HTML or reference)."""
    assert markup_in(line) == [] and emphasis_pairs(line) == [] and bare_links(line) == [], line
    return [parse_line(span) for span in as_commonmark_reads(line)[0] if span.startswith(f'!{command} ')]


@pytest.mark.parametrize('file_path', FOLLOW_PATHS)
def test_the_follow_command_an_hss_restore_gives_is_a_code_span_that_reads_back_as_the_path_and_host_given(file_path):
    tenant = start_hss_tenant(stage_seconds=600)  # still restoring at the check: it gives the line again
    try:
        tenant.backend.add_host('host-0', 'web-0')
        tenant.backend.isolate_file('host-0', 'e' * 64, file_path)
        room = WarRoom(params=tenant.params('aksk'), time_scale=0, sleep=lambda _: None)
        started = room.run('hss-restore-isolated', {'host_id': 'host-0', 'file_path': file_path, 'polling': 'false'})
        [line] = [line for line in started.entries[-1]['HumanReadable'].splitlines() if 'To follow the restore' in line]
        [follow] = commands_in(line, 'hss-restore-isolated')
        checked = room.run(follow.command, follow.args)  # a check by hand, its last: the copy still restoring
    finally:
        tenant.stack.close()

    assert not started.failed and not checked.failed, (started.entries[-1], checked.entries[-1])
    assert follow.args['file_path'] == file_path and follow.args['host_id'] == 'host-0', follow
    assert parse_line(started.entries[-1]['Contents']['follow_commands'][0]) == follow  # Contents: the same command
    [again] = [line for line in checked.entries[-1]['HumanReadable'].splitlines()
               if 'To follow' in line and not line.startswith('|')]  # not a row's reason, which points to it
    [given] = checked.entries[-1]['Contents']['follow_commands']
    assert commands_in(again, 'hss-restore-isolated') == [parse_line(given)], again


@pytest.mark.parametrize('action_id', ['grp\\_7', '__7__ `8`', 'www.x.example/a&amp;b'])
def test_the_follow_line_of_a_restore_file_start_shows_the_action_id_and_gives_a_command_that_reads_back_as_it(
        replay_server, action_id):
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': 1}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH, 'polling': 'false'})

    assert not result.failed, result.entries[-1]
    [line] = [line for line in result.entries[-1]['HumanReadable'].splitlines() if line.startswith('Follow action')]
    [follow] = commands_in(line, 'restore-file')
    assert follow.args['file_hash'] == HASH and json.loads(follow.args['action_id']) == [action_id], follow
    assert as_commonmark_reads(line)[1].startswith(f'Follow action {action_id} in Cortex XDR'), line


def test_the_follow_line_of_the_last_check_of_a_restore_file_still_running_gives_a_command_that_reads_back(
        replay_server):
    action_id = '__7__ C:\\T\\_x'
    replay_server.queue(200, {'reply': {'action_id': action_id, 'endpoints_count': 1}})
    replay_server.queue(200, {'reply': {'data': {ENDPOINT: 'IN_PROGRESS'}}})

    result = room(replay_server).run('restore-file', {'file_hash': HASH, 'interval_in_seconds': '10',
                                                      'timeout_in_seconds': '10'})

    assert not result.failed, result.entries[-1]
    [line] = [line for line in result.entries[-1]['HumanReadable'].splitlines() if 'still running' in line]
    [follow] = commands_in(line, 'restore-file')
    assert follow.args['file_hash'] == HASH and json.loads(follow.args['action_id']) == [action_id], follow
    assert f'Follow action {action_id} in Cortex XDR' in as_commonmark_reads(line)[1], line


def test_a_start_that_may_have_left_copies_unread_names_the_hash_as_given():
    # More copies isolated in one millisecond than HSS's largest page, each page ordering them anew: the start's note
    # names the hash whose copies may be left, as the analyst gave it (HSS's hashes are text up to 256 characters: one
    # of 64 must be a SHA256, another need not).
    file_hash = '__' + 'f' * 40 + '__'
    tenant = start_hss_tenant()
    try:
        tenant.backend.add_host('host-0', 'web-0')
        tenant.backend.add_isolated_files('host-0', facts.HSS_LIST_LIMIT_RANGE[1] + 100, file_hash=file_hash)
        tenant.backend.file_tie_order_seed = 0
        result = WarRoom(params=tenant.params('aksk'), time_scale=0, sleep=lambda _: None).run(
            'hss-restore-isolated', {'file_hash': file_hash, 'polling': 'false'})
    finally:
        tenant.stack.close()

    assert not result.failed, result.entries[-1]
    [line] = [line for line in result.entries[-1]['HumanReadable'].splitlines() if 'may not have been read' in line]
    assert as_commonmark_reads(line)[1].startswith(f'HSS listed more copies of {file_hash} isolated at one '), line
    assert markup_in(line) == [] and emphasis_pairs(line) == [] and bare_links(line) == [], line
