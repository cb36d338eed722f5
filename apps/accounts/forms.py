from django import forms

# Long enough for any real passphrase; short enough that hashing it costs nothing extra.
PASSWORD_MAX_LENGTH = 1024
NEXT_MAX_LENGTH = 2048


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_next(self) -> str:
        # Where to go afterwards is a convenience, never a reason to refuse a sign-in:
        # an absurd value is dropped and the view falls back to the home page.
        value = self.cleaned_data["next"]
        return value if len(value) <= NEXT_MAX_LENGTH else ""
