"""Reading the signed-in user, which every request does."""

from django.contrib.auth.backends import ModelBackend

from .models import User
from .precompiled import Precompiled


class UserBackend(ModelBackend):
    """Django's ModelBackend; the user of each request is read with SQL
    compiled once per process (see precompiled.py)."""

    by_id = Precompiled(lambda user_id: User._default_manager.filter(pk=user_id))

    def get_user(self, user_id):
        found = self.by_id.fetch(user_id)
        if found and self.user_can_authenticate(found[0]):
            return found[0]
        return None
