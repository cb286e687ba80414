"""`{% offer_verdict comp case as verdict %}`: an offer's verdict against the
guideline (cases.guideline.offer_verdict), read from what the page has
loaded already: no query."""

from django import template

from cases.guideline import offer_verdict as verdict_of
from cases.money import currency_of

register = template.Library()


@register.simple_tag
def offer_verdict(compensation, case):
    verdict = verdict_of(compensation, case)
    return {
        "key": verdict.key,
        "label": verdict.label,
        "text": verdict.explain(currency_of(case.team)),
    }
