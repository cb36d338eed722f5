"""RFC 6749 3.1/3.2: no repeated parameters; bounded sizes."""

from apps.oidc_provider.protocol.parameters import parameters_problem


def test_distinct_parameters_pass():
    assert parameters_problem([("a", "1"), ("b", "2")]) is None


def test_a_repeated_parameter_is_refused():
    assert "more than once" in parameters_problem([("scope", "a"), ("scope", "b")])


def test_resource_may_repeat_rfc_8707():
    assert parameters_problem([("resource", "https://a"), ("resource", "https://b")]) is None


def test_oversized_and_nul_values_are_refused():
    assert "too long" in parameters_problem([("state", "x" * 5000)])
    assert "NUL" in parameters_problem([("state", "a\x00b")])
