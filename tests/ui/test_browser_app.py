"""The browser app, driven like a person would: build, save, run, inspect, batch, conflict."""

from __future__ import annotations

import json
import re

import pytest

from apps.engine.models import Run
from apps.workflows.models import Workflow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def center(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box, f"{selector} is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def connect(page, source: str, target: str, port: str = "out") -> None:
    """Drag from a node's output handle to another node's input handle."""
    start = center(page, f'[data-testid="node-{source}"] .react-flow__handle.source[data-handleid="{port}"]')
    end = center(page, f'[data-testid="node-{target}"] .react-flow__handle.target')
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=5)
    page.mouse.move(*end, steps=5)
    page.mouse.up()


def drop_from_palette(page, node_type: str, x: float, y: float) -> None:
    page.locator(f'[data-node-type="{node_type}"]').drag_to(
        page.get_by_test_id("canvas"), target_position={"x": x, "y": y}
    )


def set_json_param(page, field_id: str, value: str) -> None:
    field = page.locator(f"#{field_id}")
    field.fill(value)
    field.blur()


def test_build_save_run_inspect(screen, celery_worker_process):
    page = screen.page
    screen.shot("01-workflow-list")

    # Create a workflow: it opens on the canvas with a manual trigger.
    page.get_by_role("button", name="New workflow").click()
    dialog = page.get_by_role("dialog", name="New workflow")
    dialog.get_by_label("Name").fill("Greeter")
    dialog.get_by_role("button", name="Create and open").click()
    page.wait_for_url(re.compile(r"/workflows/\d+$"))
    page.get_by_test_id("node-start").wait_for()

    # Drag two nodes from the palette and connect the three.
    drop_from_palette(page, "transform", 360, 160)
    page.get_by_test_id("node-transform").wait_for()
    drop_from_palette(page, "output", 600, 300)
    page.get_by_test_id("node-output").wait_for()
    connect(page, "start", "transform")
    connect(page, "transform", "output")
    assert page.locator(".react-flow__edge").count() == 2
    # A connection back to the trigger is refused (triggers take no input).
    assert page.locator('[data-testid="node-start"] .react-flow__handle.target').count() == 0

    # The empty transform is marked invalid until its value is filled in through the form.
    page.get_by_test_id("node-transform").click()
    page.locator('[data-testid="node-transform"].flow-node--invalid').wait_for()
    value = page.locator("#params-transform-value")
    value.fill('{"greeting": "Hello {{ inp')
    # Typing inside {{ }} offers what the template may read.
    page.get_by_role("option", name="input").first.wait_for()
    value.fill('{"greeting": "Hello {{ input.name }}"}')
    value.blur()
    page.locator('[data-testid="node-transform"].flow-node--invalid').wait_for(state="detached")
    page.get_by_test_id("node-output").click()
    set_json_param(page, "params-output-value", "{{ nodes.transform.output.greeting }}")
    screen.shot("02-editor-built")

    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved as revision 2").wait_for()
    workflow = Workflow.objects.get(name="Greeter")
    assert workflow.revision == 2
    assert [n["id"] for n in workflow.graph["nodes"]] == ["start", "transform", "output"]
    assert workflow.graph["edges"] == [{"source": "start", "target": "transform"},
                                       {"source": "transform", "target": "output"}]  # fmt: skip

    # Reload: the saved graph comes back.
    page.reload()
    page.get_by_test_id("node-output").wait_for()
    assert "revision 2" in page.get_by_test_id("revision").inner_text()

    # Run it and watch the nodes turn green.
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_label("Input (JSON)").fill('{"name": "Ada"}')
    page.get_by_role("button", name="Start run").click()
    for node_id in ("start", "transform", "output"):
        page.locator(f'[data-testid="node-{node_id}"][data-status="succeeded"]').wait_for()
    page.get_by_test_id("run-status").get_by_text("succeeded").wait_for()
    screen.shot("03-editor-run-succeeded")

    # A step's output, from the canvas and from the run page.
    page.get_by_test_id("node-output").click()
    output = page.locator('pre[aria-label="Step output"]')
    output.wait_for()
    assert output.inner_text() == '"Hello Ada"'
    run = Run.objects.get(workflow=workflow)
    assert run.status == "succeeded" and run.output == "Hello Ada"
    page.get_by_role("link", name="open the run").click()
    page.wait_for_url(f"**/runs/{run.pk}")
    page.locator('pre[aria-label="Run output"]', has_text="Hello Ada").wait_for()
    page.locator('.react-flow [data-testid="node-transform"]').click()
    page.get_by_role("region", name="Lineage").get_by_text("start").first.wait_for()
    page.get_by_role("region", name="Timeline").wait_for()
    screen.shot("04-run-page")

    page.get_by_role("link", name="Runs", exact=True).click()
    page.get_by_role("cell", name="Greeter").wait_for()
    screen.shot("05-runs-list")
    assert screen.unexpected_errors() == []


