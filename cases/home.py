"""The home page: what to do next, by role."""

from django.contrib.auth.decorators import login_required

from cases import access
from cases.casework.views.home import account_manager_home
from cases.review.views import manager_dashboard


@login_required
def home(request):
    """Those who oversee teams start on the dashboard; account managers on
    what needs them today."""
    if access.oversees_teams(request.user):
        return manager_dashboard(request)
    return account_manager_home(request)
