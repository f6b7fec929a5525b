"""The node-type registry: built-ins, entry point ``sluice.nodes``, and the SLUICE_NODE_TYPES setting."""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.metadata import entry_points

from apps.engine.sdk import NodeType

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "sluice.nodes"


class UnknownNodeType(KeyError):
    pass


class Registry:
    """Node types by type name; one instance of each (node types keep no per-run state)."""

    def __init__(self) -> None:
        self._types: dict[str, NodeType] = {}

    def register(self, cls: type[NodeType]) -> type[NodeType]:
        if not (isinstance(cls, type) and issubclass(cls, NodeType)) or not getattr(cls, "type", None):
            raise TypeError(f"{cls!r} is not a NodeType subclass with a type name")
        existing = self._types.get(cls.type)
        if existing is not None and type(existing) is not cls:
            raise ValueError(f"node type {cls.type!r} is registered twice ({type(existing).__name__}, {cls.__name__})")
        self._types[cls.type] = cls()
        return cls

    def get(self, type_name: str) -> NodeType:
        try:
            return self._types[type_name]
        except KeyError:
            raise UnknownNodeType(type_name) from None

    def __contains__(self, type_name: str) -> bool:
        return type_name in self._types

    def all(self) -> list[NodeType]:
        return sorted(self._types.values(), key=lambda node: (node.category, node.type))

    def load_dotted(self, path: str) -> None:
        module_name, _, attribute = path.rpartition(".")
        self.register(getattr(import_module(module_name), attribute))

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        for entry in entry_points(group=group):
            try:
                self.register(entry.load())
            except Exception:
                # One broken plug-in must not take the whole engine down; it is logged and absent.
                logger.exception("could not load node type from entry point %s", entry.name)


def build_registry(extra_paths: list[str] | tuple[str, ...] = ()) -> Registry:
    from apps.engine.nodes import BUILTIN_NODE_TYPES

    registry = Registry()
    for cls in BUILTIN_NODE_TYPES:
        registry.register(cls)
    registry.load_entry_points()
    for path in extra_paths:
        registry.load_dotted(path)
    return registry


_default: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry (built-ins, entry points and settings.SLUICE_NODE_TYPES)."""
    global _default
    if _default is None:
        from django.conf import settings

        _default = build_registry(getattr(settings, "SLUICE_NODE_TYPES", ()))
    return _default
