"""The graph diff (plain Python): what a version changed, node by node and param by param."""

from apps.engine.core.diff import diff_graphs


def test_params_settings_and_types_are_compared_by_path():
    before = {"nodes": [{"id": "a", "type": "transform", "params": {"value": {"x": 1, "gone": True}}},
                        {"id": "b", "type": "http.request", "params": {"url": "u"}}],
              "edges": [{"source": "a", "target": "b"}]}  # fmt: skip
    after = {"nodes": [{"id": "a", "type": "transform", "params": {"value": {"x": 2, "new": [1]}}},
                       {"id": "b", "type": "http.request", "params": {"url": "u"}, "settings": {"retries": 2}}],
             "edges": [{"source": "a", "source_port": "out", "target": "b"}]}  # fmt: skip
    diff = diff_graphs(before, after)
    assert diff["nodes_changed"] == [
        {"id": "a", "type": "transform", "changes": [
            {"path": "params.value.gone", "before": True},
            {"path": "params.value.new", "after": [1]},
            {"path": "params.value.x", "before": 1, "after": 2},
        ]},
        {"id": "b", "type": "http.request", "changes": [{"path": "settings.retries", "after": 2}]},
    ]  # fmt: skip
    # A port written out or left to its default is the same edge.
    assert diff["edges_added"] == [] and diff["edges_removed"] == []


def test_a_changed_type_and_an_equal_graph():
    a = {"nodes": [{"id": "n", "type": "transform", "params": {"value": 1}}], "edges": []}
    b = {"nodes": [{"id": "n", "type": "output", "params": {"value": 1}}], "edges": []}
    assert diff_graphs(a, b)["nodes_changed"][0]["changes"] == [
        {"path": "type", "before": "transform", "after": "output"}
    ]
    same = diff_graphs(a, a)
    assert all(value == [] for value in same.values())
    # 1 and True are different values in JSON.
    c = {"nodes": [{"id": "n", "type": "transform", "params": {"value": True}}], "edges": []}
    assert diff_graphs(a, c)["nodes_changed"][0]["changes"] == [{"path": "params.value", "before": 1, "after": True}]
