from django.urls import path

from apps.policies.views import forward_auth, forward_auth_return

app_name = "policies"

urlpatterns = [
    path("policies/forward-auth", forward_auth.forward_auth, name="forward-auth"),
    path("policies/return", forward_auth_return.forward_auth_return, name="return"),
]