def test_batch_upload_and_progress(screen, celery_worker_process, tmp_path):
    from apps.workflows import services as workflows
    from tests.engine.helpers import edge, node

    graph = {
        "nodes": [node("in", "trigger.manual"), node("out", "output", value="Hi {{ input.name }}")],
        "edges": [edge("in", "out")],
    }
    workflows.workflow_create(name="Batcher", graph=graph, user=screen.user)
    page = screen.page
    page.reload()
    page.get_by_role("row", name=re.compile("Batcher")).get_by_role("button", name="Batch…").click()
    csv = tmp_path / "people.csv"
    csv.write_text("name\nAda\nGrace\nLinus\n")
    page.locator('input[name="batch-file"]').set_input_files(str(csv))
    page.get_by_role("button", name="Start batch").click()
    page.wait_for_url(re.compile(r"/batches/[0-9a-f-]+$"))
    page.get_by_test_id("batch-progress").get_by_text("100%").wait_for(timeout=60_000)
    assert page.get_by_test_id("count-succeeded").inner_text().strip().endswith("3")
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    page.get_by_role("cell", name="3", exact=True).wait_for()
    screen.shot("06-batch-finished")
    assert screen.unexpected_errors() == []


def test_two_tabs_saving_from_one_revision_get_the_conflict_dialog(screen):
    from apps.workflows import services as workflows
    from tests.engine.helpers import edge, node

    user = screen.user
    graph = {"nodes": [node("in", "trigger.manual"), node("out", "output", value="v1")], "edges": [edge("in", "out")]}
    workflow = workflows.workflow_create(name="Shared", graph=graph, user=user)
    first, second = screen.page, screen.new_page()
    for tab in (first, second):
        tab.goto(f"/workflows/{workflow.pk}")
        tab.get_by_test_id("node-out").click()

    set_json_param(first, "params-out-value", "from the first tab")
    first.get_by_role("button", name="Save", exact=True).click()
    first.get_by_text("Saved as revision 2").wait_for()

    set_json_param(second, "params-out-value", "from the second tab")
    second.get_by_role("button", name="Save", exact=True).click()
    dialog = second.get_by_role("dialog", name="Someone else saved this workflow")
    dialog.wait_for()
    assert "revision 2" in dialog.inner_text()
    screen.shot("07-conflict-dialog", second)
    dialog.get_by_role("button", name="Keep mine as a copy").click()
    second.wait_for_url(lambda url: re.search(r"/workflows/\d+$", url) and not url.endswith(f"/{workflow.pk}"))
    second.get_by_test_id("node-out").wait_for()
    copy = Workflow.objects.get(name="Shared (my copy)")
    assert json.dumps(copy.graph).count("from the second tab") == 1
    workflow.refresh_from_db()
    assert workflow.revision == 2 and "from the first tab" in json.dumps(workflow.graph)
    assert screen.unexpected_errors(allowed=("status of 409",)) == []


def test_keyboard_editing_layout_and_the_unsaved_changes_guard(screen):
    from apps.workflows import services as workflows
    from tests.engine.helpers import edge, node

    graph = {"nodes": [node("in", "trigger.manual"), node("t", "transform", value=1)], "edges": [edge("in", "t")]}
    workflow = workflows.workflow_create(name="Keys", graph=graph, user=screen.user)
    page = screen.page
    page.goto(f"/workflows/{workflow.pk}")
    nodes = page.locator(".react-flow__node")
    nodes.first.wait_for()
    assert nodes.count() == 2

    page.get_by_test_id("node-t").click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    page.get_by_test_id("node-t_2").wait_for()
    page.keyboard.press("Control+z")
    page.get_by_test_id("node-t_2").wait_for(state="detached")
    page.keyboard.press("Control+Shift+z")
    page.get_by_test_id("node-t_2").wait_for()
    page.get_by_test_id("node-t_2").click()
    page.keyboard.press("Delete")
    page.get_by_test_id("node-t_2").wait_for(state="detached")
    assert nodes.count() == 2

    # Tidy up moves the nodes into layers, left to right. (Both start at x=0; the canvas then
    # fits the view with an animation, so wait for the layout itself, not for a moment of it.)
    page.get_by_role("button", name="Tidy up").click()
    page.wait_for_function(
        "() => { const box = (id) => document.querySelector(`[data-testid=\"node-${id}\"]`).getBoundingClientRect();"
        " const start = box('in'), after = box('t'); return after.x > start.x + start.width; }"
    )

    # The layout is an unsaved change: leaving asks first.
    assert "unsaved changes" in page.get_by_test_id("revision").inner_text()
    page.get_by_role("link", name="← Workflows").click()
    guard = page.get_by_role("dialog", name="Leave without saving?")
    guard.wait_for()
    guard.get_by_role("button", name="Stay").click()
    assert re.search(rf"/workflows/{workflow.pk}$", page.url)
    page.keyboard.press("Control+s")
    page.get_by_text("Saved as revision 2").wait_for()
    page.get_by_role("link", name="← Workflows").click()
    page.wait_for_url("**/workflows")
    assert screen.unexpected_errors() == []


