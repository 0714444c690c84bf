"""Markdown written in the portal comes out as HTML from an allow-list only."""

import re

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from deliverables.markdown import markdown_to_html


def test_a_note_is_rendered_with_its_headings_shifted_below_the_page_title():
    html = markdown_to_html("# Titre\n\n## Partie\n\n### Sous-partie\n\n###### Détail")
    assert "<h1>" not in html
    assert "<h2>Titre</h2>" in html
    assert "<h3>Partie</h3>" in html
    assert "<h4>Sous-partie</h4>" in html
    assert "<h4>Détail</h4>" in html  # nothing deeper than h4
    assert isinstance(html, SafeString)


def test_in_the_publication_a_notes_headings_go_below_its_own_title():
    html = markdown_to_html("# Titre\n\n## Partie", heading_shift=2)
    assert "<h3>Titre</h3>" in html and "<h4>Partie</h4>" in html


def test_french_text_keeps_its_accents_and_quotes():
    text = "L'élu a dit : « Ça marche, même à Saint-Étienne ! » — œuvre, naïve, 12 €"
    html = markdown_to_html(text)
    assert text.replace("'", "&#39;") in html or text in html
    assert "« Ça marche" in html and "Saint-Étienne ! »" in html


def test_lists_emphasis_quotes_code_and_tables_are_kept():
    html = markdown_to_html(
        "- **gras** et *italique*\n- `code`\n\n> citation\n\n---\n\n"
        "| Axe | Actions |\n|:--|--:|\n| Mobilité | 3 |\n"
    )
    for tag in ("<ul>", "<li>", "<strong>", "<em>", "<code>", "<blockquote>", "<hr>"):
        assert tag in html
    assert "<table>" in html and "<th>Axe</th>" in html and "<td>3</td>" in html
    # Column alignment would come as a style attribute: refused (strict CSP).
    assert "style=" not in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "Avant <script>alert(1)</script> après",
        '<img src=x onerror="alert(1)">',
        "<img src=file:///etc/passwd>",
        '<a href="javascript:alert(1)">clic</a>',
        "<iframe src='https://example.org'></iframe>",
        '<div style="color:red" onclick="alert(1)">texte</div>',
        "<!-- commentaire --><b>gras</b>",
    ],
)
def test_raw_html_is_never_interpreted(text):
    html = markdown_to_html(text)
    for forbidden in ("<script", "<img", "<iframe", "<div", "<a ", "<b>", "<!--"):
        assert forbidden not in html
    # Whatever stays is escaped text: the real tags carry no attribute at all.
    assert all(attributes == "" for _tag, attributes in re.findall(r"<(\w+)([^>]*)>", html))


@pytest.mark.parametrize(
    "link",
    [
        "[clic](javascript:alert(1))",
        "[clic](JaVaScRiPt:alert(1))",
        "[clic](vbscript:msgbox(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD4=)",
        "[clic](file:///etc/passwd)",
        "<javascript:alert(1)>",
    ],
)
def test_dangerous_link_schemes_never_become_links(link):
    html = markdown_to_html(link)
    assert "<a " not in html
    assert 'href="javascript' not in html.lower()


def test_images_are_dropped_even_from_markdown():
    html = markdown_to_html("![mot de passe](file:///etc/passwd) ![x](https://example.org/x.png)")
    assert "<img" not in html
    assert "src=" not in html


@pytest.mark.parametrize(
    "link, href",
    [
        (
            "[ANCT](https://agence-cohesion-territoires.gouv.fr)",
            "https://agence-cohesion-territoires.gouv.fr",
        ),
        ("[site](http://example.org/page)", "http://example.org/page"),
        ("[écrire](mailto:contact@example.org)", "mailto:contact@example.org"),
    ],
)
def test_web_and_mail_links_are_kept_and_do_not_leak_the_opener(link, href):
    html = markdown_to_html(link)
    assert f'href="{href}"' in html
    assert 'rel="noopener noreferrer"' in html


def test_an_empty_text_gives_no_html():
    assert markdown_to_html("") == ""
    assert markdown_to_html(None) == ""


def test_the_template_filter_renders_sanitised_html():
    template = Template("{% load deliverables_markdown %}{{ text|markdown }}")
    html = template.render(Context({"text": "# Titre\n\n<script>alert(1)</script> *ok*"}))
    assert "<h2>Titre</h2>" in html
    assert "<em>ok</em>" in html
    assert "<script" not in html
    assert "&lt;script&gt;" in html
