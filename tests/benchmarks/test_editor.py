"""Editor figures (`make bench`): a 1,000-node workflow in headless Chromium.

(a) time from navigation until the graph is interactive (every node drawn and a click on
a node opens it in the inspector), (b) frame time while dragging a node. Headless Chromium
paces frames at its refresh rate (about 17 ms here even when idle), so besides the frame
interval the figure that counts is the main thread's work per frame while dragging:
Chromium's own task time (CDP Performance metrics) divided by the frames drawn. Printed,
never asserted.
"""

from __future__ import annotations

import statistics

import pytest

from apps.workflows import services as workflows
from tests.engine.helpers import edge, node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

NODES = 1000
COLUMNS = 40


def big_graph() -> dict:
    nodes = [node("start", "trigger.manual")]
    edges = []
    for index in range(1, NODES):
        node_id = f"n{index}"
        item = node(node_id, "transform", value={"n": index})
        item["position"] = {"x": (index % COLUMNS) * 260, "y": (index // COLUMNS) * 120}
        nodes.append(item)
        # A layered fan: every node hangs off one in the previous row (or the trigger).
        parent = "start" if index < COLUMNS else f"n{index - COLUMNS + (1 if index % COLUMNS == 0 else 0)}"
        edges.append(edge(parent, node_id))
    return {"nodes": nodes, "edges": edges}


def record_frames(page) -> None:
    page.evaluate(
        """() => { window.__frames = []; let last = performance.now();
        const tick = (now) => { window.__frames.push(now - last); last = now;
          if (window.__recording) requestAnimationFrame(tick); };
        window.__recording = true; requestAnimationFrame(tick); }"""
    )


def task_seconds(cdp) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"]


def stop_frames(page) -> list[float]:
    frames = page.evaluate("() => { window.__recording = false; return window.__frames.slice(2); }")
    return sorted(frames)


def test_a_1000_node_workflow_in_the_editor(screen):
    workflow = workflows.workflow_create(name="Big", graph=big_graph(), user=screen.user)
    page = screen.page
    times = []
    for _ in range(3):
        page.goto(f"/workflows/{workflow.pk}")
        page.locator(".react-flow__node").nth(NODES - 1).wait_for(state="attached")
        page.get_by_test_id("node-n500").click(force=True)
        page.get_by_role("complementary", name="Node n500").wait_for()
        times.append(page.evaluate("performance.now()"))
    drawn = page.locator(".react-flow__node").count()

    # The same page idle, for the refresh interval frames cannot beat.
    record_frames(page)
    page.wait_for_timeout(1000)
    idle = stop_frames(page)

    # Drag one node around while the page records its frames and Chromium its task time.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    busy_before = task_seconds(cdp)
    record_frames(page)
    box = page.get_by_test_id("node-n500").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(120):
        page.mouse.move(x + (step % 40) * 4, y + (step // 40) * 6)
    page.mouse.up()
    frames = stop_frames(page)
    work_per_frame = (task_seconds(cdp) - busy_before) * 1000 / max(len(frames), 1)
    p95 = frames[int(len(frames) * 0.95) - 1] if frames else float("nan")
    print(
        f"\nBENCH editor, {NODES}-node workflow ({drawn} nodes drawn): interactive after "
        f"{statistics.median(times):.0f} ms (median of {len(times)} loads; n8n: about 19 s for 1,000 nodes; "
        f"target <= 1.5 s)"
    )
    print(
        f"BENCH editor, dragging a node in the {NODES}-node workflow: frame time median "
        f"{statistics.median(frames):.1f} ms, p95 {p95:.1f} ms over {len(frames)} frames (the idle page's frames: "
        f"{statistics.median(idle):.1f} ms); main-thread work {work_per_frame:.1f} ms per frame (target <= 16 ms)"
    )
    assert drawn == NODES
