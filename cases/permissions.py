"""Who may do what: the role rules, in one place.

Row-level scoping (which cases a user sees) lives in querysets.py; this module
answers role questions such as "may this user open the admin?".
"""

from .models import Role


def is_administrator(user) -> bool:
    return user.is_authenticated and (
        user.role == Role.ADMINISTRATOR or user.is_superuser
    )


def is_sales_manager(user) -> bool:
    return user.is_authenticated and user.role == Role.SALES_MANAGER


def is_account_manager(user) -> bool:
    return user.is_authenticated and user.role == Role.ACCOUNT_MANAGER
