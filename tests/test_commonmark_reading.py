"""The markdown readers the notes' tests use (tests/commonmark_reading.py) read the CommonMark spec's own examples as
the spec says (https://spec.commonmark.org/0.31.2/, example numbers cited)."""
from __future__ import annotations

from commonmark_reading import as_commonmark_reads, atx_heading_content, bare_links, emphasis_pairs, markup_in


def test_the_markdown_reader_reads_code_spans_as_commonmark_s_examples_do():
    """Sections 6.1 (code spans) and 2.4 (backslash escapes)."""
    assert as_commonmark_reads('`foo`') == (['foo'], 'foo')
    assert as_commonmark_reads('`` foo ` bar ``') == (['foo ` bar'], 'foo ` bar')
    assert as_commonmark_reads('`foo\\`bar`') == (['foo\\'], 'foo\\bar`')
    assert as_commonmark_reads('`foo``bar``') == (['bar'], '`foobar')
    assert as_commonmark_reads('\\`not code`') == ([], '`not code`')


def test_the_emphasis_reader_finds_what_commonmark_emphasises_and_only_that():
    assert emphasis_pairs('/opt/app/__init__.py') == ['__...__']  # CommonMark shows /opt/app/<strong>init</strong>.py
    assert emphasis_pairs('*a*') == ['*...*']
    assert emphasis_pairs('invoice_2024_Q3.xlsm') == []  # intraword _ neither opens nor closes
    assert emphasis_pairs('/opt/app/\\_\\_init\\_\\_.py') == [] and emphasis_pairs('`__init__`') == []


def test_the_markup_reader_finds_links_html_and_references_as_commonmark_s_examples_show_them():
    assert markup_in('[link](/uri "title")')  # example 482
    assert markup_in('![foo](/url "title")')  # 572: an image is a link's syntax after a !
    assert markup_in('<http://foo.bar.baz>') and markup_in('<foo@bar.example.com>')  # 594, 606
    assert markup_in('<a><bab><c2c>') and markup_in('</a></foo >') and markup_in('foo <!-- this is a --> comment')
    assert markup_in('&nbsp; &amp; &copy;') and markup_in('&#35; &#1234;') and markup_in('&#X22; &#XD06;')
    assert markup_in('~~Hi~~ Hello, world!')  # GFM example 491
    # and not what the spec says is shown as it is
    assert markup_in('\\[foo](/bar)') == [] and markup_in('`[a](b)`') == []  # 2.4 escapes, 6.1 code spans
    assert markup_in('[link] (/uri)') == []  # 6.3: no blank between the text and the destination
    assert markup_in('<http://foo.bar/baz bim>') == [] and markup_in('<33>') == []  # 6.5 example 604, 6.6
    assert markup_in('&nbsp &x; &#; &#x; &ThisIsNotDefined; &hi?;') == []  # 2.5 example 28
    assert markup_in('\\&ouml; not a character entity') == []  # 2.4 example 20
    assert markup_in('This will ~~~not~~~ strike.') == []  # GFM example 492
    assert markup_in('C:\\PROGRA~1\\app') == []


def test_the_heading_reader_drops_an_atx_heading_s_closing_sequence_as_commonmark_s_examples_do():
    """Section 4.2 (ATX headings), examples 62 to 65, 72 to 76, 79."""
    assert [atx_heading_content(f'{"#" * n} foo') for n in range(1, 7)] == ['foo'] * 6  # 62
    assert atx_heading_content('####### foo') is None and atx_heading_content('#5 bolt') is None  # 63, 64
    assert atx_heading_content('\\## foo') is None  # 65
    assert atx_heading_content('# foo ##################################') == 'foo'  # 72
    assert atx_heading_content('##### foo ##') == 'foo' and atx_heading_content('### foo ###     ') == 'foo'  # 72, 73
    assert atx_heading_content('### foo ### b') == 'foo ### b' and atx_heading_content('# foo#') == 'foo#'  # 74, 75
    assert [as_commonmark_reads(atx_heading_content(line))[1] for line in ('### foo \\###', '## foo #\\##', '# foo \\#')
            ] == ['foo ###', 'foo ###', 'foo #']  # 76
    assert [atx_heading_content(line) for line in ('## ', '#', '### ###')] == ['', '', '']  # 79


def test_the_bare_link_reader_finds_gfm_s_extended_www_and_url_autolinks_and_only_those():
    """GitHub Flavored Markdown 6.9 (extended autolinks): its examples, as GitHub's reader (cmark-gfm) finds them."""
    assert bare_links('www.commonmark.org') and bare_links('Visit www.commonmark.org/help for more information.')
    assert bare_links('Visit https://encrypted.google.com/search?q=Markup+(business)')
    assert bare_links('(www.google.com/search?q=Markup+(business))') and bare_links('a \\*www.x.example')
    assert bare_links('see ftp://a.example') and bare_links('C:/http://a.example')
    # and not what GFM shows as it is
    assert bare_links('www\\.commonmark.org') == [] and bare_links('https\\://a.example') == []  # 2.4 escapes
    assert bare_links('`www.commonmark.org`') == [] and bare_links('C:\\www.x.example') == []
    assert bare_links('xhttp://a.example') == [] and bare_links('www.') == [] and bare_links('foo@bar.baz') == []