def test_the_list_imports_exports_duplicates_and_deletes(screen, tmp_path):
    from apps.workflows import services as workflows
    from tests.engine.helpers import edge, node

    graph = {"nodes": [node("in", "trigger.manual"), node("o", "output", value=1)], "edges": [edge("in", "o")]}
    original = workflows.workflow_create(name="Claims triage", graph=graph, user=screen.user)
    page = screen.page
    page.reload()
    row = page.get_by_role("row", name=re.compile("Claims triage"))
    with page.expect_download() as download:
        row.get_by_role("button", name="Export").click()
    exported = tmp_path / "claims.sluice.json"
    download.value.save_as(exported)
    assert json.loads(exported.read_text())["graph"] == graph

    row.get_by_role("button", name="Duplicate").click()
    page.get_by_role("link", name="Claims triage (copy)").wait_for()

    data = json.loads(exported.read_text())
    data["name"] = "Imported triage"
    exported.write_text(json.dumps(data))
    page.get_by_label("Import a workflow file").set_input_files(str(exported))
    page.get_by_role("link", name="Imported triage").wait_for()
    assert Workflow.objects.get(name="Imported triage").graph == graph

    page.get_by_label("Search").fill("copy")
    page.get_by_role("link", name="Imported triage").wait_for(state="detached")
    page.get_by_role("link", name="Claims triage (copy)").wait_for()
    page.get_by_label("Search").fill("")
    page.get_by_role("row", name=re.compile("Imported triage")).get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name=re.compile("Delete"))
    confirm.get_by_role("button", name="Delete workflow").click()
    page.get_by_role("link", name="Imported triage").wait_for(state="detached")
    assert not Workflow.objects.filter(name="Imported triage").exists()
    assert Workflow.objects.filter(pk=original.pk).exists()
    screen.shot("08-workflow-list-actions")
    assert screen.unexpected_errors() == []


def test_history_compare_rollback_and_tags(screen, celery_worker_process):
    from apps.workflows import services as workflows
    from tests.engine.helpers import edge, node

    def flow(greeting: str) -> dict:
        return {"nodes": [node("in", "trigger.manual"), node("say", "transform", x=260, value={"greeting": greeting}),
                          node("out", "output", x=520, value="{{ nodes.say.output }}")],
                "edges": [edge("in", "say"), edge("say", "out")]}  # fmt: skip

    workflow = workflows.workflow_create(name="Versions", graph=flow("Hello"), user=screen.user)
    for revision, greeting in ((1, "Hi"), (2, "Hi there")):
        workflow = workflows.workflow_save(workflow=workflow, base_revision=revision, user=screen.user,
                                           graph=flow(greeting), reason=f"say {greeting}")  # fmt: skip
    from apps.engine import services as engine

    past = engine.run_start_inline(workflow_version=workflow.versions.get(version=1), input={}, user=screen.user)
    assert past.output == {"greeting": "Hello"}
    page = screen.page
    page.goto(f"/workflows/{workflow.pk}")
    page.get_by_role("tab", name="History").click()
    page.get_by_test_id("version-1").wait_for()

    # A run of version 1, run again on version 3: both outputs side by side.
    compare = page.get_by_role("form", name="Compare past runs")
    compare.get_by_label("Past run ids").fill(str(past.pk))
    compare.get_by_label("Run them on version").fill("3")
    compare.get_by_role("button", name="Compare").click()
    page.get_by_test_id("comparison-counts").get_by_text("Done").wait_for(timeout=30_000)
    assert "1 different" in page.get_by_test_id("comparison-counts").inner_text()
    assert '"Hi there"' in page.locator('pre[aria-label="Candidate output"]').inner_text()
    assert '"Hello"' in page.locator('pre[aria-label="Baseline output"]').inner_text()
    assert "say Hi there" in page.get_by_test_id("version-3").inner_text()

    page.get_by_test_id("version-1").get_by_role("button", name="Compare with current").click()
    changes = page.get_by_role("region", name="Changes")
    changes.get_by_text("params.value.greeting").wait_for()
    assert '"Hello" → "Hi there"' in changes.inner_text()
    page.locator('[data-testid="node-say"][data-diff="changed"]').wait_for()
    assert page.locator('[data-testid="node-out"][data-diff=""]').count() == 1
    screen.shot("09-history-compare")

    page.get_by_test_id("version-1").get_by_role("button", name="Roll back to v1").click()
    dialog = page.get_by_role("dialog", name="Roll back to version 1?")
    dialog.get_by_label("Reason").fill("v3 confuses customers")
    dialog.get_by_role("button", name="Roll back").click()
    page.get_by_text("Rolled back: now revision 4").wait_for()
    page.get_by_test_id("version-4").get_by_text("rolled back to version 1: v3 confuses customers").wait_for()
    page.get_by_test_id("node-say").click()  # the reloaded graph is on the canvas, visible
    workflow.refresh_from_db()
    assert workflow.revision == 4 and workflow.graph == flow("Hello")
    assert workflow.versions.count() == 4

    tags = page.get_by_role("form", name="Move a tag")
    tags.get_by_label("Points at version").fill("4")
    tags.get_by_role("button", name="Move tag").click()
    page.get_by_test_id("version-4").get_by_text("production").wait_for()
    assert workflow.tags.get(name="production").version.version == 4
    screen.shot("10-history-tagged")
    assert screen.unexpected_errors() == []


