from django import template

from deliverables.markdown import markdown_to_html

register = template.Library()


@register.filter(name="markdown")
def markdown(text):
    """``{{ note.body|markdown }}``: sanitised HTML of a Markdown text."""
    return markdown_to_html(text)
