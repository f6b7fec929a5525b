"""The one sandbox for templates and expressions (Jinja2's SandboxedEnvironment).

- A parameter string is a template when it contains ``{{`` or ``{%``. A template that is
  exactly one ``{{ expression }}`` gives the expression's native JSON value (a number stays
  a number, an object stays an object); anything else renders to a string.
- Only authored parameters are templates. Values from outside — run input, webhook bodies,
  model output, earlier nodes' outputs — are passed in as data and never rendered, so a
  ``{{ … }}`` inside them stays text.
- Attribute access reads keys of JSON objects only (``input.claim.text``); no Python
  attribute or method of any value is reachable. There is no loader, so no include/import.
- Limits: rendered output size, a budget of operations and wall time checked while
  rendering (attribute reads, calls, loop steps of ``range``, output chunks), recursion.
"""

from __future__ import annotations

import contextvars
import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.sandbox import SandboxedEnvironment

MAX_OUTPUT_CHARS = 1_000_000
MAX_OPERATIONS = 200_000
MAX_SECONDS = 2.0
MAX_RANGE = 10_000

_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>.*)\}\}\s*$", re.DOTALL)


class TemplateError(Exception):
    """A template or expression is invalid or failed; the message says why (and the line)."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class _Budget:
    operations: int = 0
    deadline: float = 0.0

    def spend(self, amount: int = 1) -> None:
        self.operations += amount
        if self.operations > MAX_OPERATIONS:
            raise TemplateError(f"too much work: more than {MAX_OPERATIONS} operations")
        if self.operations % 256 == 0 and time.monotonic() > self.deadline:
            raise TemplateError(f"took longer than {MAX_SECONDS} s")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("sluice_template_budget", default=None)


def _spend(amount: int = 1) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.spend(amount)


def _bounded_range(*args: int):
    span = range(*args)
    if len(span) > MAX_RANGE:
        raise TemplateError(f"range() is limited to {MAX_RANGE} items")
    for value in span:
        _spend()
        yield value


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, narrowed to JSON data: keys of objects and items of lists only."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend()
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend()
        if isinstance(obj, dict):
            return obj[argument] if argument in obj else self.undefined(obj=obj, name=argument)
        if isinstance(obj, list | str) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except IndexError:
                return self.undefined(obj=obj, name=argument)
        return self.undefined(obj=obj, name=argument)

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _spend()
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 1000:
                raise TemplateError("exponent too large (at most 1000)")
            return left**right
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, str | list) and isinstance(times, int) and len(sequence) * times > MAX_OUTPUT_CHARS:
                raise TemplateError(f"result longer than {MAX_OUTPUT_CHARS} items")
        return left * right

    def call(__self, __context, __obj, *args, **kwargs):
        _spend()
        return super().call(__context, __obj, *args, **kwargs)


def _make_environment() -> _Sandbox:
    env = _Sandbox(undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals.clear()
    env.globals.update(range=_bounded_range, true=True, false=False, null=None)
    env.filters.update(
        ceil=math.ceil,
        floor=math.floor,
        keys=lambda value: list(value) if isinstance(value, dict) else [],
        values=lambda value: list(value.values()) if isinstance(value, dict) else [],
    )
    return env


_ENV = _make_environment()


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


@lru_cache(maxsize=4096)
def _compile_template(source: str):
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", line=exc.lineno) from None


@lru_cache(maxsize=4096)
def _compile_expression(source: str):
    try:
        return _ENV.compile_expression(source, undefined_to_none=True)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", line=exc.lineno) from None


@lru_cache(maxsize=4096)
def _single_expression(source: str) -> str | None:
    """The inner expression when the template is exactly one ``{{ … }}``."""
    match = _SINGLE_EXPRESSION.match(source)
    if not match or "{{" in match["expr"] or "}}" in match["expr"] or "{%" in source:
        return None
    try:
        _compile_expression(match["expr"])
    except TemplateError:
        return None
    return match["expr"]


def _guarded(function, *args):
    token = _budget.set(_Budget(deadline=time.monotonic() + MAX_SECONDS))
    try:
        return function(*args)
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(f"not allowed: {exc}") from None
    except UndefinedError as exc:
        raise TemplateError(str(exc)) from None
    except RecursionError:
        raise TemplateError("recursion too deep") from None
    except JinjaTemplateError as exc:
        raise TemplateError(str(exc)) from None
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError) as exc:
        raise TemplateError(f"{type(exc).__name__}: {exc}") from None
    finally:
        _budget.reset(token)


def _to_json_value(value: Any) -> Any:
    if isinstance(value, ChainableUndefined):
        return None
    if isinstance(value, tuple):
        return [_to_json_value(v) for v in value]
    if isinstance(value, list):
        return [_to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json_value(v) for k, v in value.items()}
    if isinstance(value, str) and len(value) > MAX_OUTPUT_CHARS:
        raise TemplateError(f"output longer than {MAX_OUTPUT_CHARS} characters")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "__iter__"):
        return [_to_json_value(v) for v in value]
    return str(value)


def render_template(source: str, context: dict[str, Any]) -> Any:
    """Render one template string with the given data; native value for a lone ``{{ expr }}``."""
    expression = _single_expression(source)
    if expression is not None:
        return _guarded(lambda: _to_json_value(_compile_expression(expression)(**context)))
    template = _compile_template(source)

    def render():
        size = 0
        chunks = []
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateError(f"output longer than {MAX_OUTPUT_CHARS} characters")
            _spend()
            chunks.append(chunk)
        return "".join(chunks)

    return _guarded(render)


def render_value(value: Any, context: dict[str, Any]) -> Any:
    """Render every template string inside a JSON value (objects and lists recursively)."""
    if isinstance(value, str):
        return render_template(value, context) if is_template(value) else value
    if isinstance(value, dict):
        return {key: render_value(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render_value(item, context) for item in value]
    return value


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Evaluate a bare expression (``nodes.x.output.confidence >= 0.85``) to a JSON value."""
    compiled = _compile_expression(expression)
    return _guarded(lambda: _to_json_value(compiled(**context)))


def check_template(source: str) -> None:
    """Raise TemplateError if the template does not parse."""
    if _single_expression(source) is None:
        _compile_template(source)


def check_expression(source: str) -> None:
    _compile_expression(source)


@lru_cache(maxsize=4096)
def _referenced_nodes(source: str, is_expression: bool) -> frozenset[str]:
    try:
        tree = _ENV.parse(f"{{{{ {source} }}}}" if is_expression else source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", line=exc.lineno) from None
    found = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node.node, nodes.Name) and node.node.name == "nodes":
            if isinstance(node, nodes.Getattr):
                found.add(node.attr)
            elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                found.add(node.arg.value)
    return frozenset(found)


@lru_cache(maxsize=4096)
def variables_of(source: str) -> frozenset[str]:
    """The top-level names a template reads (a prompt's variables), without the sandbox's globals."""
    from jinja2 import meta

    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"syntax error: {exc.message}", line=exc.lineno) from None
    return frozenset(meta.find_undeclared_variables(tree)) - set(_ENV.globals)


def referenced_nodes(source: str, *, expression: bool = False) -> frozenset[str]:
    """The node ids a template (or expression) reads through ``nodes.<id>``."""
    return _referenced_nodes(source, expression)


def templates_in(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every template string inside a JSON value, with its dotted path."""
    if isinstance(value, str):
        return [(path, value)] if is_template(value) else []
    if isinstance(value, dict):
        return [item for key, v in value.items() for item in templates_in(v, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in templates_in(v, f"{path}[{i}]")]
    return []
