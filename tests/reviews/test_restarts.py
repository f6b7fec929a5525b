"""A run waiting for a person survives a broker restart: the whole app on its own Redis."""

from __future__ import annotations

from tests.conftest import wait_for
from tests.engine.helpers import edge, node
from tests.engine.test_broker_restart import own_sluice


def test_a_run_waiting_for_review_survives_a_broker_restart(tmp_path):
    """Like the batch broker test, it drives its own Sluice over HTTP and takes no database fixture."""
    import httpx

    with own_sluice(tmp_path) as sluice:
        base, auth = sluice.base, sluice.auth
        graph = {
            "nodes": [node("in", "trigger.manual"), node("review", "human.review", x=200, assignees=["user:admin"]),
                      node("out", "output", x=400, value="{{ nodes.review.output.data }}")],
            "edges": [edge("in", "review"), edge("review", "out", "approved")],
        }  # fmt: skip
        workflow = httpx.post(f"{base}/api/v1/workflows/", json={"name": "r", "graph": graph}, headers=auth).json()
        run = httpx.post(f"{base}/api/v1/workflows/{workflow['id']}/runs/", json={"input": {"amount": 3}},
                         headers=auth).json()  # fmt: skip

        def run_status():
            return httpx.get(f"{base}/api/v1/runs/{run['id']}/", headers=auth, timeout=10).json()["status"]

        wait_for(lambda: run_status() == "waiting", timeout=60, message="the run to wait for its review")
        sluice.restart_redis()  # the broker stops and comes back while the run waits

        def inbox():
            try:
                body = httpx.get(f"{base}/api/v1/reviews/?status=open", headers=auth, timeout=10).json()
            except httpx.HTTPError:
                return None
            return body["results"] if body.get("count") else None

        [task] = wait_for(inbox, timeout=60, message="the task in the inbox after the restart")
        decided = httpx.post(f"{base}/api/v1/reviews/{task['id']}/decide/", json={"decision": "approve"},
                             headers=auth, timeout=10)  # fmt: skip
        assert decided.status_code == 200, decided.text
        wait_for(lambda: run_status() == "succeeded", timeout=90, interval=1,
                 message="the run to finish after the decision")  # fmt: skip
        assert httpx.get(f"{base}/api/v1/runs/{run['id']}/", headers=auth).json()["output"] == {"amount": 3}
