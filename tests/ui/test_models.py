"""Model profiles, model calls and metrics in the browser, against the loopback test provider.

The web server (uvicorn) and the worker are processes of their own, started with
``OUTBOUND_ALLOWLIST=127.0.0.1/32`` (tests/conftest.py ``child_env``): that is what lets them call
the test provider on loopback; a ``settings`` override in this process would not reach them.
"""

from __future__ import annotations

import re

import pytest

from apps.gateway.models import LLMCall, ModelProfile
from apps.gateway.routing import Breaker
from tests.engine.helpers import create_workflow, edge, node, start_run, wait_run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def targets(model_server) -> tuple[dict, dict]:
    """A primary that answers 503 and a secondary that answers; their breakers start closed."""
    primary = {"provider": "openai", "model": "ui-primary", "base_url": model_server.base_url("fail-503"), "retries": 0}
    secondary = {"provider": "openai", "model": "ui-secondary", "base_url": model_server.base_url("ok")}
    for target in (primary, secondary):
        Breaker(target).succeeded()
    return primary, secondary


def fill_target(card, *, model: str, base_url: str, retries: str = "") -> None:
    card.get_by_label("Model", exact=True).fill(model)
    card.get_by_label("Base URL").fill(base_url)
    if retries:
        card.get_by_label("Retries").fill(retries)


def test_a_profile_made_in_the_browser_fails_over_when_tested_and_saves_with_its_revision(screen, model_server):
    from apps.gateway import services as gateway

    primary, secondary = targets(model_server)
    page = screen.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    page.get_by_role("heading", name="Model profiles").wait_for()

    # Create it: two targets, the failing one first.
    page.get_by_role("button", name="New model profile").click()
    dialog = page.get_by_role("dialog", name="New model profile")
    dialog.get_by_label("Name").fill("claims")
    dialog.get_by_label("Description").fill("Claims triage")
    fill_target(dialog.get_by_role("listitem", name="Target 1"), model="ui-primary", base_url=primary["base_url"],
                retries="0")  # fmt: skip
    dialog.get_by_role("button", name="Add a target").click()
    fill_target(dialog.get_by_role("listitem", name="Target 2"), model="ui-secondary", base_url=secondary["base_url"])
    screen.shot("29-new-model-profile")
    dialog.get_by_role("button", name="Create model profile").click()
    page.wait_for_url(re.compile(r"/models/\d+$"))
    page.get_by_role("heading", name=re.compile("claims")).wait_for()
    profile = ModelProfile.objects.get(name="claims")
    assert profile.targets == [primary, secondary]
    assert profile.policy == "failover" and profile.description == "Claims triage"
    assert page.get_by_test_id("breaker-1").inner_text() == "Circuit breaker: closed"

    # Test the profile: the first target fails, the second answers — one failover.
    page.get_by_role("button", name="Test the profile").click()
    result = page.get_by_role("region", name="Test result: The profile")
    result.get_by_test_id("test-answer").wait_for()
    assert result.get_by_test_id("test-answer").inner_text() == "echo: Say hello in five words."
    text = result.inner_text()
    assert "openai · ui-secondary" in text and "2 attempts, 1 failover" in text
    tries = result.get_by_role("list", name="Tries of the call")
    assert tries.get_by_role("listitem").count() == 2
    assert re.search(r"target 1 \(openai · ui-primary\): error", tries.get_by_role("listitem").first.inner_text())
    call = LLMCall.objects.get()
    assert (call.failovers, call.attempts, call.model, call.status) == (1, 2, "ui-secondary", "ok")
    # The failure counts against the first target's breaker, shown as it is now.
    page.get_by_test_id("breaker-1").get_by_text("closed, 1 recent failure").wait_for()
    screen.shot("30-model-profile-tested")

    # Test the first target alone: no answer, the error and the failed call.
    page.get_by_role("listitem", name="Target 1").get_by_role("button", name="Test target 1").click()
    alone = page.get_by_role("region", name="Test result: Target 1")
    alone.get_by_test_id("test-error").wait_for()
    assert "every target of 'claims' failed" in alone.get_by_test_id("test-error").inner_text()
    assert "no target answered" in alone.inner_text() and "1 attempt," in alone.inner_text()

    # Reorder and save: the revision goes up and the order is stored.
    page.get_by_role("button", name="Move target 2 up").click()
    first = page.get_by_role("listitem", name="Target 1")
    assert first.get_by_label("Model", exact=True).input_value() == "ui-secondary"
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved as revision 2").wait_for()
    profile.refresh_from_db()
    assert profile.revision == 2 and [t["model"] for t in profile.targets] == ["ui-secondary", "ui-primary"]

    # A bad value is refused and named at its field; nothing is saved.
    page.get_by_role("listitem", name="Target 2").get_by_label("Timeout (s)").fill("9999")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Target 2 · Timeout (s): A number from 0.1 to 600").first.wait_for()
    page.get_by_role("listitem", name="Target 2").get_by_label("Timeout (s)").fill("")

    # Someone else saves meanwhile: a save from the old revision is refused, the changes stay.
    gateway.profile_save(profile=profile, user=screen.user, base_revision=2, description="Changed elsewhere")
    page.get_by_label("Description").fill("Mine")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("alert").get_by_text(re.compile("saved by someone else since revision 2")).wait_for()
    assert page.get_by_label("Description").input_value() == "Mine"
    page.get_by_role("button", name=re.compile("Load their version")).click()
    page.get_by_role("heading", name=re.compile("revision 3")).wait_for()
    assert page.get_by_label("Description").input_value() == "Changed elsewhere"

    # Share… opens the sharing dialog for the profile.
    page.get_by_role("button", name="Share…").click()
    share = page.get_by_role("dialog", name="Share “claims”")
    share.get_by_role("form", name="Add a person or team").wait_for()
    share.get_by_role("button", name="Done").click()
    share.wait_for(state="hidden")

    # Delete, after the confirmation.
    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("dialog", name="Delete “claims”?").get_by_role("button", name="Delete model profile").click()
    page.wait_for_url("**/models")
    assert not ModelProfile.objects.filter(name="claims").exists()
    assert screen.unexpected_errors(allowed=("status of 409", "status of 400")) == []


