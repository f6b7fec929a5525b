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
    assert me.json() == {"id": user.pk, "username": "alice", "is_staff": False, "is_superuser": False, "teams": []}


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


@pytest.mark.django_db
def test_tokens_are_listed_created_with_an_expiry_and_revoked(user_client, user):
    from apps.audit.models import AuditEntry

    created = user_client.post("/api/v1/tokens/", {"name": "ci", "expires_in_days": 30},
                               content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    key = body["token"]
    assert body["prefix"] == key[:8] and body["name"] == "ci"
    assert timedelta(days=29) < services.token_authenticate(key=key).expires_at - timezone.now() <= timedelta(days=30)
    listed = user_client.get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    assert user_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert user_client.delete(f"/api/v1/tokens/{body['id']}/").status_code == 204
    assert user_client.get("/api/v1/tokens/").json()["results"][0]["revoked_at"]
    from django.test import Client

    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    actions = list(AuditEntry.objects.filter(object_type="apitoken").order_by("id").values_list("action", flat=True))
    assert actions == ["token.create", "token.use", "token.revoke"]
    bad = user_client.post("/api/v1/tokens/", {"expires_in_days": 0}, content_type="application/json")
    assert bad.status_code == 400 and "expires_in_days" in bad.json()


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_username_out_for_a_while(client, user, settings):
    from apps.audit.models import AuditEntry

    settings.LOGIN_FAILURE_LIMIT = 3
    address = f"203.0.113.{timezone.now().microsecond % 250 + 1}"
    wrong = {"username": "alice", "password": "wrong"}
    for _ in range(3):
        assert client.post(TOKEN_URL, wrong, REMOTE_ADDR=address).status_code == 400
    # Now even the right password is refused, on both ways in.
    right = {"username": "alice", "password": "correct-horse-battery"}
    refused = client.post(TOKEN_URL, right, REMOTE_ADDR=address)
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.json()["detail"]
    page = client.post("/accounts/login/", right, REMOTE_ADDR=address)
    assert page.status_code == 200 and b"Too many failed sign-ins" in page.content
    assert "_auth_user_id" not in client.session
    # Elsewhere the user can still sign in.
    assert client.post("/accounts/login/", right, REMOTE_ADDR="198.51.100.7").status_code == 302
    failures = AuditEntry.objects.filter(action="auth.login_failed", source=address)
    assert failures.count() == 3 and failures.first().summary == {"username": "alice"}
    assert AuditEntry.objects.filter(action="auth.login", actor="alice", source="198.51.100.7").exists()
    assert not AuditEntry.objects.filter(summary__icontains="wrong").exists()
