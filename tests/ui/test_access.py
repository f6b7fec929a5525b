"""Access control in the browser: what a viewer is (not) offered, and sharing through the dialog."""

from __future__ import annotations

import re

import pytest

from apps.workflows.models import Workflow
from tests.browser import PASSWORD, Screen
from tests.engine.helpers import edge, node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def flow() -> dict:
    return {
        "nodes": [node("in", "trigger.manual"), node("t", "transform", x=260, value={"greeting": "Hello"}),
                  node("out", "output", x=520, value="{{ nodes.t.output }}")],
        "edges": [edge("in", "t"), edge("t", "out")],
    }  # fmt: skip


def center(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box, f"{selector} is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_viewer_sees_the_workflow_but_is_offered_nothing_that_changes_or_runs_it(screen, make_user):
    from apps.accounts import services as accounts
    from apps.workflows import services as workflows

    owner = make_user("olga")
    workflow = workflows.workflow_create(name="Claims triage", graph=flow(), user=owner)
    accounts.object_share(obj=workflow, actor=owner, user=screen.user, group=None, actions=["view"])

    page = screen.page
    page.reload()
    row = page.get_by_role("row", name=re.compile("Claims triage"))
    row.wait_for()
    # The list offers what a viewer may do (open, export, duplicate), not batch, share or delete.
    for button in ("Batch…", "Share…", "Delete"):
        assert row.get_by_role("button", name=button).count() == 0, button
    row.get_by_role("link", name="Claims triage").click()
    page.wait_for_url(f"**/workflows/{workflow.pk}")
    page.get_by_test_id("node-t").wait_for()

    notice = page.get_by_test_id("view-only")
    notice.wait_for()
    assert "View only — you can't change this workflow" in notice.inner_text()
    toolbar = page.get_by_role("toolbar", name="Workflow")
    for button in ("Save", "Run", "Undo", "Redo", "Tidy up", "Share…"):
        assert toolbar.get_by_role("button", name=button, exact=True).count() == 0, button
    assert page.get_by_label("Workflow name").get_attribute("readonly") is not None

    # The palette lists the node types but none can be added or dragged.
    item = page.locator('[data-node-type="transform"]')
    assert item.is_disabled()
    assert item.get_attribute("draggable") == "false"

    # The inspector shows a node's parameters, disabled.
    page.get_by_test_id("node-t").click()
    page.get_by_role("complementary", name="Node t").wait_for()
    assert page.locator("#node-id").is_disabled()
    assert page.locator("#params-t-value").is_disabled()
    assert '"greeting": "Hello"' in page.locator("#params-t-value").input_value()

    # Delete does nothing, nodes do not move, and no connection can be drawn.
    page.keyboard.press("Delete")

    def offset() -> float:  # where "out" sits from "in" (dragging on a fixed node pans the view instead)
        return page.get_by_test_id("node-out").bounding_box()["x"] - page.get_by_test_id("node-in").bounding_box()["x"]

    before = offset()
    x, y = center(page, '[data-testid="node-out"]')
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 200, y + 150, steps=5)
    page.mouse.up()
    assert offset() == pytest.approx(before, abs=1)
    start = center(page, '[data-testid="node-in"] .react-flow__handle.source')
    end = center(page, '[data-testid="node-out"] .react-flow__handle.target')
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    assert page.locator(".react-flow__node").count() == 3
    assert page.locator(".react-flow__edge").count() == 2
    assert "unsaved changes" not in page.get_by_test_id("revision").inner_text()

    # History: the versions are listed, with nothing to roll back, tag or compare.
    page.get_by_role("tab", name="History").click()
    page.get_by_test_id("version-1").wait_for()
    assert page.get_by_role("button", name=re.compile("Roll back")).count() == 0
    assert page.get_by_role("form", name="Move a tag").count() == 0
    assert page.get_by_role("form", name="Compare past runs").count() == 0

    workflow.refresh_from_db()
    assert workflow.revision == 1 and workflow.graph == flow()
    screen.shot("20-viewer-read-only")
    assert screen.unexpected_errors() == []


