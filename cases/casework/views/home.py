"""The account manager's home page: what needs them today, and what is new
to them (every home page's "Mark all read" posts here too)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases.casework.selectors import home_figures
from cases.casework.services.notices import notices_read_all
from cases.models import Notice


@login_required
def account_manager_home(request):
    teams = list(request.user.teams.all())
    context = {
        "teams": teams,
        "figures": home_figures(request.user),
        "new_to_you": Notice.objects.new_to_you(request.user),
    }
    return render(request, "cases/home.html", context)


@login_required
@require_POST
def notices_mark_read(request):
    if notices_read_all(user=request.user):
        messages.success(request, "Everything new to you is marked read.")
    return redirect("home")
