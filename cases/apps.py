from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created

from cases.aggregates import register_sqlite_functions


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Recovery cases"

    def ready(self) -> None:
        connection_created.connect(register_sqlite_functions)
        # Here, not at the top: the middleware imports auth's views and forms,
        # which need the app registry ready.
        from cases.middleware import session_started

        user_logged_in.connect(session_started)
