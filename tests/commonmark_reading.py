"""How CommonMark (and GitHub's extensions to it) reads one line of a note's markdown, for the tests of the pack's
scripts: which code spans it holds, the text it shows, and what in it markdown would turn into emphasis, a link, HTML,
a character reference or strikethrough. Small readers written from the spec (https://spec.commonmark.org/0.31.2/,
sections cited at each), each checked against the spec's own examples in tests/test_commonmark_reading.py; not the
scripts' escaping rule read back."""
from __future__ import annotations

import html.entities
import re
import string

from hypothesis import strategies as st

MARKDOWN_PUNCTUATION = frozenset(string.punctuation)  # CommonMark 2.4: the characters a backslash escapes


def pieces(line: str) -> list[tuple[str, str, str]]:
    """One line of markdown as CommonMark reads it, piece by piece: (kind, source, shown), kind 'escape' for a
    backslash before punctuation, which shows that character (2.4); 'code' for a code span, a run of n backticks up to
    the next run of exactly n, its content dropping one blank at each end when both have one (6.1); 'text' for a
    character (a run of backticks no run closes is shown as it is)."""
    found, at = [], 0
    while at < len(line):
        char = line[at]
        if char == '\\' and at + 1 < len(line) and line[at + 1] in MARKDOWN_PUNCTUATION:
            found.append(('escape', line[at:at + 2], line[at + 1]))
            at += 2
            continue
        if char != '`':
            found.append(('text', char, char))
            at += 1
            continue
        end = at
        while end < len(line) and line[end] == '`':
            end += 1
        closing = next((m.start() for m in re.finditer(r'`+', line[end:]) if len(m.group()) == end - at), None)
        if closing is None:
            found.append(('text', line[at:end], line[at:end]))
            at = end
            continue
        content = line[end:end + closing]
        if len(content) > 1 and content[0] == content[-1] == ' ' and content.strip(' '):
            content = content[1:-1]
        found.append(('code', line[at:end + closing + end - at], content))
        at = end + closing + (end - at)
    return found


def as_commonmark_reads(line: str) -> tuple[list[str], str]:
    """(its code spans, the text shown) of one line of markdown, by CommonMark's rules (pieces)."""
    read = pieces(line)
    return [shown for kind, _, shown in read if kind == 'code'], ''.join(shown for _, _, shown in read)


def emphasis_pairs(line: str) -> list[str]:
    """The runs of * or _ in one line of markdown (outside code spans, not escaped) that CommonMark could read as
    emphasis: a run that can open one (left-flanking; for _, also not right-flanking unless punctuation comes before
    it) and a later run of the same character that can close one (6.2, "left-flanking delimiter run")."""
    code = [match.span() for match in re.finditer(r'(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)', line)]
    runs, at = [], 0
    while at < len(line):
        if line[at] == '\\' and at + 1 < len(line) and line[at + 1] in MARKDOWN_PUNCTUATION:
            at += 2
            continue
        end = at
        while line[at] in '*_' and end < len(line) and line[end] == line[at]:
            end += 1
        if end > at and not any(start <= at < stop for start, stop in code):
            before, after = line[at - 1] if at else ' ', line[end] if end < len(line) else ' '
            left = not after.isspace() and (after not in MARKDOWN_PUNCTUATION or before.isspace() or
                                            before in MARKDOWN_PUNCTUATION)
            right = not before.isspace() and (before not in MARKDOWN_PUNCTUATION or after.isspace() or
                                              after in MARKDOWN_PUNCTUATION)
            opens = left and (line[at] == '*' or not right or before in MARKDOWN_PUNCTUATION)
            closes = right and (line[at] == '*' or not left or after in MARKDOWN_PUNCTUATION)
            runs.append((line[at], opens, closes, line[at:end]))
        at = max(end, at + 1)
    return [f'{run}...{later}' for n, (char, opens, _, run) in enumerate(runs) if opens
            for other, _, closes, later in runs[n + 1:] if other == char and closes]


def active_text(line: str) -> str:
    """The line with what markdown takes literally blanked out (NUL): an escaped character with its backslash, and a
    code span whole (pieces). What is left can still be markup."""
    return ''.join(source if kind == 'text' else '\0' * len(source) for kind, source, _ in pieces(line))