def test_a_viewer_sees_the_profile_read_only_with_nothing_to_test(screen, make_user, model_server):
    from apps.accounts import services as accounts
    from apps.gateway import services as gateway

    owner = make_user("olga")
    primary, secondary = targets(model_server)
    profile = gateway.profile_create(user=owner, name="shared", targets=[primary, secondary])
    accounts.object_share(obj=profile, actor=owner, user=screen.user, actions=["view"])

    page = screen.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Models").click()
    page.get_by_role("link", name="shared").click()
    page.get_by_test_id("view-only").wait_for()
    page.reload()  # the profile's own address loads the app from the server
    page.get_by_test_id("view-only").wait_for()
    assert "you can't change this model profile" in page.get_by_test_id("view-only").inner_text()
    assert page.get_by_role("listitem", name="Target 1").get_by_label("Model", exact=True).is_disabled()
    for button in ("Save", "Add a target", "Share…", "Delete", "Test the profile", "Test target 1", "Move target 2 up"):
        assert page.get_by_role("button", name=button, exact=True).count() == 0, button
    assert "nothing to test" in page.get_by_role("region", name="Test the profile").inner_text()
    assert screen.unexpected_errors() == []


def test_the_run_page_shows_a_steps_model_call_and_the_metrics_page_counts_it(
    screen, client, model_server, celery_worker_process
):
    from apps.gateway import services as gateway
    from apps.prompts import services as prompts

    primary, secondary = targets(model_server)
    gateway.profile_create(user=screen.user, name="default", targets=[primary, secondary])
    prompts.prompt_create(name="triage", template="Claim {{ claim }}: which queue?", variables=["claim"],
                          system="You sort insurance claims.", user=screen.user)  # fmt: skip
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("ask", "llm.prompt", x=260, prompt="triage@latest", model="default",
                       variables={"claim": "{{ input.id }}"}),
                  node("out", "output", x=520, value="{{ nodes.ask.output.text }}")],
        "edges": [edge("in", "ask"), edge("ask", "out")],
    }  # fmt: skip
    client.force_login(screen.user)
    workflow = create_workflow(client, graph, name="Claims triage")
    run = wait_run(client, start_run(client, workflow["id"], {"id": "C-7"})["id"])
    assert run["status"] == "succeeded", run

    page = screen.page
    page.goto(f"/runs/{run['id']}")
    page.locator('pre[aria-label="Run output"]', has_text="echo: Claim C-7: which queue?").wait_for()
    page.locator('.react-flow [data-testid="node-ask"]').click()
    calls = page.get_by_role("region", name="Model calls")
    calls.wait_for()
    text = calls.inner_text()
    assert "openai · ui-secondary" in text
    assert "8 in · 5 out" in text  # the system prompt and the text; the answer
    assert "2 attempts, 1 failover" in text
    assert "no price for this model" in text and "not streamed" in text
    tries = calls.get_by_role("list", name="Tries of model call")
    tries.wait_for()
    assert re.search(r"target 1 \(openai · ui-primary\): error", tries.get_by_role("listitem").first.inner_text())
    assert "target 2 (openai · ui-secondary): ok" in tries.get_by_role("listitem").nth(1).inner_text()
    screen.shot("31-run-step-model-call")

    # The metrics page counts the call, by model and by workflow.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Metrics").click()
    row = page.get_by_test_id("metrics-row-ui-secondary")
    row.wait_for()
    cells = [c.inner_text() for c in row.get_by_role("cell").all()]
    assert cells[:5] == ["1", "0 (0%)", "1", "8", "5"], cells
    bars = page.get_by_role("figure", name="Tokens").locator(".recharts-bar-rectangle")
    bars.first.wait_for()
    assert bars.count() == 2  # input and output tokens of the one group
    page.get_by_label("Group by").select_option("workflow")
    page.get_by_test_id("metrics-row-Claims triage").wait_for()
    assert re.search(r"/usage\?group_by=workflow$", page.url), page.url
    page.reload()  # the server serves the page itself too (`/metrics` is Prometheus's)
    page.get_by_test_id("metrics-row-Claims triage").wait_for()
    screen.shot("32-metrics")
    # A range that ends before the call leaves nothing.
    page.get_by_label("Before").fill("2000-01-01")
    page.get_by_text("No model calls in this range yet.").wait_for()
    assert screen.unexpected_errors() == []
