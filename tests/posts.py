"""Forms posted as a browser posts them, for tests of what the server accepts."""

import uuid

from django.urls import reverse


def new_case(http, **overrides):
    """The logging form, filled in as a person would; `overrides` change it."""
    data = {
        "submission_key": str(uuid.uuid4()),
        "new_client_name": "Contoso",
        "commitment": "Deliver 40 laptops",
        "what_happened": "The shipment went to the wrong city.",
        "severity": "medium",
    }
    data.update(overrides)
    return http.post(reverse("case_new"), data)
