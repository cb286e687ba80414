"""Panels that htmx loads into a page, and that stand alone when opened as links."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_panel(request, partial: str, page: str, context: dict):
    """The panel alone for htmx (`request.htmx`, from django-htmx's middleware);
    wrapped in `page`, which extends base.html, for a link opened on its own.

    The answer varies on HX-Request, so a browser's cache never shows the bare
    panel for the page (going back, say) or the page inside the panel.
    """
    response = render(request, partial if request.htmx else page, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
