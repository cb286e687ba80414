"""The home page: what to do next, by role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..selectors import home_figures


@login_required
def home(request):
    teams = list(request.user.teams.all())
    context = {"teams": teams, "figures": home_figures(request.user)}
    return render(request, "cases/home.html", context)
