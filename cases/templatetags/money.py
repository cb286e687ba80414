"""`{{ amount|money:case.team }}`: an amount with its team's currency,
"EUR 1,250.00"; `{{ amount|money0:case.team }}` without the cents. The
argument may be a team or a currency code (see cases.money)."""

from django import template

from cases.money import currency_of, money

register = template.Library()


def _currency(where) -> str:
    if isinstance(where, str) and where:
        return where
    return currency_of(where or None)


# On a page the code and the digits stay on one line (a no-break space).
NBSP = "\N{NO-BREAK SPACE}"


@register.filter(name="money")
def money_filter(amount, where=None) -> str:
    return money(amount, _currency(where)).replace(" ", NBSP, 1)


@register.filter
def money0(amount, where=None) -> str:
    return money(amount, _currency(where), places=0).replace(" ", NBSP, 1)


@register.simple_tag
def currency(where=None) -> str:
    return _currency(where)
