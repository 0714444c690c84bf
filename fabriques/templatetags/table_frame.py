"""``{% table_frame %}…{% endtable_frame %}``: the DSFR table component's
frame around a ``<table>`` written in the template.

The DSFR wants four nested blocks around every table (``fr-table``, then its
wrapper, container and content) for its scrolling, borders and sizes; the
table itself (caption, headers, cells with links and badges) stays the
template's. Options, each optional:

- ``id``: the component's id (by convention the table's id + ``-component``);
- ``modifiers``: DSFR modifier classes (``fr-table--no-scroll``,
  ``fr-table--bordered``, ``fr-table--no-caption``...).

    {% load table_frame %}
    {% table_frame id="notes-component" modifiers="fr-table--no-scroll" %}
      <table id="notes"><caption>…</caption>…</table>
    {% endtable_frame %}
"""

from django import template
from django.template.base import token_kwargs
from django.utils.html import format_html

register = template.Library()

OPTIONS = frozenset({"id", "modifiers"})


@register.tag("table_frame")
def table_frame(parser, token):
    bits = token.split_contents()
    tag_name, rest = bits[0], bits[1:]
    options = token_kwargs(rest, parser)
    if rest or not set(options) <= OPTIONS:
        raise template.TemplateSyntaxError(
            f"{tag_name} takes only the keyword options {', '.join(sorted(OPTIONS))}."
        )
    nodelist = parser.parse(("endtable_frame",))
    parser.delete_first_token()
    return TableFrameNode(nodelist, options)


class TableFrameNode(template.Node):
    def __init__(self, nodelist, options):
        self.nodelist = nodelist
        self.options = options

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.options.items()}
        classes = " ".join(["fr-table", *str(values.get("modifiers") or "").split()])
        component_id = values.get("id")
        id_attribute = format_html(' id="{}"', component_id) if component_id else ""
        return format_html(
            '<div class="{}"{}><div class="fr-table__wrapper"><div class="fr-table__container">'
            '<div class="fr-table__content">{}</div></div></div></div>',
            classes,
            id_attribute,
            self.nodelist.render(context),
        )
