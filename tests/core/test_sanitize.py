"""The one sanitizing policy: Markdown links keep only http, https and mailto (or a
path on this site); any other link becomes its text."""

import pytest

from consulta.core.sanitize import render_markdown


@pytest.mark.parametrize("markdown, html", [
    ("[a](javascript:1)", "<p>a</p>"),  # bleach alone reads it as host "javascript", port 1
    ("[a **b**](JAVASCRIPT:alert(1))", "<p>a <strong>b</strong></p>"),
    ("[a](  javascript:1)", "<p>a</p>"),
    ("[a](java&#115;cript:1)", "<p>a</p>"),
    ("[a](%6aavascript:1)", "<p>a</p>"),
    ("[a](data:text/html,x)", "<p>a</p>"),
    ("[a](vbscript:x)", "<p>a</p>"),
    ("[a](//evil.example)", "<p>a</p>"),
    ("[a](/\\evil.example)", "<p>a</p>"),
])
def test_a_link_to_anything_but_http_https_or_mailto_becomes_text(markdown, html):
    assert str(render_markdown(markdown)) == html


@pytest.mark.parametrize("markdown, href", [
    ("[a](https://www.gob.pe)", "https://www.gob.pe"),
    ("[a](HTTP://www.gob.pe)", "HTTP://www.gob.pe"),
    ("[a](mailto:consulta@example.pe)", "mailto:consulta@example.pe"),
    ("[a](/consultations/plan)", "/consultations/plan"),
    ("[a](#compromiso-5)", "#compromiso-5"),
    ("Vea https://www.gob.pe hoy", "https://www.gob.pe"),
])
def test_links_to_the_web_mail_and_this_site_stay(markdown, href):
    assert f'href="{href}" rel="nofollow noopener noreferrer"' in str(render_markdown(markdown))
