"""The new-job wizard: Manifest → Operation → Options → Review, one screen per step.

`esc` goes back a step and `ctrl+n` forward; everything entered lives in one
`WizardState`, so moving between steps keeps it.
"""

from __future__ import annotations

from pathlib import Path

from s3batch_tui.core.spec import JobSpec
from s3batch_tui.tui.screens.wizard.clone import fill_from_spec
from s3batch_tui.tui.screens.wizard.manifest_step import ManifestStep
from s3batch_tui.tui.screens.wizard.state import WizardState

__all__ = ["start_wizard"]


def start_wizard(app, cwd: Path | None = None, spec: JobSpec | None = None) -> WizardState:
    """Open the wizard on `app` (paths typed or picked are relative to `cwd`); returns its state.

    With `spec` (cloning a job) every step starts filled in from it.
    """
    state = WizardState(workers=str(app.settings.workers), report_bucket=str(app.settings.data_dir / "reports"))
    if spec is not None:
        fill_from_spec(state, spec)
    app.push_screen(ManifestStep(state, app.s3, cwd or Path.cwd()))
    return state
