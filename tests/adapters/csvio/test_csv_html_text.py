"""Shopify's Body (HTML) read as plain text: words, lines and paragraphs survive, tags do not."""

from __future__ import annotations

from microindex.adapters.csvio.html_text import html_to_text, text_to_html


def test_paragraphs_become_blank_line_separated_and_list_items_lines() -> None:
    markup = "<h2>Care</h2>\n<ul>\n  <li>Wash cold</li>\n  <li>Dry flat</li>\n</ul><p>Enjoy</p>"

    assert html_to_text(markup) == "Care\n\nWash cold\nDry flat\n\nEnjoy"


def test_entities_are_decoded_and_scripts_and_styles_dropped() -> None:
    markup = "<style>p{color:red}</style><p>Salt &amp; pepper&nbsp;mill</p><script>x()</script>"

    assert html_to_text(markup) == "Salt & pepper mill"


def test_text_written_as_html_reads_back_unchanged() -> None:
    text = "Fish & chips <tasty>\nsecond line\n\nnext paragraph"

    assert html_to_text(text_to_html(text)) == text