def test_prompt_editor_preview_history_and_compare(screen, celery_worker_process):
    from apps.prompts import services as prompts
    from apps.workflows import services as workflows
    from tests.engine.helpers import edge, node

    prompts.prompt_create(name="reply", template="Dear {{ name }},", variables=["name"], user=screen.user)
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("ask", "prompt.render", x=260, prompt="reply@latest", variables={"name": "{{ input.name }}"}),
                  node("out", "output", x=520, value="{{ nodes.ask.output.text }}")],
        "edges": [edge("in", "ask"), edge("ask", "out")],
    }  # fmt: skip
    workflow = workflows.workflow_create(name="Replies", graph=graph, user=screen.user)
    from apps.engine import services as engine

    run = engine.run_start_inline(workflow_version=workflow.versions.get(), input={"name": "Ada"}, user=screen.user)
    assert run.output == "Dear Ada,"

    page = screen.page
    page.get_by_role("link", name="Prompts").click()
    page.get_by_role("link", name="reply").click()
    form = page.get_by_role("form", name="Prompt", exact=True)
    form.get_by_label("Template").fill("Hello {{ name }}! About {{ topic }}")
    page.locator("mark.var--unknown", has_text="{{ topic }}").wait_for()  # not declared: marked
    form.get_by_role("button", name="Save").click()
    page.get_by_role("alert").get_by_text("not a declared variable").wait_for()
    form.get_by_label("Template").fill("Hello {{ name }}!")
    form.get_by_label("Why this change").fill("warmer")
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Saved as version 2").wait_for()

    preview = page.get_by_role("region", name="Preview")
    preview.get_by_label("Sample variables (JSON)").fill('{"name": "Grace {{ 7*7 }}"}')
    preview.get_by_role("button", name="Render the saved version").click()
    assert page.locator('pre[aria-label="Rendered text"]').inner_text() == "Hello Grace {{ 7*7 }}!"

    page.get_by_test_id("prompt-version-1").get_by_role("button", name="Diff with current").click()
    diff = page.get_by_role("region", name="Line diff")
    diff.locator(".removed", has_text="-Dear {{ name }},").wait_for()
    diff.locator(".added", has_text="+Hello {{ name }}!").wait_for()

    compare = page.get_by_role("region", name="Compare")
    compare.get_by_label("Past run ids").fill(str(run.pk))
    compare.get_by_label("Try version").fill("2")
    compare.get_by_role("button", name="Compare").click()
    page.get_by_test_id("comparison-counts").get_by_text("Done").wait_for(timeout=30_000)
    assert "1 different" in page.get_by_test_id("comparison-counts").inner_text()
    assert page.locator('pre[aria-label="Baseline output"]').inner_text() == '"Dear Ada,"'
    assert page.locator('pre[aria-label="Candidate output"]').inner_text() == '"Hello Ada!"'
    screen.shot("11-prompt-compare")

    page.get_by_test_id("prompt-version-1").get_by_role("button", name="Roll back to v1").click()
    dialog = page.get_by_role("dialog", name="Roll back to version 1?")
    dialog.get_by_role("button", name="Roll back").click()
    page.get_by_text("Rolled back: now version 3").wait_for()
    tags = page.get_by_role("form", name="Move a prompt tag")
    tags.get_by_role("button", name="Move tag").click()
    page.get_by_test_id("prompt-version-3").get_by_text("production").wait_for()
    assert screen.unexpected_errors(allowed=("status of 400",)) == []
