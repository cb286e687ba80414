from django.apps import AppConfig
from django.db.backends.signals import connection_created

from cases.aggregates import register_sqlite_functions


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Recovery cases"

    def ready(self) -> None:
        connection_created.connect(register_sqlite_functions)
