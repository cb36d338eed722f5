"""Sessions tests drive the OpenID Provider too: share its fixtures."""

from tests.oidc_provider.conftest import (  # noqa: F401  (pytest fixtures)
    first_party,
    flow,
    make_client,
    rp,
    signed_in,
)
