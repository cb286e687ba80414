from django.apps import apps
from django.contrib import admin
from django.urls import reverse


def test_every_model_is_registered_in_the_admin():
    missing = [
        model.__name__
        for model in apps.get_app_config("cases").get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


def test_each_admin_changelist_opens_for_an_administrator(client, administrator):
    client.force_login(administrator)
    for model in apps.get_app_config("cases").get_models():
        url = reverse(f"admin:cases_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
