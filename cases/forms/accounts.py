"""Forms check input; services apply it."""

from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "That username and password do not match. Check both and try again; "
            "passwords are case-sensitive."
        ),
        "inactive": "This account is switched off. Ask your administrator.",
    }
