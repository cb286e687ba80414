"""The fixed lists Mend is built on: steps, roles, kinds and questions.

A leaf: it imports nothing from cases, so every layer may use it.
"""

from django.db import models


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    SALES_MANAGER = "sales_manager", "Sales manager"
    ADMINISTRATOR = "administrator", "Administrator"


class Step(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    ROOT_CAUSE = "root_cause", "Root cause"
    OPTIONS = "options", "Options"
    COMMUNICATE = "communicate", "Communicate"
    APOLOGISE = "apologise", "Apologise"
    COMPENSATE = "compensate", "Compensate"
    FOLLOW_UP = "follow_up", "Follow up"
    CLOSED = "closed", "Closed"
