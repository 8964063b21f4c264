"""The three command lines exist, answer --help, and are installed as console scripts."""

import shutil
import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["liegeom", "fieldsym", "nets"])
def test_module_help(package):
    res = subprocess.run([sys.executable, "-m", package, "--help"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert package in res.stdout


@pytest.mark.parametrize("package", ["liegeom", "fieldsym", "nets"])
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
