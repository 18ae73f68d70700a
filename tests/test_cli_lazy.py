"""The command table behind a fast ``newsmon --help`` (newsmon/cli/app.py: COMMANDS)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

from click.testing import CliRunner

from newsmon.cli import main
from newsmon.cli.app import COMMANDS

HEAVY = ("scrapy", "sqlalchemy", "apprise", "trafilatura", "twisted", "langdetect", "pydantic")


def test_the_table_names_every_command_its_module_and_its_help() -> None:
    for module in sorted({module for module, _ in COMMANDS.values()}):
        importlib.import_module(f"newsmon.cli.{module}")
    assert set(main.commands) == set(COMMANDS)
    for name, command in main.commands.items():
        assert command.callback is not None
        assert COMMANDS[name] == (
            command.callback.__module__.rsplit(".", 1)[1],
            command.get_short_help_str(limit=10**6),
        ), f"COMMANDS[{name!r}] is stale: update it from the command's docstring"


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)


def test_help_imports_no_heavy_library() -> None:
    probe = (
        "import json, sys\n"
        "from newsmon.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    assert "Commands:" in result.stdout


def test_a_command_is_imported_when_it_runs() -> None:
    result = CliRunner().invoke(main, ["sources", "--help"])
    assert result.exit_code == 0, result.output
    assert "validate" in result.output
