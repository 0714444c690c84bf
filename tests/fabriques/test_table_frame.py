"""{% table_frame %} (fabriques/templatetags/table_frame.py): the DSFR table
component's frame, written once for every table of the portal."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError


def render(source, **context):
    return Template("{% load table_frame %}" + source).render(Context(context))


def test_the_frame_wraps_the_table_in_the_four_dsfr_blocks():
    html = render(
        '{% table_frame id=table_id|add:"-component" '
        'modifiers="fr-table--no-scroll fr-table--sm" %}'
        '<table id="{{ table_id }}"><caption>Séminaires</caption></table>'
        "{% endtable_frame %}",
        table_id="seminars",
    )
    assert html == (
        '<div class="fr-table fr-table--no-scroll fr-table--sm" id="seminars-component">'
        '<div class="fr-table__wrapper"><div class="fr-table__container">'
        '<div class="fr-table__content">'
        '<table id="seminars"><caption>Séminaires</caption></table>'
        "</div></div></div></div>"
    )


def test_without_options_the_frame_has_no_id_and_no_modifier():
    html = render("{% table_frame %}<table></table>{% endtable_frame %}")
    assert html.startswith('<div class="fr-table"><div class="fr-table__wrapper">')


def test_the_options_are_escaped_and_the_table_is_not():
    html = render(
        "{% table_frame id=bad %}<table><caption>{{ caption }}</caption></table>"
        "{% endtable_frame %}",
        bad='x"><script>',
        caption="<b>",
    )
    assert 'id="x&quot;&gt;&lt;script&gt;"' in html
    assert "<caption>&lt;b&gt;</caption>" in html
    assert "<table>" in html


@pytest.mark.parametrize("tag", ["{% table_frame caption='x' %}", "{% table_frame 'positional' %}"])
def test_an_unknown_option_is_a_template_error(tag):
    with pytest.raises(TemplateSyntaxError):
        render(tag + "<table></table>{% endtable_frame %}")


def test_no_template_writes_the_frame_by_hand():
    templates = Path(settings.BASE_DIR) / "templates"
    by_hand = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if "fr-table__wrapper" in path.read_text(encoding="utf-8")
    ]
    assert by_hand == []
