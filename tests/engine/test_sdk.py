"""The node SDK: custom node types from the setting or an entry point, on the palette, run by workers."""

from __future__ import annotations

import pytest

from apps.engine.registry import Registry, build_registry, get_registry
from tests.engine.custom_nodes import SlugifyNode
from tests.engine.helpers import create_workflow, edge, node, start_run, wait_run


def test_loading_from_the_setting():
    registry = build_registry(["tests.engine.custom_nodes.SlugifyNode"])
    assert registry.get("acme.slugify").describe()["params_schema"]["required"] == ["text"]
    assert "transform" in registry  # built-ins stay


def test_loading_from_an_entry_point(tmp_path, monkeypatch):
    dist = tmp_path / "acme_nodes-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-nodes\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[sluice.nodes]\nslugify = tests.engine.custom_nodes:SlugifyNode\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry()
    registry.load_entry_points()
    assert type(registry.get("acme.slugify")) is SlugifyNode


def test_a_broken_plugin_does_not_take_the_engine_down(tmp_path, monkeypatch):
    dist = tmp_path / "broken-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[sluice.nodes]\nbroken = no.such.module:Node\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry()
    registry.load_entry_points()
    assert "broken" not in registry


def test_registering_twice_or_a_non_node_is_refused():
    registry = Registry()
    registry.register(SlugifyNode)

    class Other(SlugifyNode):
        pass

    with pytest.raises(ValueError, match="registered twice"):
        registry.register(Other)
    with pytest.raises(TypeError):
        registry.register(dict)


@pytest.mark.django_db(transaction=True)
def test_a_custom_node_runs_on_the_worker(user_client, celery_worker_process):
    registry = get_registry()
    if "acme.slugify" not in registry:
        registry.register(SlugifyNode)  # the worker loads it from SLUICE_NODE_TYPES
    palette = {t["type"] for t in user_client.get("/api/v1/node-types/").json()}
    assert "acme.slugify" in palette
    graph = {
        "nodes": [node("in", "trigger.manual"), node("slug", "acme.slugify", text="{{ input.title }}", max_length=12)],
        "edges": [edge("in", "slug")],
    }
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"],
                                          {"title": "Water in the Kitchen!"})["id"])  # fmt: skip
    assert run["status"] == "succeeded", run
    assert run["steps"][1]["output"] == {"slug": "water-in-the"}
