"""One installed copy of the package per session (every test here runs in one xdist group)."""

from __future__ import annotations

import pytest

from tests.installed.package import Installed, build_and_install


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    """The wheel built from this tree, installed into a fresh venv."""
    return build_and_install(tmp_path_factory.mktemp("installed"))
