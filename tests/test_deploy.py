"""The deployment files: systemd units, the Dockerfile and compose.yaml.

Each command they run is parsed by newsmon's own CLI (a typo in an option fails here, not on
the server), the stop timeouts leave room for the stop contract (docs/operations.md), and
compose.yaml is checked by Docker Compose itself (`docker compose config`, or Debian's
docker-compose where the plugin is missing; tests/services.sh installs it). Building and
starting the images needs a Docker daemon, which this machine does not have; docs/deploy.md
says how to do it by hand.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from newsmon.cli import main
from newsmon.processes import FORCE_BACKSTOP, STOP_GRACE
from tests.conftest import PROJECT

DEPLOY = PROJECT / "deploy"
UNITS = {"newsmon.service": "schedule", "newsmon-worker.service": "worker", "newsmon-web.service": "serve"}
STOP_BOUND = 10.0  # seconds: every long-running command is gone within this after SIGTERM


def parses(args: list[str]) -> click.Command:
    """The subcommand ``args`` names, after its options parsed exactly as the CLI would."""
    name, *rest = args
    command = main.get_command(click.Context(main), name)
    assert command is not None, f"no such command: newsmon {name}"
    with click.Context(main) as parent:
        command.make_context(name, list(rest), parent=parent)  # raises on an unknown option
    return command


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign] - systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(s|min)?", value.strip())
    assert match, value
    return float(match.group(1)) * (60 if match.group(2) == "min" else 1)


@pytest.mark.parametrize(("name", "command"), sorted(UNITS.items()))
def test_systemd_units_run_real_commands_and_wait_for_a_clean_stop(name: str, command: str) -> None:
    service = unit(name)
    assert {"Unit", "Service", "Install"} <= set(service.sections())
    svc = service["Service"]
    assert svc["User"] not in ("root", "0")
    assert svc["EnvironmentFile"] == "/etc/newsmon/newsmon.env"
    assert svc["KillSignal"] == "SIGTERM"
    # systemd must not SIGKILL a command that is still inside its own stop grace
    assert seconds(svc["TimeoutStopSec"]) > STOP_GRACE + FORCE_BACKSTOP
    assert seconds(svc["TimeoutStopSec"]) >= STOP_BOUND
    for key in ("ExecStartPre", "ExecStart"):
        if key in svc:
            binary, *args = shlex.split(svc[key])
            assert binary == "/opt/newsmon/.venv/bin/newsmon"
            parses(args)
    assert shlex.split(svc["ExecStart"])[1] == command
    assert service["Install"]["WantedBy"] == "multi-user.target"


def test_environment_example_names_only_settings_newsmon_reads() -> None:
    import newsmon.settings as config

    documented = set(re.findall(r"^\s+([A-Z_]+)\s", config.__doc__ or "", re.M)) | {"NEWSMON_WEB_PASSWORD"}
    text = (DEPLOY / "newsmon.env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", text, re.M))
    assert names and names <= documented, names - documented


def dockerfile() -> list[tuple[str, str]]:
    text = (PROJECT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#")
    ]


def test_dockerfile_runs_newsmon_as_a_non_root_user_and_gets_the_signals() -> None:
    instructions = dockerfile()
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    entry = json.loads(next(arg for op, arg in instructions if op == "ENTRYPOINT"))
    assert entry == ["newsmon"]  # exec form: newsmon is PID 1 and receives SIGTERM
    parses(json.loads(next(arg for op, arg in instructions if op == "CMD")))
    env = " ".join(arg for op, arg in instructions if op == "ENV")
    for name, path in re.findall(r"(NEWSMON_SOURCES|NEWSMON_ALERTS)=/opt/newsmon/(\S+)", env):
        assert (PROJECT / path).is_file(), name
    ignored = (PROJECT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "data"} <= set(ignored)  # no checkout history, no local database


def compose() -> dict[str, Any]:
    return yaml.safe_load((PROJECT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_scheduler_worker_web_postgres_and_redis() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"scheduler", "worker", "web", "postgres", "redis"}
    pg_env = services["postgres"]["environment"]
    for name in ("scheduler", "worker", "web"):
        service = services[name]
        assert service["build"] == "."
        parses(service["command"])
        env = service["environment"]
        db = re.fullmatch(
            r"postgresql\+psycopg://(\w+):\$\{POSTGRES_PASSWORD:-\w+\}@postgres:5432/(\w+)",
            env["DATABASE_URL"],
        )
        assert db and db.groups() == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_DB"]), env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        for dependency in ("postgres", "redis"):
            assert service["depends_on"][dependency]["condition"] == "service_healthy"
            assert services[dependency]["healthcheck"]["test"]
        grace = re.fullmatch(r"(\d+)s", service["stop_grace_period"])
        assert grace and float(grace.group(1)) >= STOP_BOUND
    assert parses(services["web"]["command"]).name == "serve"
    assert all(p.startswith("127.0.0.1:") for p in services["web"]["ports"])  # not the world by default
    assert "NEWSMON_WEB_TOKEN" in services["web"]["environment"]


def compose_cli() -> list[str]:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    message = "neither `docker compose` nor docker-compose: apt-get install docker-compose (tests/services.sh does it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    cli = compose_cli()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "NEWSMON_WEB_TOKEN": "t0ken",
        "POSTGRES_PASSWORD": "pw",
    }
    run = subprocess.run([*cli, "-f", str(PROJECT / "compose.yaml"), "config"], capture_output=True, text=True,
                         env=env, cwd=PROJECT, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    resolved = yaml.safe_load(run.stdout)
    web = resolved["services"]["web"]
    assert web["environment"]["DATABASE_URL"] == "postgresql+psycopg://newsmon:pw@postgres:5432/newsmon"
    assert resolved["services"]["worker"]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    # without the web token, compose refuses to start the stack and says what to set
    env.pop("NEWSMON_WEB_TOKEN")
    missing = subprocess.run([*cli, "-f", str(PROJECT / "compose.yaml"), "config"], capture_output=True, text=True,
                             env=env, cwd=PROJECT, timeout=120)  # fmt: skip
    assert missing.returncode != 0 and "NEWSMON_WEB_TOKEN" in missing.stderr


def test_deploy_guide_names_every_file() -> None:
    guide = (PROJECT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for name in [*UNITS, "newsmon.env.example", "Dockerfile", "compose.yaml", "/metrics"]:
        assert name in guide, name
