"""The timeline's comments with their @mentions marked."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import escape, format_html

from cases.mentions import split_mentions

register = template.Library()


@register.filter
def with_mentions(text: str) -> str:
    """The text escaped, line breaks kept, each @username in a <mark>."""
    html = "".join(
        format_html('<mark class="mention">{}</mark>', piece)
        if is_mention
        else escape(piece)
        for piece, is_mention in split_mentions(text or "")
    )
    # Every piece is escaped above, so the line breaks go in unescaped.
    return linebreaksbr(html, autoescape=False)
