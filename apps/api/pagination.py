"""Cursor pagination (opaque ``cursor`` parameter, ``next``/``previous`` links): stable
under inserts, unlike page numbers, and cheap on large tables (an indexed seek)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NewestFirstPagination(IdCursorPagination):
    ordering = "-id"


class CreatedNewestFirstPagination(IdCursorPagination):
    ordering = "-created_at"
