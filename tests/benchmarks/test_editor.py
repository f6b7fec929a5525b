"""Editor figures (`make bench`): a 1,000-node workflow in headless Chromium.

(a) time from navigation until the graph is interactive (every node drawn and a click on
a node opens it in the inspector), (b) frame time while dragging a node. Chromium runs
with its frame-rate cap off, so a frame's time is the work it took, not the 60 Hz
refresh. Printed, never asserted.
"""

from __future__ import annotations

import statistics

import pytest

from apps.workflows import services as workflows
from tests.engine.helpers import edge, node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

NODES = 1000
COLUMNS = 40


@pytest.fixture(scope="module")
def chromium_extra_args() -> list[str]:
    return ["--disable-frame-rate-limit", "--disable-gpu-vsync"]


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

    # Drag one node around for about two seconds while the page records its frames.
    page.evaluate(
        """() => { window.__frames = []; let last = performance.now();
        const tick = (now) => { window.__frames.push(now - last); last = now;
          if (window.__recording) requestAnimationFrame(tick); };
        window.__recording = true; requestAnimationFrame(tick); }"""
    )
    box = page.get_by_test_id("node-n500").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(120):
        page.mouse.move(x + (step % 40) * 4, y + (step // 40) * 6)
    page.mouse.up()
    frames = page.evaluate("() => { window.__recording = false; return window.__frames.slice(2); }")
    frames.sort()
    p95 = frames[int(len(frames) * 0.95) - 1] if frames else float("nan")
    print(
        f"\nBENCH editor, {NODES}-node workflow ({drawn} nodes drawn): interactive after "
        f"{statistics.median(times):.0f} ms (median of {len(times)} loads; n8n: about 19 s for 1,000 nodes; "
        f"target <= 1.5 s)"
    )
    print(
        f"BENCH editor, dragging a node in the {NODES}-node workflow: frame time median "
        f"{statistics.median(frames):.1f} ms, p95 {p95:.1f} ms over {len(frames)} frames (target <= 16 ms)"
    )
    assert drawn == NODES
