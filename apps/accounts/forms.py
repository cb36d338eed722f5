from typing import Any

from django import forms

# Long enough for any real passphrase; short enough that hashing it costs nothing extra.
PASSWORD_MAX_LENGTH = 1024
# Room for an authorization request carrying an id_token_hint.
NEXT_MAX_LENGTH = 8192


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    # Not required by the form: an email whose domain signs in at an upstream identity
    # provider (home-realm discovery) needs none; the view asks for it otherwise.
    password = forms.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # Shown again after a failed attempt: the email is kept, the password is not,
            # so put the cursor where the person has to type.
            self.fields["email"].widget.attrs.pop("autofocus", None)
            self.fields["password"].widget.attrs["autofocus"] = True

    def clean_next(self) -> str:
        # Where to go afterwards is a convenience, never a reason to refuse a sign-in:
        # an absurd value is dropped and the view falls back to the home page.
        value = self.cleaned_data["next"]
        return value if len(value) <= NEXT_MAX_LENGTH else ""
