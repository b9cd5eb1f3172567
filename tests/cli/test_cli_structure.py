"""The shape of the command line: every command in a module of ``cli/commands``, one per-file
loop with one contract, one type per kind of argument."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import re
from importlib.metadata import entry_points

import pytest
import yaml

import nzc_review.cli.commands as commands
from nzc_review.cli import args as cli_args
from nzc_review.cli import main as cli_main
from nzc_review.cli.main import build_parser, main
from nzc_review.cli.per_file import run_per_file, show_per_file
from nzc_review.errors import InputError, NzcError
from tests.conftest import EXAMPLES, minimal_app
from tests.fixtures.applications import FAST_DUMPER

PARK = str(EXAMPLES / "park-pass.yaml")
COMMUNITY = str(EXAMPLES / "community-fail.yaml")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """(command words, the function it runs) for every runnable (sub)command."""
    children = _subparsers(parser)
    if not children:
        yield prefix, parser.get_default("func")
    for name, child in children.items():
        yield from _commands(child, (*prefix, name))


# --- every command comes from cli/commands -----------------------------------------------------


def test_every_command_in_help_is_registered_from_a_commands_module(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    # a long name has its help on the next line
    listed = re.findall(r"^    ([a-z-]+)(?:  |$)", capsys.readouterr().out, flags=re.MULTILINE)
    top = _subparsers(build_parser())
    assert listed == list(top)
    assert {"catalog", "check", "evaluate", "factors", "schema", "batch", "template", "convert",
            "accept", "disclose", "monitor", "report", "revision", "serve", "session", "expert",
            "coi", "audit"} <= set(listed)
    found = list(_commands(build_parser()))
    assert len(found) > len(listed)  # session/expert/coi/audit have actions of their own
    for words, func in found:
        assert callable(func), words
        assert func.__module__.startswith("nzc_review.cli.commands."), (words, func.__module__)


def test_main_holds_only_the_parser_the_error_handling_and_main():
    own = {name for name, obj in vars(cli_main).items()
           if inspect.isfunction(obj) and obj.__module__ == cli_main.__name__}
    assert own == {"build_parser", "main", "_fail"}


def test_every_module_of_the_commands_package_is_registered():
    modules = {info.name for info in pkgutil.iter_modules(commands.__path__)}
    assert set(commands.command_modules()) == modules
    assert set(commands.COMMAND_MODULES) == modules  # the --help order names them all
    for name in modules:
        assert callable(importlib.import_module(f"{commands.__name__}.{name}").register)


def test_the_installed_script_and_python_m_run_main():
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "nzc-review"]
    assert script.value == "nzc_review.cli.main:main"
    assert script.load() is main


# --- the per-file loop -------------------------------------------------------------------------


def test_one_bad_file_among_good_ones_the_others_go_on_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "broken.yaml"
    bad.write_text(yaml.dump(minimal_app(base_year="soon"), Dumper=FAST_DUMPER), encoding="utf-8")
    assert main(["check", PARK, str(bad), COMMUNITY, "--format", "json"]) == 2
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    community = data[2]["id"]
    assert [d.get("id") for d in data] == ["DEMO-2024-YQ-001", None, community]
    assert data[2]["pilot_type"] == "community"
    assert data[1]["file"] == str(bad) and data[1]["error"].startswith("broken.yaml: base_year")
    assert captured.err.startswith("broken.yaml: base_year")
    # the table: both good files shown, the bad one marked in the summary
    assert main(["check", PARK, str(bad), COMMUNITY]) == 2
    captured = capsys.readouterr()
    assert "DEMO-2024-YQ-001" in captured.out and community in captured.out
    assert "核查汇总" in captured.out and "文件无效" in captured.out
    assert captured.err.startswith("broken.yaml: base_year")


def test_run_per_file_contract(capsys):
    processed = []

    def load(path: str) -> str:
        if path == "b.yaml":
            raise InputError("b.yaml", [("id", "required field is missing")])
        if path == "c.yaml":
            raise NzcError("application finalized")
        return path.upper()

    run = run_per_file(["a.yaml", "b.yaml", "c.yaml", "d.yaml"], load,
                       lambda item: processed.append(item) or f"done {item}")
    assert processed == ["A.YAML", "D.YAML"]
    assert [o.path for o in run.ok] == ["a.yaml", "d.yaml"]
    assert [o.shown() for o in run.outcomes] == [
        "done A.YAML", {"file": "b.yaml", "error": "b.yaml: id: required field is missing"},
        {"file": "c.yaml", "error": "c.yaml: application finalized"}, "done D.YAML"]
    assert run.status == 2
    assert capsys.readouterr().err.splitlines() == [
        "b.yaml: id: required field is missing", "c.yaml: application finalized"]
    assert run_per_file(["a.yaml"], load).status == 0


def test_run_per_file_errors_of_processing_are_not_one_files():
    def process(item: object) -> object:
        raise NzcError("--factors: bad table")

    with pytest.raises(NzcError, match="bad table"):
        run_per_file(["a.yaml", "b.yaml"], str, process)


def test_show_per_file_json_is_the_one_result_or_the_list(capsys):
    one = run_per_file(["a"], lambda p: {"id": p})
    assert show_per_file(one, "json", print) == 0
    assert json.loads(capsys.readouterr().out) == {"id": "a"}
    tables, summaries = [], []
    several = run_per_file(["a", "b"], lambda p: {"id": p})
    assert show_per_file(several, "table", lambda _c, r: tables.append(r),
                         lambda rows, _c: summaries.append(rows)) == 0
    assert tables == [{"id": "a"}, {"id": "b"}] and summaries == [[{"id": "a"}, {"id": "b"}]]


def test_session_import_goes_on_after_a_bad_file(tmp_path, capsys):
    session = tmp_path / "s"
    assert main(["session", "create", str(session), "--name", "评审会"]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: nzc-application/1\nid: [\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["session", "import", str(session), str(bad), PARK, "--format", "json"]) == 2
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data[0]["file"] == str(bad) and data[0]["error"].startswith("bad.yaml")
    assert data[1]["file"] == PARK and data[1]["app_id"] == "DEMO-2024-YQ-001"
    assert captured.err.startswith("bad.yaml")
    assert main(["session", "import", str(session), str(bad), COMMUNITY]) == 2
    captured = capsys.readouterr()
    assert "新导入 imported" in captured.out and "bad.yaml" in captured.err


# --- argument types ----------------------------------------------------------------------------


def _option(words: list[str], option: str) -> argparse.Action:
    parser = build_parser()
    for word in words:
        parser = _subparsers(parser)[word]
    (action,) = [a for a in parser._actions if option in a.option_strings]
    return action


POSITIVE_USES = [
    (["audit", "log"], "--limit", ["audit", "log", "DIR"]),
    (["revision"], "--from", ["revision", "DIR", "APP"]),
    (["batch"], "--workers", ["batch", "IN"]),
    (["report"], "--workers", ["report", "DIR", "--out", "OUT"]),
    (["serve"], "--kernel-memory-mb", ["serve"]),
]


@pytest.mark.parametrize(("words", "option", "argv"), POSITIVE_USES)
def test_positive_whole_numbers_are_one_type_with_one_message(words, option, argv, capsys):
    assert _option(words, option).type is cli_args.positive_int
    for value, message in (("0", "expected at least 1, got 0"),
                           ("x", "expected a whole number, got 'x'")):
        with pytest.raises(SystemExit) as exc:
            main([*argv, f"{option}={value}"])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert f"argument {option}: {message}" in err and "Traceback" not in err


def test_whole_number_types_differ_only_in_their_minimum(capsys):
    assert cli_args.positive_int("1") == 1 and cli_args.non_negative_int("0") == 0
    with pytest.raises(argparse.ArgumentTypeError, match="expected at least 0, got -1"):
        cli_args.non_negative_int("-1")
    with pytest.raises(SystemExit):
        main(["serve", "--demo", "--pool-size", "-1"])
    assert "argument --pool-size: expected at least 0, got -1" in capsys.readouterr().err


def test_dates_are_one_type_for_every_command():
    assert _option(["report"], "--date").type is cli_args.iso_date
    assert _option(["accept"], "--evaluated-on").type is cli_args.iso_date
    assert _option(["monitor"], "--evaluated-on").type is cli_args.iso_date
    assert cli_args.iso_date("2024-05-20") == "2024-05-20"
    with pytest.raises(argparse.ArgumentTypeError, match="expected a date YYYY-MM-DD"):
        cli_args.iso_date("20.5.2024")


def test_batch_draws_have_the_input_limit_of_evaluate(capsys):
    assert _option(["batch"], "--draws").type is cli_args.draws_count
    with pytest.raises(SystemExit) as exc:
        main(["batch", "IN", "--draws", "100001"])
    assert exc.value.code == 2
    assert "argument --draws: at most 100,000 draws (input limit), got 100,001" in \
        capsys.readouterr().err
