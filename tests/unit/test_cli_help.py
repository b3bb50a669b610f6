"""Issue 10.7: the help of every command and sub-command shows an example of itself; shell
completion is there (`--show-completion`, `--install-completion`) and touches no file but the
ones it is asked to write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from medusa_sync.cli.main import app, main

REPO = Path(__file__).resolve().parents[2]


def command_paths(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of the CLI (a click command) as the words that name it: () for the root,
    ("runs", "show"), …; a group's sub-commands follow it."""
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += command_paths(sub, (*path, name))
    return paths


PATHS = command_paths(typer.main.get_command(app))


def test_the_walk_reaches_the_sub_commands() -> None:
    assert sorted(" ".join(path) for path in PATHS) == sorted(
        [
            "", "adjust", "apply", "audit", "availability", "fulfill", "import", "locations", "locations merge", "plan",
            "release", "report", "report reservations", "report stock", "reserve", "runs", "runs show", "set", "sync",
            "transfer", "undo", "validate",
        ]
    )


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "medusa-sync")
def test_every_help_shows_an_example_of_its_command(path: tuple[str, ...], capsys) -> None:
    capsys.readouterr()
    assert main([*path, "--help"]) == 0
    text = "\n".join(line.rstrip() for line in capsys.readouterr().out.splitlines())  # rich pads lines
    _, found, after = text.partition("\n Examples:\n")
    name = " ".join(["medusa-sync", *path])
    assert found, f"the help of {name} has no Examples"
    # one example a paragraph; an example wider than the terminal wraps onto the next lines
    examples = [" ".join(paragraph.split()) for paragraph in after.split("\n\n") if paragraph.strip()]
    assert examples and all(f"{example} ".startswith(f"{name} ") for example in examples), examples


def test_show_completion_prints_the_script_of_the_shell_it_runs_in(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/bash")
    monkeypatch.setattr("shellingham.detect_shell", lambda *args, **kwargs: ("bash", "/bin/bash"))
    capsys.readouterr()
    assert main(["--show-completion"]) == 0
    out = capsys.readouterr().out
    assert "complete -o default -F _medusa_sync_completion medusa-sync" in out
    assert "_MEDUSA_SYNC_COMPLETE=complete_bash" in out
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_show_completion_from_bash_end_to_end(tmp_path) -> None:
    """The installed command run by bash (`; true` keeps bash from exec'ing it, so bash is its
    parent): the script is bash's, exit 0, the UTF-8 wrapper in place, nothing written."""
    command = f"{Path(sys.executable).parent / 'medusa-sync'} --show-completion; echo exit=$?"
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    env.pop("_MEDUSA_SYNC_COMPLETE", None)
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.stdout.splitlines()[-1] == "exit=0", done.stderr
    assert "complete -o default -F _medusa_sync_completion medusa-sync" in done.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_completion_script_completes_commands(tmp_path) -> None:
    """What bash asks the installed command when the user presses Tab after `medusa-sync re`."""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "_MEDUSA_SYNC_COMPLETE": "complete_bash",
        "COMP_WORDS": "medusa-sync re",
        "COMP_CWORD": "1",
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "medusa-sync")], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert (done.returncode, sorted(done.stdout.split())) == (0, ["release", "report", "reserve"])


def test_install_completion_writes_only_under_home(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("shellingham.detect_shell", lambda *args, **kwargs: ("bash", "/bin/bash"))
    capsys.readouterr()
    assert main(["--install-completion"]) == 0
    assert capsys.readouterr().out.startswith(f"bash completion installed in {tmp_path / '.bash_completions' / 'medusa-sync.sh'}")
    script = tmp_path / ".bash_completions" / "medusa-sync.sh"
    assert sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*")) == [
        ".bash_completions",
        ".bash_completions/medusa-sync.sh",
        ".bashrc",
    ]
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()
    assert "_MEDUSA_SYNC_COMPLETE=complete_bash" in script.read_text()
