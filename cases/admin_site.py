"""Django admin's site, opened by the role rules rather than staff status alone."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from cases import access


class MendAdminSite(admin.AdminSite):
    site_header = "Mend administration"
    site_title = "Mend"

    def has_permission(self, request) -> bool:
        return access.may_use_admin(request.user)


class MendAdminConfig(AdminConfig):
    """Installed in place of django.contrib.admin so admin.site is ours."""

    default_site = "cases.admin_site.MendAdminSite"
