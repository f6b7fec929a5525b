"""Peak memory of the web and worker processes after the other benchmarks have run (`make bench`)."""

from __future__ import annotations

from pathlib import Path

import pytest


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


@pytest.mark.django_db(transaction=True)
def test_peak_memory(asgi_server, celery_worker_process):
    web = peak_kib(asgi_server.process.pid)
    worker_main = peak_kib(celery_worker_process.process.pid)
    pool = [peak_kib(pid) for pid in celery_worker_process.pool_pids()]
    print(f"\nBENCH peak memory (VmHWM): web {web / 1024:.0f} MiB; worker {worker_main / 1024:.0f} MiB main + "
          f"{' + '.join(f'{p / 1024:.0f}' for p in pool)} MiB pool processes")  # fmt: skip
