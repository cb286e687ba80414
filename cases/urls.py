from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases import health, home
from cases.accounts import views as accounts
from cases.api import pages as api_pages
from cases.casework.views import (
    actions,
    calendar,
    cases,
    check_ins,
    files,
    promise_page,
)
from cases.casework.views import home as casework_home
from cases.clients import views as clients
from cases.imports import views as imports
from cases.insights import views as insights
from cases.replies import views as replies
from cases.review import views as review

urlpatterns = [
    path("", home.home, name="home"),
    path("api/", include("cases.api.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("notices/read/", casework_home.notices_mark_read, name="notices_read"),
    path("cases/", review.case_list, name="case_list"),
    path("cases/export.csv", review.case_export, name="case_export"),
    path("cases/mine/", cases.my_cases, name="my_cases"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/<slug:name>/", actions.case_action, name="case_action"),
    # The client's promise page, opened from a link without signing in.
    path("promises/<str:token>/", promise_page.promise_page, name="promise_page"),
    path(
        "cases/<int:pk>/files/<uuid:key>/",
        files.attachment_download,
        name="attachment_download",
    ),
    path("teams/calendar/", calendar.team_calendars, name="team_calendars"),
    path(
        "teams/<int:pk>/calendar/",
        calendar.team_calendar_page,
        name="team_calendar",
    ),
    path("clients/history/", cases.client_history_panel, name="client_history"),
    path(
        "clients/second-failure/",
        cases.second_failure_panel,
        name="second_failure_warning",
    ),
    path("clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("clients/<int:pk>/contacts/", clients.client_contact, name="client_contact"),
    path(
        "clients/<int:pk>/contacts/<int:contact_pk>/",
        clients.client_contact,
        name="client_contact_edit",
    ),
    # A client's check-in, opened from its email: public, the token is the key.
    path("check-in/<str:token>/", check_ins.check_in, name="check_in"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path(
        "imports/<int:pk>/progress/",
        imports.import_progress,
        name="import_progress",
    ),
    path(
        "imports/<int:pk>/confirm/",
        imports.import_confirm_view,
        name="import_confirm",
    ),
    path("insights/", insights.insights_page, name="insights"),
    path(
        "insights/cases.csv",
        insights.insights_cases_export,
        name="insights_cases_export",
    ),
    path(
        "insights/figures.csv",
        insights.insights_figures_export,
        name="insights_figures_export",
    ),
    path("replies/", replies.review_page, name="replies_review"),
    path("lessons/similar/", insights.similar_cases_panel, name="similar_cases"),
    path("accounts/login/", accounts.MendLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/notifications/",
        accounts.notification_settings,
        name="notification_settings",
    ),
    path("accounts/api-tokens/", api_pages.api_tokens, name="api_tokens"),
    path(
        "accounts/api-tokens/<int:pk>/revoke/",
        api_pages.api_token_revoke_view,
        name="api_token_revoke",
    ),
    # Single sign-on (mozilla-django-oidc's views, under its usual /oidc/
    # paths and names); 404 while no provider is configured.
    path(
        "oidc/authenticate/",
        accounts.ProviderSignInStart.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "oidc/callback/",
        accounts.ProviderSignInCallback.as_view(),
        name="oidc_authentication_callback",
    ),
    path(
        "accounts/password/change/",
        accounts.MendPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        accounts.MendPasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        accounts.MendPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        accounts.MendPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.MendPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        accounts.MendPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
