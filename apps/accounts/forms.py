"""The sign-in form, with throttling of repeated failures."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from apps.accounts import services
from apps.audit.middleware import client_address

LOCKED_MESSAGE = "Too many failed sign-ins. Wait 15 minutes and try again."


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password did not match. Please try again.",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request is not None else ""
        if username and services.login_locked(username=username, address=address):
            raise forms.ValidationError(LOCKED_MESSAGE, code="throttled")
        cleaned = super().clean()
        services.login_succeeded(username=username, address=address)
        return cleaned
