"""API tokens: obtained with a password, sent as `Authorization: Token <key>`, stored hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import ApiToken

TOKEN_URL = "/api/v1/auth/token/"


@pytest.mark.django_db
def test_obtain_a_token_and_use_it(client, user):
    response = client.post(TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200
    assert me.json() == {"id": user.pk, "username": "alice", "is_staff": False}


@pytest.mark.django_db
def test_only_the_hash_of_the_key_is_stored(client, user):
    key = client.post(TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"}).json()["token"]
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == services.hash_key(key)
    assert key not in (token.key_hash, token.prefix)
    assert token.prefix == key[:8]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "alice", "password": "wrong"}, "password"),
        ({"password": "correct-horse-battery"}, "username"),
        ({"username": "alice"}, "password"),
    ],
)
def test_bad_credentials_are_a_400_naming_the_field(client, user, payload, field):
    response = client.post(TOKEN_URL, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_inactive_users_get_no_token(client, user):
    user.is_active = False
    user.save()
    assert client.post(TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"}).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["revoked", "expired", "inactive-user", "garbage", "wrong-keyword"])
def test_unusable_tokens_are_refused(client, user, state):
    token, key = services.token_create(user=user)
    header = f"Token {key}"
    if state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "inactive-user":
        user.is_active = False
        user.save()
    elif state == "garbage":
        header = "Token not-a-key"
    elif state == "wrong-keyword":
        header = f"Token {key} extra"
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_last_use_is_recorded(client, user):
    token, key = services.token_create(user=user)
    assert token.last_used_at is None
    client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_the_api_needs_authentication(client):
    assert client.get("/api/v1/me/").status_code in (401, 403)


@pytest.mark.django_db
def test_session_authentication_works_for_the_browser(user_client):
    assert user_client.get("/api/v1/me/").json()["username"] == "alice"
