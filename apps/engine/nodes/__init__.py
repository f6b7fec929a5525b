"""Built-in node types."""

from apps.engine.nodes.flow import ConditionNode, DelayNode, MergeNode, OutputNode, SwitchNode, TransformNode
from apps.engine.nodes.http import HttpRequestNode
from apps.engine.nodes.triggers import ManualTrigger, WebhookTrigger

BUILTIN_NODE_TYPES = (
    ManualTrigger,
    WebhookTrigger,
    TransformNode,
    ConditionNode,
    SwitchNode,
    MergeNode,
    DelayNode,
    OutputNode,
    HttpRequestNode,
)
