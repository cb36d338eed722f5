"""Strict input: a field the operation does not define is an error, never ignored (a
typo such as ``is_actve`` must not look like success)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors = {
                str(name): ["This field is read-only." if name in self.fields else "Unknown field."]
                for name in data
                if name not in writable
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictListField(serializers.ListField):
    """A list that refuses a bare string (DRF would otherwise iterate its characters from
    a form post; JSON strings are refused anyway)."""

    def to_internal_value(self, data: Any) -> list:
        if isinstance(data, (str, Mapping)):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


def string_list(item_max_length: int = 2000, **kwargs: Any) -> StrictListField:
    return StrictListField(
        child=serializers.CharField(max_length=item_max_length), max_length=100, **kwargs
    )


class Problem(serializers.Serializer):
    """RFC 9457 problem details, as the schema documents them."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), required=False
    )
