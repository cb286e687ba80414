"""The account manager's home page: what needs them today."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cases.casework.selectors import home_figures


@login_required
def account_manager_home(request):
    teams = list(request.user.teams.all())
    context = {"teams": teams, "figures": home_figures(request.user)}
    return render(request, "cases/home.html", context)
