"""The local model: its installer's states, the gateway without it, and (where it is
installed) a sample workflow answering through it."""

from __future__ import annotations

import json

import pytest

from apps.core.launcher import install_local_model
from apps.gateway import local, providers, services
from tests.engine.helpers import start_run, steps_by_node, wait_run

QUESTION = providers.Request(messages=[{"role": "user", "content": "Say hi"}])


def test_the_installer_records_a_failure_plainly(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(local, "runtime_available", lambda: False)  # as before the install (here it may be done)
    steps = (("a package that does not exist", ["install", "--no-index", "sluice-no-such-package-xyz"], {}),)
    assert install_local_model(tmp_path, steps=steps, installed=lambda: False) == "failed"
    recorded = json.loads((tmp_path / "local-model.json").read_text())
    assert recorded["state"] == "failed"
    assert "could not install a package that does not exist" in recorded["detail"]
    assert (tmp_path / "local-model.log").read_text()
    settings.DATA_DIR = tmp_path
    assert local.state()["state"] == "failed"


def test_an_installed_model_clears_the_record(tmp_path):
    (tmp_path / "local-model.json").write_text(json.dumps({"state": "installing", "detail": "x"}))
    assert install_local_model(tmp_path, steps=(), installed=lambda: True) == "ready"
    assert not (tmp_path / "local-model.json").exists()


def test_stopping_sluice_stops_the_install_and_every_process_it_started(tmp_path, monkeypatch):
    """A build under way (pip and its compilers) ends with Sluice, instead of going on alone."""
    import sys
    import threading
    import time

    from apps.core import launcher

    pids = tmp_path / "pids"
    # A stand-in for pip that starts a child of its own (as a build starts its compilers).
    script = ("import os, subprocess, sys, time; child = subprocess.Popen([sys.executable, '-c', "
              "'import time; time.sleep(120)']); open(sys.argv[1], 'w').write(f'{os.getpid()} {child.pid}'); "
              "time.sleep(120)")  # fmt: skip
    monkeypatch.setattr(launcher, "_pip_command", lambda args: [sys.executable, "-c", script, str(pids)])
    stop, outcome = threading.Event(), []
    steps = (("a long build", ["install", "x"], {}),)
    thread = threading.Thread(target=lambda: outcome.append(
        install_local_model(tmp_path, steps=steps, installed=lambda: False, stop=stop)))
    thread.start()
    deadline = time.monotonic() + 30
    while not (pids.exists() and pids.read_text().count(" ") == 1) and time.monotonic() < deadline:
        time.sleep(0.05)
    started = [int(pid) for pid in pids.read_text().split()]
    assert json.loads((tmp_path / "local-model.json").read_text())["state"] == "installing"
    stop.set()
    thread.join(30)
    assert outcome == ["stopped"]
    for pid in started:  # pip and its child are gone (reaped, or at most a zombie)
        try:
            with open(f"/proc/{pid}/stat") as stat:
                assert stat.read().split(") ")[1].startswith("Z"), f"{pid} still runs"
        except FileNotFoundError:
            pass
    assert not (tmp_path / "local-model.json").exists()  # the next start goes on with it


def test_one_install_at_a_time_per_environment(tmp_path):
    import fcntl
    import sys
    from pathlib import Path

    with open(Path(sys.prefix) / ".sluice-local-model.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another Sluice is installing
        steps = (("something", ["install", "--no-index", "sluice-no-such-package-xyz"], {}),)
        assert install_local_model(tmp_path, steps=steps, installed=lambda: False) == "elsewhere"
        recorded = json.loads((tmp_path / "local-model.json").read_text())
        assert recorded["state"] == "installing" and "another Sluice" in recorded["detail"]
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert install_local_model(tmp_path, steps=steps, installed=lambda: False) == "failed"


@pytest.mark.django_db
def test_without_the_local_model_a_profile_fails_over_and_health_says_why(user, model_server, settings, tmp_path,
                                                                          monkeypatch):  # fmt: skip
    # As on a machine where the runtime is not installed yet (here it may be).
    monkeypatch.setattr(local, "runtime_available", lambda: False)
    settings.DATA_DIR = tmp_path
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    (tmp_path / "local-model.json").write_text(json.dumps({"state": "installing", "detail": "since 10:00"}))
    profile = services.profile_create(user=user, name="offline-first", targets=[
        {"provider": "local", "model": "SmolLM2-135M-Instruct", "retries": 0},
        {"provider": "openai", "model": "backup", "base_url": model_server.base_url("ok")},
    ])  # fmt: skip
    call = services.complete(profile=profile, request=QUESTION).call
    assert call.model == "backup" and call.failovers == 1
    assert call.tries[0]["error"].startswith("the local model is installing")
    from apps.core.health import check_local_model

    check = check_local_model()
    assert (check.ok, check.required) == (False, False) and check.detail.startswith("installing")


@pytest.mark.django_db(transaction=True)
def test_the_sample_workflow_answers_through_the_local_model(data_dir, celery_worker_process):
    if local.state()["state"] != "ready":
        pytest.skip("the local model is not installed on this machine (make run installs it in the background)")
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from apps.workflows.models import Workflow

    call_command("seed_demo")
    analyst = Client()
    analyst.force_login(User.objects.get(username="analyst"))
    workflow = Workflow.objects.get(name="Ask the local model (demo)")
    run = wait_run(analyst, start_run(analyst, workflow.pk, {"question": "What colour is the sky?"})["id"],
                   timeout=180)  # fmt: skip
    assert run["status"] == "succeeded", run
    answer = steps_by_node(run)["answer"]
    assert isinstance(run["output"], str) and run["output"].strip()
    [call] = answer["llm_calls"]
    assert call["provider"] == "local" and call["output_tokens"] > 0 and call["failovers"] == 0
