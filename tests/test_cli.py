"""The three command lines share symkit's helper: they exist, answer --help and --version, show
every option's default, turn bad options into usage errors (exit 2), are installed as console
scripts, and fieldsym's runs without torch."""

import argparse
import importlib.metadata
import shutil
import subprocess
import sys
import types

import pytest

import symkit
from symkit import cli

PACKAGES = {
    "liegeom": ("Lie groups as batched, differentiable torch objects.", "liegeom.__main__"),
    "fieldsym": ("Symmetries, conservation laws and asymptotic charges in sympy.",
                 "fieldsym.__main__"),
    "nets": ("Equivariant and equilibrium-propagation networks on liegeom.", "nets.__main__"),
}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_module_help(package):
    res = subprocess.run([sys.executable, "-m", package, "--help"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert package in res.stdout


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_console_script(package):
    exe = shutil.which(package) or str(__import__("pathlib").Path(sys.executable).parent / package)
    res = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_packages_import_together():
    res = subprocess.run(
        [sys.executable, "-c", "import liegeom, fieldsym, nets; print('ok')"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0 and "ok" in res.stdout, res.stderr


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_version_is_defined_once(package, capsys):
    """Each package's ``__version__`` and ``--version`` are symkit's, which is the installed
    distribution's version."""
    mod = __import__(package)
    assert mod.__version__ is symkit.__version__
    assert importlib.metadata.version("symkit") == symkit.__version__
    main = importlib.import_module(PACKAGES[package][1]).main
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"{package} {symkit.__version__}"


def test_fieldsym_command_runs_without_torch():
    """With torch made unimportable, the fieldsym command still parses and derives the heat
    equation's symmetry algebra: neither fieldsym nor the shared helper imports torch."""
    code = ("import sys; sys.modules['torch'] = None\n"
            "from fieldsym.__main__ import main\n"
            "sys.exit(main(['symmetries', '--equation', 'u_t - u_xx', '--vars', 't', 'x', "
            "'--fields', 'u']))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    # the six-dimensional algebra and the superposition family, whatever the generators' order
    assert "6 generators, 1 families" in res.stdout
    assert "u*∂_u" in res.stdout and "commutators" in res.stdout


def _leaf_parsers(parser, path=()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for action in subs:
        for name, sub in action.choices.items():
            yield from _leaf_parsers(sub, path + (name,))


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_subcommand_shows_its_defaults(package):
    """Every option of every subcommand that takes a value and has a default shows it in
    ``--help``."""
    description, module = PACKAGES[package]
    commands = importlib.import_module(module).COMMANDS
    parser = cli._build(package, description, commands)
    leaves = list(_leaf_parsers(parser))
    assert len(leaves) >= 2
    for path, sub in leaves:
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            if (action.option_strings and action.nargs != 0 and action.default is not None
                    and action.default is not argparse.SUPPRESS):
                shown = "(default: no limit)" if action.default == float("inf") else (
                    f"(default: {action.default})")
                assert " ".join(shown.split()) in text, (package, path, action.dest)


def _fake_commands(monkeypatch, calls):
    mod = types.ModuleType("fake_cmd")

    def register(sub):
        p = sub.add_parser("run", help="a command")
        p.add_argument("--size", type=cli.positive_int, default=3, help="a size")
        p.add_argument("--rate", type=cli.positive_float, default=0.5)

        def validate(args):
            if args.size == 7:
                raise cli.UsageError("--size 7 is not allowed here")

        def func(args):
            calls.append(args.size)
            if args.size == 5:
                raise cli.UsageError("--size 5 found inside the command")
            return 0

        p.set_defaults(func=func, validate=validate)

    mod.register = register
    monkeypatch.setitem(sys.modules, "fake_cmd", mod)


@pytest.mark.parametrize("argv, message", [
    (["run", "--size", "0"], "argument --size: expected a positive integer, got '0'"),
    (["run", "--size", "-2"], "expected a positive integer, got '-2'"),
    (["run", "--size", "two"], "expected a positive integer, got 'two'"),
    (["run", "--rate", "nan"], "expected a finite number > 0, got 'nan'"),
    (["run", "--size", "7"], "prog run: error: --size 7 is not allowed here"),
    (["run", "--size", "5"], "prog run: error: --size 5 found inside the command"),
])
def test_usage_errors_exit_2_with_the_subcommands_usage(monkeypatch, capsys, argv, message):
    calls = []
    _fake_commands(monkeypatch, calls)
    with pytest.raises(SystemExit) as exc:
        cli.run_cli("prog", "a test program", ["fake_cmd"], argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("usage: prog run")
    assert calls == ([5] if "inside" in message else [])  # validation ran before the command
    assert cli.run_cli("prog", "a test program", ["fake_cmd"], ["run", "--size", "4"]) == 0
