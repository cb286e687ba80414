"""@mentions in a comment's text: who a writer meant, found by username.

A leaf like choices: pure text, no database. The comment service looks the
names up; the timeline's template filter marks them.
"""

import re

# "@" starts a mention only where it does not continue a word, so an email
# address (dana@client.com) or "a@b" is not one. A username holds letters,
# digits and . + - _ (Django's rule, less "@"); a final "." or "-" is taken
# as the sentence's, so "thanks @alex." names alex.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]*[\w+])")


def mentioned_names(text: str) -> list[str]:
    """The usernames mentioned, lowercased, each once, in order of appearance."""
    return list(dict.fromkeys(name.lower() for name in MENTION.findall(text)))


def split_mentions(text: str) -> list[tuple[str, bool]]:
    """The text in pieces, each with whether it is a mention (with its "@")."""
    pieces, start = [], 0
    for match in MENTION.finditer(text):
        if match.start() > start:
            pieces.append((text[start : match.start()], False))
        pieces.append((match.group(0), True))
        start = match.end()
    if start < len(text):
        pieces.append((text[start:], False))
    return pieces
