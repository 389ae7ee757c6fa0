"""The package as users get it: the sdist and wheel built from a copy of this tree, and
the wheel installed (with its dependencies) into a fresh virtual environment, as
`pipx install` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a checkout holds that a build must not see: local environments and old build output.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")
# Under xdist the controller starts the build here, below its basetemp (the workers' basetemp's parent).
EARLY = "installed-early"


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the built wheel installed in it."""

    venv: Path
    sdist: Path
    wheel: Path

    @property
    def python(self) -> Path:
        """The environment's interpreter."""
        return self.venv / "bin" / "python"

    @property
    def command(self) -> Path:
        """The `s3batch-tui` console script pip wrote."""
        return self.venv / "bin" / "s3batch-tui"

    def run(self, argv: list[str], env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a program of the environment, away from the source tree (so nothing imports it)."""
        return subprocess.run(argv, env=clean_env(env), cwd=self.venv, capture_output=True, text=True, timeout=timeout)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """os.environ without anything that would put the source tree on the import path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return env | (extra or {})


def _check(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=clean_env(), **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command[:5]))} failed ({result.returncode}):\n{result.stdout[-3000:]}\n"
                    f"{result.stderr[-3000:]}")  # fmt: skip


def build_and_install(work: Path) -> Installed:
    """Build the sdist, the wheel from it, and install the wheel into a new venv under `work`."""
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist = work / "dist"
    # `build` makes the sdist, then the wheel from the unpacked sdist: a file the sdist
    # forgets is missing from the wheel too. It uses this environment's setuptools (after
    # checking it meets build-system.requires): two isolated build venvs cost ~15 s more.
    _check([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)], timeout=300)
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    venv = work / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)], timeout=120)
    # This environment's pip installs into the new one (`--python`), saving ensurepip's
    # time; without byte-compiling all of botocore up front (modules compile when imported).
    python = str(venv / "bin" / "python")
    _check([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-compile", str(wheel)],
           timeout=300)  # fmt: skip
    return Installed(venv, sdist, wheel)


def start_early(root: Path) -> subprocess.Popen:
    """Build and install in a child process now, so the wheel tests find it done (see `installed_early`).

    The child writes `installed.json` (or `failed.txt`) under `root / EARLY`. Building is
    mostly waiting on the package index, so it overlaps well with the other tests.
    """
    work = root / EARLY
    work.mkdir()
    script = (
        "import json, sys, traceback\n"
        "from dataclasses import asdict\n"
        "from pathlib import Path\n"
        "from tests.installed.package import build_and_install\n"
        "work = Path(sys.argv[1])\n"
        "try:\n"
        "    done = {k: str(v) for k, v in asdict(build_and_install(work / 'build')).items()}\n"
        "except BaseException:\n"
        "    (work / 'failed.txt').write_text(traceback.format_exc())\n"
        "else:\n"
        "    (work / 'installed.partial').write_text(json.dumps(done))\n"
        "    (work / 'installed.partial').rename(work / 'installed.json')\n"
    )
    return subprocess.Popen([sys.executable, "-c", script, str(work)], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def installed_early(root: Path, timeout: float = 540) -> Installed | None:
    """What `start_early` built under `root` (waiting for it), or None when nothing was started there."""
    work = root / EARLY
    if not work.is_dir():
        return None
    deadline = time.monotonic() + timeout
    while not (work / "installed.json").exists():
        if (work / "failed.txt").exists():
            pytest.fail(f"building and installing the wheel failed:\n{(work / 'failed.txt').read_text()[-6000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"building and installing the wheel took over {timeout:.0f} s")
        time.sleep(0.2)
    done = json.loads((work / "installed.json").read_text())
    return Installed(**{name: Path(value) for name, value in done.items()})
