"""Reading what a page shows, for assertions."""

import re


def select_options(html: str, name: str) -> list[str]:
    """The labels of a <select name=...>'s options, the empty one left out."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return [
        label
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select)
        if value
    ]