def test_an_owner_shares_a_workflow_in_the_dialog_and_the_other_user_then_has_it(
    screen, browser, asgi_server, make_user
):
    from apps.accounts.permissions import restrict
    from apps.workflows import services as workflows

    bob = make_user("bob", password=PASSWORD)
    workflow = workflows.workflow_create(name="Shared claims", graph=flow(), user=screen.user)
    assert not restrict(Workflow.objects.filter(pk=workflow.pk), bob, "view").exists()

    page = screen.page
    page.goto(f"/workflows/{workflow.pk}")
    page.get_by_test_id("node-t").wait_for()
    page.get_by_role("toolbar", name="Workflow").get_by_role("button", name="Share…").click()
    dialog = page.get_by_role("dialog", name="Share “Shared claims”")
    add = dialog.get_by_role("form", name="Add a person or team")
    add.wait_for()

    # The picker suggests users as you type.
    add.get_by_label("Username").fill("bo")
    dialog.get_by_role("option", name="bob").click()
    assert add.get_by_label("Username").input_value() == "bob"
    add.get_by_label("Role", exact=True).select_option("runner")
    add.get_by_role("button", name="Add").click()
    dialog.get_by_text("Shared with bob as runner").wait_for()
    grant = dialog.get_by_test_id("grant-user:bob")
    assert grant.get_by_label("bob may view").is_checked()
    assert grant.get_by_label("bob may run").is_checked()
    assert not grant.get_by_label("bob may change").is_checked()
    assert restrict(Workflow.objects.filter(pk=workflow.pk), bob, "run").exists()

    # Change the grant: running taken away, viewing kept.
    grant.get_by_label("bob may run").uncheck()
    grant.get_by_role("button", name="Save what bob may do").click()
    dialog.get_by_text("Saved what bob may do").wait_for()
    assert not grant.get_by_label("bob may run").is_checked()
    assert restrict(Workflow.objects.filter(pk=workflow.pk), bob, "view").exists()
    assert not restrict(Workflow.objects.filter(pk=workflow.pk), bob, "run").exists()
    screen.shot("21-share-dialog")
    dialog.get_by_role("button", name="Done").click()
    dialog.wait_for(state="hidden")
    assert screen.unexpected_errors() == []

    # Bob signs in: the workflow is in his list, and opens view-only, with nothing to run.
    other = Screen(browser, asgi_server.url, bob)
    try:
        link = other.page.get_by_role("link", name="Shared claims")
        link.wait_for()
        link.click()
        other.page.get_by_test_id("view-only").wait_for()
        other.page.get_by_test_id("node-t").wait_for()
        assert other.page.get_by_role("button", name="Run", exact=True).count() == 0
        assert other.page.get_by_role("button", name="Save", exact=True).count() == 0
        other.shot("22-shared-with-bob", other.page)
        assert other.unexpected_errors() == []
    finally:
        other.close()


def test_an_api_token_is_shown_once_then_revoked_from_the_account_page(screen, asgi_server):
    import httpx

    def me(key: str) -> httpx.Response:
        return httpx.get(f"{asgi_server.url}/api/v1/me/", headers={"Authorization": f"Token {key}"}, timeout=10)

    screen.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=asgi_server.url)
    page = screen.page
    page.get_by_role("banner").get_by_role("link", name="ada").click()
    page.wait_for_url("**/account")
    form = page.get_by_role("form", name="New API token")
    form.get_by_label("Name").fill("nightly import")
    form.get_by_label("Expires after").fill("30")
    form.get_by_role("button", name="Create token").click()

    dialog = page.get_by_role("dialog", name="Your new API token")
    dialog.get_by_text("it is shown only this once").wait_for()
    key = dialog.get_by_label("API token “nightly import”").input_value()
    assert key and me(key).json()["username"] == "ada"
    dialog.get_by_role("button", name="Copy").click()
    dialog.get_by_text("Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    screen.shot("23-token-once")
    dialog.get_by_role("button", name="I have copied it").click()

    row = page.get_by_role("row", name=re.compile("nightly import"))
    row.get_by_text("Active").wait_for()
    assert key not in page.content()  # shown once, never again
    row.get_by_role("button", name="Revoke nightly import").click()
    page.get_by_role("dialog", name="Revoke “nightly import”?").get_by_role("button", name="Revoke token").click()
    row.get_by_text("Revoked").wait_for()
    assert row.get_by_role("button", name="Revoke nightly import").count() == 0
    assert me(key).status_code in (401, 403)
    assert screen.unexpected_errors() == []


def test_a_credential_s_secret_is_write_only_and_the_audit_log_shows_its_changes(browser, asgi_server, make_user):
    from apps.vault.models import Credential

    root = make_user("root", password=PASSWORD, superuser=True)
    admin = Screen(browser, asgi_server.url, root)
    try:
        page = admin.page
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()
        page.get_by_role("button", name="New credential").click()
        dialog = page.get_by_role("dialog", name="New credential")
        dialog.get_by_label("Name", exact=True).fill("crm")
        dialog.get_by_label("Kind").select_option("header")
        dialog.get_by_label("Header name").fill("X-Api-Key")
        dialog.get_by_label("Header value (secret)").fill("s3cret-one")
        dialog.get_by_role("button", name="Create credential").click()
        page.wait_for_url(re.compile(r"/credentials/\d+$"))
        page.get_by_role("heading", name="crm").wait_for()
        credential = Credential.objects.get(name="crm")
        assert (credential.kind, credential.header) == ("header", "X-Api-Key")
        assert "X-Api-Key: …" in page.get_by_role("region", name="About this credential").inner_text()

        replace = page.get_by_role("form", name="Replace the secret")
        replace.get_by_label("New header value (secret)").fill("s3cret-two")
        replace.get_by_role("button", name="Replace secret").click()
        page.get_by_text("Secret replaced").wait_for()
        assert replace.get_by_label("New header value (secret)").input_value() == ""
        assert "s3cret" not in page.content()
        admin.shot("24-credential", page)

        # The audit log (staff only) has both changes, and never the secret.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
        page.wait_for_url("**/audit")
        search = page.get_by_role("search", name="Filter the audit log")
        search.get_by_label("Object type").fill("credential")
        search.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(r"object_type=credential"))
        page.get_by_role("cell", name="credential.update", exact=True).wait_for()
        page.get_by_role("cell", name="credential.create", exact=True).wait_for()
        page.get_by_role("button", name=re.compile("Show the summary of entry")).first.click()
        summary = page.locator('pre[aria-label^="Summary of entry"]')
        summary.wait_for()
        assert "s3cret" not in page.content()
        admin.shot("25-audit", page)
        assert admin.unexpected_errors() == []
    finally:
        admin.close()


