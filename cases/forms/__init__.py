from .accounts import LoginForm

__all__ = ["LoginForm"]
