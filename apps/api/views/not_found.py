"""Anything under /api/ that matches no route: a problem, not the HTML 404 page."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from apps.api.views.base import ApiView


@extend_schema(exclude=True)
class NotFound(ApiView):
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    def _missing(self, request: Request, *args: object, **kwargs: object) -> None:
        raise Http404

    get = post = put = patch = delete = head = options = _missing
