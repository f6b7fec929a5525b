"""``manage.py seed_demo``: the demo users and teams (idempotent; keeps existing data).

Passwords are generated on the first run and kept in the data dir (readable only by
the owner) so that every ``make run`` can print the same logins.
"""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts import services as accounts
from apps.workflows import selectors as workflow_selectors
from apps.workflows import services as workflows

DEMO_USERS = [
    # username, superuser, teams
    ("admin", True, []),
    ("analyst", False, ["analysts"]),
    ("reviewer", False, ["claims-reviewers"]),
]


def _node(node_id, node_type, x, y=0, **params):
    return {"id": node_id, "type": node_type, "position": {"x": x, "y": y}, "params": params}


DEMO_WORKFLOWS = [
    (
        "Claims triage (demo)",
        "Routes a claim by amount: small ones are approved automatically, large ones are flagged for review.",
        {
            "nodes": [
                _node("claim", "trigger.manual", 0, input_schema={
                    "type": "object", "properties": {"id": {"type": "string"}, "amount": {"type": "number"}},
                }),
                _node("score", "transform", 240, value={"id": "{{ input.id }}", "amount": "{{ input.amount }}",
                                                      "large": "{{ input.amount > 1000 }}"}),
                _node("large", "condition", 480, expression="nodes.score.output.large"),
                _node("review", "output", 720, -80, value={"decision": "review", "claim": "{{ nodes.score.output }}"}),
                _node("auto", "output", 720, 80, value={"decision": "approve", "claim": "{{ nodes.score.output }}"}),
            ],
            "edges": [
                {"source": "claim", "target": "score"},
                {"source": "score", "target": "large"},
                {"source": "large", "source_port": "true", "target": "review"},
                {"source": "large", "source_port": "false", "target": "auto"},
            ],
        },
    ),
    (
        "Claims with a reviewer (demo)",
        "Claims over 1,000 wait in the reviewers' inbox (sign in as reviewer); the others go straight through.",
        {
            "nodes": [
                _node("claim", "trigger.manual", 0, input_schema={
                    "type": "object", "properties": {"id": {"type": "string"}, "amount": {"type": "number"},
                                                     "text": {"type": "string"}},
                }),
                _node("large", "condition", 240, expression="input.amount > 1000"),
                _node("review", "human.review", 480, -80, assignees=["group:claims-reviewers"],
                      title="Large claim {{ input.id }}", instructions="Check the amount and pick the queue.",
                      case="{{ input.text | default('(no description)') }}",
                      proposal={"queue": "home", "amount": "{{ input.amount }}"}, priority="high",
                      timeout="2d", on_timeout="escalate", escalate_to=["user:admin"],
                      form={"type": "object", "required": ["queue"], "properties": {
                          "queue": {"enum": ["auto", "home", "health"], "title": "Queue"},
                          "amount": {"type": "number", "title": "Amount"}}}),
                _node("reviewed", "output", 720, -80, value={"decision": "approved by a reviewer",
                                                           "claim": "{{ nodes.review.output.data }}"}),
                _node("auto", "output", 720, 80, value={"decision": "approved automatically",
                                                      "amount": "{{ input.amount }}"}),
            ],
            "edges": [
                {"source": "claim", "target": "large"},
                {"source": "large", "source_port": "true", "target": "review"},
                {"source": "large", "source_port": "false", "target": "auto"},
                {"source": "review", "source_port": "approved", "target": "reviewed"},
            ],
        },
    ),
    (
        "Webhook greeting (demo)",
        "Call its webhook with {\"name\": \"Ada\"} and it answers with a greeting.",
        {
            "nodes": [
                _node("hook", "trigger.webhook", 0, respond="with_output", timeout=10),
                _node("greet", "output", 240, value={"greeting": "Hello {{ input.body.name | default('there') }}"}),
            ],
            "edges": [{"source": "hook", "target": "greet"}],
        },
    ),
]  # fmt: skip


def seed_workflows(owner) -> None:
    """The analyst's sample workflows, shared with the reviewers' team to look at (not to change)."""
    reviewers, _ = Group.objects.get_or_create(name="claims-reviewers")
    for name, description, graph in DEMO_WORKFLOWS:
        if not workflow_selectors.workflows_for(user=owner).filter(name=name).exists():
            workflow = workflows.workflow_create(name=name, description=description, graph=graph, user=owner,
                                                 reason="demo data")  # fmt: skip
            accounts.object_share(obj=workflow, actor=owner, group=reviewers, actions=["view"])


def seed_local_model(owner) -> None:
    """A profile for the local model and a sample workflow that asks it (works offline once
    ``make run`` has installed the model; the status page says when)."""
    from apps.gateway import selectors as gateway_selectors
    from apps.gateway import services as gateway
    from apps.prompts import selectors as prompt_selectors
    from apps.prompts import services as prompts

    if not gateway_selectors.profiles_for(user=owner).filter(name="local").exists():
        gateway.profile_create(
            user=owner, name="local", description="The local model (SmolLM2-135M): no key, no network",
            targets=[{"provider": "local", "model": "SmolLM2-135M-Instruct", "timeout": 120}],
        )
    if not prompt_selectors.prompts_for(user=owner).filter(name="demo-answer").exists():
        prompts.prompt_create(name="demo-answer", template="Answer in one short sentence: {{ question }}",
                              variables=["question"], system="You are a helpful assistant.", user=owner)  # fmt: skip
    name = "Ask the local model (demo)"
    if not workflow_selectors.workflows_for(user=owner).filter(name=name).exists():
        graph = {
            "nodes": [
                _node("ask", "trigger.manual", 0, input_schema={
                    "type": "object", "properties": {"question": {"type": "string"}}}),
                _node("answer", "llm.prompt", 240, prompt="demo-answer@latest", model="local",
                      variables={"question": "{{ input.question | default('What is a workflow?') }}"}),
                _node("out", "output", 480, value="{{ nodes.answer.output.text }}"),
            ],
            "edges": [{"source": "ask", "target": "answer"}, {"source": "answer", "target": "out"}],
        }  # fmt: skip
        workflows.workflow_create(name=name, graph=graph, user=owner, reason="demo data",
                                  description="Runs with no key and no network once the local model is installed.")


def logins_file():
    return settings.DATA_DIR / "demo-logins.json"


def load_logins() -> dict[str, str]:
    path = logins_file()
    if not path.exists():
        return {}
    return json.loads(path.read_text())


class Command(BaseCommand):
    help = "Create the demo users (admin, analyst, reviewer), teams and sample workflows if they are missing."

    @transaction.atomic
    def handle(self, *args, **options):
        logins = load_logins()
        for username, superuser, teams in DEMO_USERS:
            password = logins.get(username) or secrets.token_urlsafe(9)
            user, created = accounts.user_ensure(
                username=username, password=password, email=f"{username}@example.com", is_superuser=superuser
            )
            if created or username in logins:
                logins[username] = password
            for team in teams:
                group, _ = Group.objects.get_or_create(name=team)
                user.groups.add(group)
        analyst = accounts.user_ensure(username="analyst", password=logins.get("analyst", ""))[0]
        seed_workflows(analyst)
        seed_local_model(analyst)
        path = logins_file()
        path.touch(mode=0o600)
        path.write_text(json.dumps(logins, indent=2))
        for username, password in logins.items():
            self.stdout.write(f"{username}: {password}")
