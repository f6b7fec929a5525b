"""Built-in node types."""

from apps.engine.nodes.flow import (
    ConditionNode,
    DelayNode,
    MergeNode,
    OutputNode,
    SwitchNode,
    TransformNode,
    WorkflowCallNode,
)
from apps.engine.nodes.http import HttpRequestNode
from apps.engine.nodes.triggers import ManualTrigger, ScheduleTrigger, WebhookTrigger
from apps.gateway.nodes import LlmClassifyNode, LlmExtractNode, LlmPromptNode
from apps.knowledge.nodes import KnowledgeSearchNode
from apps.prompts.nodes import PromptRenderNode
from apps.reviews.nodes import HumanReviewNode

BUILTIN_NODE_TYPES = (
    ManualTrigger,
    WebhookTrigger,
    ScheduleTrigger,
    TransformNode,
    ConditionNode,
    SwitchNode,
    MergeNode,
    DelayNode,
    OutputNode,
    HttpRequestNode,
    WorkflowCallNode,
    PromptRenderNode,
    LlmPromptNode,
    LlmClassifyNode,
    LlmExtractNode,
    KnowledgeSearchNode,
    HumanReviewNode,
)