def test_the_run_page_downloads_evidence_and_offers_a_rerun_only_to_who_may_run(screen, browser, asgi_server,
                                                                               make_user, tmp_path):  # fmt: skip
    import json

    from apps.accounts import services as accounts
    from apps.engine import services as engine
    from apps.workflows import services as workflows

    workflow = workflows.workflow_create(name="Evidenced", graph=flow(), user=screen.user)
    run = engine.run_start_inline(workflow_version=workflow.versions.get(), input={"claim": 7}, user=screen.user)
    assert run.status == "succeeded"
    page = screen.page
    page.goto(f"/runs/{run.pk}")
    page.locator('pre[aria-label="Run output"]', has_text="Hello").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Evidence (JSON)").click()
    assert download.value.suggested_filename == f"run-{run.pk}-evidence.json"
    saved = tmp_path / "evidence.json"
    download.value.save_as(saved)
    assert str(run.pk) in json.dumps(json.loads(saved.read_text()))
    page.get_by_role("button", name="Run again").click()
    page.wait_for_url(lambda url: "/runs/" in url and not url.endswith(str(run.pk)))
    assert screen.unexpected_errors() == []

    # Someone who may only see the workflow sees its run and its evidence, but cannot run it again.
    viewer = make_user("vera", password=PASSWORD)
    accounts.object_share(obj=workflow, actor=screen.user, user=viewer, group=None, actions=["view"])
    other = Screen(browser, asgi_server.url, viewer)
    try:
        other.page.goto(f"/runs/{run.pk}")
        other.page.get_by_role("button", name="Evidence (JSON)").wait_for()
        assert other.page.get_by_role("button", name="Run again").count() == 0
        assert other.page.get_by_role("button", name="Cancel run").count() == 0
        assert other.unexpected_errors() == []
    finally:
        other.close()


def test_a_prompt_shared_to_view_is_shown_read_only(screen, make_user):
    from apps.accounts import services as accounts
    from apps.prompts import services as prompts

    owner = make_user("olga")
    prompt = prompts.prompt_create(name="reply", template="Dear {{ name }},", variables=["name"], user=owner)
    accounts.object_share(obj=prompt, actor=owner, user=screen.user, group=None, actions=["view"])
    page = screen.page
    page.goto("/prompts/reply")
    page.get_by_test_id("view-only").get_by_text("View only — you can't change this prompt").wait_for()
    form = page.get_by_role("form", name="Prompt", exact=True)
    assert form.get_by_label("Template").is_disabled()
    assert form.get_by_label("Template").input_value() == "Dear {{ name }},"
    assert form.get_by_role("button", name="Save").count() == 0
    assert page.get_by_role("button", name="Share…").count() == 0
    page.get_by_test_id("prompt-version-1").wait_for()
    assert page.get_by_role("form", name="Move a prompt tag").count() == 0
    assert screen.unexpected_errors() == []
