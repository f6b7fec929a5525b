"""The sandbox: native values, data never evaluated, nothing of Python reachable, limits."""

from __future__ import annotations

import pytest

from apps.engine.core import templating
from apps.engine.core.templating import TemplateError, evaluate, referenced_nodes, render_template, render_value

DATA = {
    "input": {"claim": {"text": "water in the {{ kitchen }}", "amount": 1200, "tags": ["home", "urgent"]}},
    "nodes": {"triage": {"output": {"label": "home", "confidence": 0.91}}},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ input.claim.amount }}", 1200),
        ("{{ nodes.triage.output }}", {"label": "home", "confidence": 0.91}),
        ("{{ input.claim.tags }}", ["home", "urgent"]),
        ("  {{ input.claim.amount * 2 }} ", 2400),
        ("Claim of {{ input.claim.amount }} EUR", "Claim of 1200 EUR"),
        ("{{ nodes.triage.output.label | upper }}/{{ input.claim.tags | length }}", "HOME/2"),
        ("{% if input.claim.amount > 1000 %}big{% else %}small{% endif %}", "big"),
        ("{{ input.missing.deeper }}", None),
        ("{{ input['claim']['tags'][1] }}", "urgent"),
    ],
)
def test_render(source, expected):
    assert render_template(source, DATA) == expected


def test_values_from_outside_are_never_evaluated():
    assert render_template("{{ input.claim.text }}", DATA) == "water in the {{ kitchen }}"
    assert render_template("Text: {{ input.claim.text }}", DATA) == "Text: water in the {{ kitchen }}"


def test_render_value_renders_nested_params_only():
    params = {"a": "{{ input.claim.amount }}", "b": ["x", "{{ nodes.triage.output.label }}"], "c": 3}
    assert render_value(params, DATA) == {"a": 1200, "b": ["x", "home"], "c": 3}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("nodes.triage.output.confidence >= 0.85", True),
        ("nodes.triage.output.confidence >= 0.95", False),
        ("input.claim.amount > 1000 and 'home' in input.claim.tags", True),
        ("nodes.triage.output.label == 'auto'", False),
    ],
)
def test_evaluate(expression, expected):
    assert evaluate(expression, DATA) is expected


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ input.claim.items() }}",
        "{{ input.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_python_is_unreachable(source):
    result = None
    try:
        result = render_template(source, DATA)
    except TemplateError:
        return
    assert result in (None, ""), f"{source} leaked {result!r}"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% for i in range(10**6) %}{% endfor %}", "range() is limited"),
        ("{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}", "too much work"),
        ("{{ 'x' * 100000000 }}", "result longer than"),
        ("{{ 9 ** 99999 }}", "exponent too large"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "recursion"),
        ("{% include 'secrets.txt' %}", "no loader"),
        ("{{ foo( }}", "syntax error"),
    ],
)
def test_limits_and_errors(source, message):
    with pytest.raises(TemplateError) as failure:
        render_template(source, DATA)
    assert message in failure.value.message


def test_output_size_is_limited(monkeypatch):
    monkeypatch.setattr(templating, "MAX_OUTPUT_CHARS", 1000)
    with pytest.raises(TemplateError, match="output longer than"):
        render_template("{% for i in range(500) %}xxxx{% endfor %}", DATA)


def test_referenced_nodes():
    assert referenced_nodes("{{ nodes.a.output.x }} {{ nodes['b'].output }} {{ input.c }}") == {"a", "b"}
    assert referenced_nodes("nodes.a.output.x > nodes.b.output.y", expression=True) == {"a", "b"}
