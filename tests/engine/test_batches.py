"""Batches: JSON lists and JSONL/CSV uploads, one run per item, concurrency, progress, retry."""

from __future__ import annotations

import io
import time

import pytest

from apps.engine.models import Batch, Run
from tests.conftest import wait_for
from tests.engine.helpers import create_workflow, edge, node

pytestmark = pytest.mark.django_db(transaction=True)

TRIAGE = {
    "nodes": [
        node("in", "trigger.manual"),
        node("score", "transform", value={"id": "{{ input.id }}", "amount": "{{ input.amount | int }}"}),
        node("out", "output", value="{{ nodes.score.output }}"),
    ],
    "edges": [edge("in", "score"), edge("score", "out")],
}


def upload(name: str, text: str) -> io.BytesIO:
    file = io.BytesIO(text.encode())
    file.name = name
    return file


def wait_batch(client, batch_id: str, timeout: float = 60) -> dict:
    def finished():
        batch = client.get(f"/api/v1/batches/{batch_id}/").json()
        return batch if batch["status"] in ("finished", "cancelled") else None

    return wait_for(finished, timeout=timeout, interval=0.2, message="the batch to finish")


def test_a_json_list_runs_every_item(user_client, celery_worker_process):
    workflow = create_workflow(user_client, TRIAGE)
    items = [{"id": i, "amount": str(i * 10)} for i in range(120)]
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/batches/", {"items": items, "concurrency": 7},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["total"] == 120
    batch = wait_batch(user_client, response.json()["id"])
    assert batch["counts"]["succeeded"] == 120 and batch["progress"] == 1.0
    outcomes = user_client.get(f"/api/v1/batches/{batch['id']}/runs/?page_size=500").json()["results"]
    assert [o["batch_index"] for o in outcomes] == list(range(120))
    assert outcomes[5]["output"] == {"id": 5, "amount": 50}
    assert Run.objects.filter(batch_id=batch["id"]).count() == 120


def test_a_csv_upload(user_client, celery_worker_process):
    workflow = create_workflow(user_client, TRIAGE)
    csv_text = "id,amount\n1,100\n2,250\n3,7\n"
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/batches/", {"file": upload("claims.csv", csv_text)}
    )
    assert response.status_code == 201, response.content
    batch = wait_batch(user_client, response.json()["id"])
    assert batch["source"] == "claims.csv" and batch["counts"]["succeeded"] == 3
    outputs = [o["output"] for o in user_client.get(f"/api/v1/batches/{batch['id']}/runs/").json()["results"]]
    assert outputs == [{"id": "1", "amount": 100}, {"id": "2", "amount": 250}, {"id": "3", "amount": 7}]


def test_a_jsonl_upload(user_client, celery_worker_process):
    workflow = create_workflow(user_client, TRIAGE)
    lines = '{"id": 1, "amount": 5}\n\n{"id": 2, "amount": 6}\n'
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/batches/", {"file": upload("items.jsonl", lines)}
    )
    assert response.status_code == 201
    assert wait_batch(user_client, response.json()["id"])["counts"]["succeeded"] == 2


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("items.jsonl", '{"id": 1}\n{"id": 2,,}\n', "line 2: not valid JSON"),
        ("items.csv", "id,amount\n1,2\n3,4,5\n", "line 3: more values than columns"),
        ("items.csv", "id,amount\n1\n", "line 2: fewer values than columns"),
        ("items.csv", ",amount\n1,2\n", "line 1: a CSV file needs a header"),
        ("items.json", '{"not": "a list"}', "must hold a list"),
        ("items.jsonl", "", "no items"),
    ],
)
def test_bad_batch_files_are_a_400_naming_the_line_and_start_nothing(user_client, name, text, message):
    workflow = create_workflow(user_client, TRIAGE)
    response = user_client.post(f"/api/v1/workflows/{workflow['id']}/batches/", {"file": upload(name, text)})
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert response.json()["field"] == "file"
    assert not Batch.objects.exists() and not Run.objects.exists()


def test_bad_json_items_are_a_400(user_client):
    workflow = create_workflow(user_client, TRIAGE)
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/batches/", {"items": {"a": 1}}, content_type="application/json"
    )
    assert response.status_code == 400 and "items" in response.json()
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/batches/", {"items": [1], "concurrency": 0},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "concurrency" in response.json()


def test_concurrency_limits_runs_in_flight(user_client, celery_worker_process):
    graph = {
        "nodes": [node("in", "trigger.manual"), node("wait", "delay", seconds=1), node("out", "output")],
        "edges": [edge("in", "wait"), edge("wait", "out")],
    }
    workflow = create_workflow(user_client, graph)
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/batches/", {"items": [{}] * 6, "concurrency": 2},
        content_type="application/json",
    )  # fmt: skip
    batch_id = response.json()["id"]
    peak = 0
    while True:
        batch = user_client.get(f"/api/v1/batches/{batch_id}/").json()
        in_flight = Run.objects.filter(batch_id=batch_id, dispatched_at__isnull=False).exclude(
            status__in=["succeeded", "failed", "cancelled"]
        ).count()
        peak = max(peak, in_flight)
        assert in_flight <= 2
        if batch["status"] == "finished":
            break
        time.sleep(0.1)
    assert peak == 2
    assert batch["counts"]["succeeded"] == 6


def test_retry_only_the_failed_items(user_client, http_server, celery_worker_process):
    url = http_server.url + "/{{ input.path }}?key=batch-{{ input.n }}"
    graph = {
        "nodes": [node("in", "trigger.manual"), node("call", "http.request", url=url)],
        "edges": [edge("in", "call")],
    }
    workflow = create_workflow(user_client, graph)
    items = [{"n": 1, "path": "echo"}, {"n": 2, "path": "status/400"}, {"n": 3, "path": "echo"}]
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/batches/", {"items": items}, content_type="application/json"
    )
    batch = wait_batch(user_client, response.json()["id"])
    assert batch["counts"]["succeeded"] == 2 and batch["counts"]["failed"] == 1
    retried = user_client.post(f"/api/v1/batches/{batch['id']}/retry/")
    assert retried.status_code == 200
    batch = wait_batch(user_client, batch["id"])
    assert batch["counts"]["failed"] == 1 and batch["counts"]["succeeded"] == 2  # it fails again, alone
    assert http_server.hits("batch-1") == 1 and http_server.hits("batch-3") == 1
    assert http_server.hits("batch-2") == 2
    assert Run.objects.filter(batch_id=batch["id"]).count() == 4


@pytest.mark.django_db
def test_the_batch_list_counts_every_batch_in_one_query(user_client, django_assert_max_num_queries):
    workflow = create_workflow(user_client, TRIAGE)
    for size in (2, 3, 4):
        user_client.post(
            f"/api/v1/workflows/{workflow['id']}/batches/", {"items": [{"id": 1, "amount": 1}] * size},
            content_type="application/json",
        )  # fmt: skip
    with django_assert_max_num_queries(7):  # session, user, global rights (2), count, page, counts
        listing = user_client.get("/api/v1/batches/").json()
    assert sorted(b["counts"]["queued"] for b in listing["results"]) == [2, 3, 4]
    assert all(b["progress"] == 0 for b in listing["results"])