NAMED_REFERENCES = frozenset(name for name in html.entities.html5 if name.endswith(';'))
MARKUP = {
    # 6.3 inline links and images: link text in brackets, then at once a parenthesis (no reference definitions here)
    'link': re.compile(r'\[[^\]\0]*\]\('),
    # 6.5 autolinks: <scheme:...> (a scheme of 2 to 32 characters) and <address@domain>
    'autolink': re.compile(r'<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>\0]*>|<[\w.!#$%&\'*+/=?^`{|}~\-]+@[A-Za-z0-9.\-]+>'),
    # 6.6 raw HTML: an open or closing tag, a comment, a processing instruction, a declaration, CDATA
    'html': re.compile(r'<[A-Za-z][A-Za-z0-9\-]*(?=[\s/>])|</[A-Za-z]|<!--|<\?|<![A-Za-z]|<!\[CDATA\['),
    # 2.5 entity and numeric character references
    'reference': re.compile(r'&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|&[A-Za-z][A-Za-z0-9]*;'),
    # GitHub Flavored Markdown 6.5 strikethrough: a run of one or two tildes, closed by a run of the same length
    'strikethrough': re.compile(r'(?<!~)(~~?)(?!~)(?=\S).*?(?<=\S)(?<!~)\1(?!~)'),
}


def markup_in(line: str) -> list[str]:
    """What in one line of markdown CommonMark (and GFM's strikethrough) would render as something other than its own
    text, besides emphasis (emphasis_pairs) and code spans: links and images, autolinks, raw HTML, character
    references, strikethrough. An empty list: the line shows its characters."""
    text = active_text(line)
    found = []
    for kind, pattern in MARKUP.items():
        for match in pattern.finditer(text):
            if kind == 'reference' and not match.group().startswith('&#') and match.group()[1:] not in NAMED_REFERENCES:
                continue  # not a name HTML5 knows: shown as it is
            found.append(f'{kind}: {match.group()}')
    return found


# GitHub Flavored Markdown 6.9, extended www and URL autolinks, as GitHub's reader (cmark-gfm) finds them in a line's
# source: www. at the line's start or after a blank or one of * _ ~ ( (the spec's rule, an escaped one too: cmark-gfm
# reads the character before as it stands), http://, https:// or ftp:// after anything but a letter (it looks back over
# the scheme's letters alone), each followed by a domain's character. Their text is the source as it stands, escapes
# and all ("a=1\\&b=2" shows its backslash). Left out: an extended email autolink, found in text already read (its
# escapes gone), which shows the text as written. A domain holding an _ is found too (cmark-gfm links none with one in
# its last two segments): a line this finds none in has none.
BARE_LINK = re.compile(r'(?:(?<![^\s*_~(])www\.|(?<![A-Za-z])(?:https?|ftp)://)[\w-]')


def bare_links(line: str) -> list[str]:
    """The starts of the extended www and URL autolinks (BARE_LINK) in one line of markdown, outside code spans."""
    source = ''.join('\0' * len(source) if kind == 'code' else source for kind, source, _ in pieces(line))
    return [match.group() for match in BARE_LINK.finditer(source)]


def atx_heading_content(line: str) -> str | None:
    """The inline content of an ATX heading (4.2): after its opening run of 1 to 6 # (at most 3 blanks in, then a blank
    or the line's end), less its optional closing run of # (after a blank, with only blanks after it), blanks at both
    ends stripped; None for a line that is no ATX heading."""
    opening = re.fullmatch(r' {0,3}#{1,6}((?:[ \t].*)?)', line)
    return None if opening is None else re.sub(r'[ \t]#+[ \t]*$', '', opening.group(1)).strip(' \t')


def as_soft_breaks(text: str) -> str:
    """A text as markdown shows it within a paragraph: each line ending a soft line break, shown as a blank (6.13)."""
    return re.sub(r'\r\n|\r|\n', ' ', text)


# Texts full of what markdown reads as markup, line breaks too. Without control characters (the integration refuses
# them in a vendor's field) and the characters Python's splitlines takes as line ends, which CommonMark does not (it
# ends a line only at \n, \r\n or \r: 2.1), as tests split notes with splitlines.
MARKDOWN_TEXT = st.text(st.sampled_from(list('aZ9 _*`[]()<>&;#~|!\\/:.-=\n\r')) |
                        st.characters(blacklist_categories=('Cc', 'Cs', 'Zl', 'Zp'), blacklist_characters='\x85'),
                        min_size=1, max_size=40).filter(lambda text: text.strip())
