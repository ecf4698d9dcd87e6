"""The war-room line parser: what an analyst types becomes exactly the arguments meant."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from warroom.line import LineError, format_line, parse_line

arg_names = st.from_regex(r'[A-Za-z_][A-Za-z0-9_]{0,20}', fullmatch=True)
arg_values = st.text(st.characters(blacklist_categories=('Cs',)), max_size=40)
commands = st.from_regex(r'[a-z][a-z0-9-]{0,20}', fullmatch=True)


@given(commands, st.dictionaries(arg_names, arg_values, max_size=6))
def test_formatted_line_parses_back_to_the_same_arguments(command, args):
    parsed = parse_line(format_line(command, args))

    assert parsed.command == command
    assert parsed.args == args


@given(st.text(max_size=80))
def test_any_text_parses_or_raises_line_error(text):
    try:
        parsed = parse_line(text)
    except LineError as error:
        assert str(error)
    else:
        assert text.strip().startswith('!')
        assert all(isinstance(v, str) for v in parsed.args.values())


def test_quoted_values_keep_blanks_and_bare_values_keep_backslashes():
    parsed = parse_line(r'!hss-restore-isolated file_path=C:\Users\Public\test.exe host_id="a b"  x=')

    assert parsed.args == {'file_path': r'C:\Users\Public\test.exe', 'host_id': 'a b', 'x': ''}


def test_escaped_quote_inside_a_quoted_value():
    assert parse_line(r'!cmd a="say \"hi\" \\ there"').args == {'a': 'say "hi" \\ there'}


@pytest.mark.parametrize('line, complaint', [
    ('restore-file file_hash=1', 'starts with "!"'),
    ('!', 'command name'),
    ('!restore-file file_hash', 'name=value'),
    ('!restore-file a=1 a=2', 'given twice'),
    ('!restore-file a="open', 'not closed'),
    ('!restore-file a="x"b', 'blank after the closing quote'),
    ('!restore-file,file_hash=abc', 'Expected a blank before column 14'),  # the name ends where no blank follows
])
def test_malformed_lines_say_where_they_go_wrong(line, complaint):
    with pytest.raises(LineError, match=complaint):
        parse_line(line)


@pytest.mark.parametrize('line, shown', [('!restore-file a="open', '!restore-file a="open'),
                                         ("  !restore-file a=\"it's", "!restore-file a=\"it's"),
                                         ('!restore-file a="\u200b', '!restore-file a="\\u200b')])
def test_an_unclosed_quote_shows_the_line_as_typed_its_invisible_characters_escaped(line, shown):
    with pytest.raises(LineError) as refused:
        parse_line(line)
    assert str(refused.value) == f'A quoted value is not closed in this line: {shown}'


@pytest.mark.parametrize('line, closing', [('   !restore-file a="b"c', '"'), ('!restore-file x=1 a=`b`c', '`')])
def test_a_column_named_in_an_error_is_where_the_line_shown_goes_wrong(line, closing):
    """The column is where a blank was expected: in the line as shown, after blanks before it are dropped."""
    with pytest.raises(LineError) as refused:
        parse_line(line)
    message = str(refused.value)
    column = int(message.split('column ')[1].split()[0])
    shown = message.split('this line: ')[1]
    assert shown[column - 2:column] == f'{closing}c'


def test_a_backtick_quoted_value_is_taken_raw_as_xsoar_takes_it():
    line = parse_line('!hss-restore-isolated file_path=`["C:\\\\a b,c.exe"]` host_id=h1')
    assert line.args == {'file_path': '["C:\\\\a b,c.exe"]', 'host_id': 'h1'}
    with pytest.raises(LineError, match='not closed'):
        parse_line('!restore-file file_hash=`abc')


@given(st.text(st.characters(blacklist_categories=('Cc', 'Cs')), max_size=60))
def test_the_integration_s_follow_commands_write_values_the_line_reads_back(text):
    import restore_integration as ri
    assert parse_line('!hss-restore-isolated file_path=' + ri.war_room_value(text)).args['file_path'] == text
