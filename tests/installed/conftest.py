"""One installed copy of the package per session (every test here runs in one xdist group)."""

from __future__ import annotations

import pytest

from tests.installed.package import Installed, build_and_install, installed_early


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    """The wheel built from this tree, installed into a fresh venv.

    Under xdist the controller started building it as soon as the tests were collected
    (tests/conftest.py); a worker's basetemp sits inside the controller's.
    """
    early = installed_early(tmp_path_factory.getbasetemp().parent)
    return early or build_and_install(tmp_path_factory.mktemp("installed"))
