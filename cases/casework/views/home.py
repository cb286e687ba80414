"""The home page: what to do next, by role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cases import access
from cases.casework.selectors import home_figures
from cases.review.views import manager_dashboard


@login_required
def home(request):
    if access.oversees_teams(request.user):
        return manager_dashboard(request)
    teams = list(request.user.teams.all())
    context = {"teams": teams, "figures": home_figures(request.user)}
    return render(request, "cases/home.html", context)
