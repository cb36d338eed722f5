"""The signed-in person's landing page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")
