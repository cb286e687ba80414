"""The home page: what to do next, by role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    teams = list(request.user.teams.all())
    return render(request, "cases/home.html", {"teams": teams})
