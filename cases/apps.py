from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Recovery cases"

    def ready(self) -> None:
        from .aggregates import register_sqlite_functions

        connection_created.connect(register_sqlite_functions)
