"""Shared fixtures for the Python consumer and cross-check tests.

LUBAN_BIN names the release binary (set by .ci/run); the tests fail, not skip, when it is
missing, so that CI cannot pass without running them.
"""
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def luban():
    path = os.environ.get("LUBAN_BIN")
    assert path and pathlib.Path(path).exists(), "set LUBAN_BIN to the luban binary (see .ci/run)"

    def run(*args, cwd=REPO):
        return subprocess.run([path, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})

    return run
