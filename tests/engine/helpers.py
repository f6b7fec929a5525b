"""Building workflows and waiting for runs, through the API as a client would."""

from __future__ import annotations

from tests.conftest import wait_for

TERMINAL = {"succeeded", "failed", "cancelled"}


def node(node_id: str, node_type: str, x: int = 0, **params) -> dict:
    return {"id": node_id, "type": node_type, "position": {"x": x, "y": 0}, "params": params}


def edge(source: str, target: str, port: str | None = None) -> dict:
    return {"source": source, "target": target, **({"source_port": port} if port else {})}


def create_workflow(client, graph: dict, name: str = "flow", **headers) -> dict:
    response = client.post(
        "/api/v1/workflows/", {"name": name, "graph": graph}, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    return response.json()


def start_run(client, workflow_id: int, payload: dict | None = None, **headers) -> dict:
    response = client.post(
        f"/api/v1/workflows/{workflow_id}/runs/", {"input": payload or {}}, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    return response.json()


def wait_run(client, run_id: str, statuses=TERMINAL, timeout: float = 30, **headers) -> dict:
    def finished():
        run = client.get(f"/api/v1/runs/{run_id}/", **headers).json()
        return run if run["status"] in statuses else None

    return wait_for(finished, timeout=timeout, interval=0.1, message=f"run {run_id} to reach {statuses}")


def steps_by_node(run: dict) -> dict[str, dict]:
    return {step["node_id"]: step for step in run["steps"]}
