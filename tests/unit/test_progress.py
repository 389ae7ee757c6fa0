"""The CLI progress output: durations, the progress line, and when lines are printed."""

from __future__ import annotations

import io

import pytest

from s3batch_tui.cli.progress import LOG_LINE_SECONDS, ProgressPrinter, format_duration, format_progress
from s3batch_tui.core.engine.events import JobProgressed, JobStatusChanged, TaskFailed
from s3batch_tui.core.status import JobStatus as S

JOB_ID = "1a2b3c4d-0000-4000-8000-000000000000"


def progressed(succeeded: int, failed: int = 0, total: int | None = 5000, rate=812.4, eta=4.2) -> JobProgressed:
    return JobProgressed(JOB_ID, total, succeeded, failed, 1.0, rate, eta)


def changed(new: S, reason: str | None = None, old: S = S.READY) -> JobStatusChanged:
    return JobStatusChanged(JOB_ID, old, new, reason, 0.0)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def printer(out, clock) -> ProgressPrinter:
    return ProgressPrinter(out, clock=clock)


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


# --- formatting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "?"), (0, "0s"), (5, "5s"), (59.9, "59s"), (60, "1m00s"), (93, "1m33s"),
     (3599, "59m59s"), (3600, "1h00m"), (7325, "2h02m"), (100 * 3600, "100h00m")],
)  # fmt: skip
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_format_progress():
    assert format_progress(progressed(1231, 3)) == "[1a2b3c4d] 1,234/5,000 done, 3 failed, 812/s, ETA 4s"


def test_format_progress_with_unknowns():
    assert format_progress(progressed(7, total=None, rate=0.0, eta=None)) == (
        "[1a2b3c4d] 7/? done, 0 failed, 0/s, ETA ?"
    )


# --- printing to a log (not a terminal) -------------------------------------------------


def test_first_progress_is_printed_at_once(printer, out):
    printer(progressed(10))
    assert lines(out) == [format_progress(progressed(10))]


def test_progress_is_printed_at_most_every_log_interval(printer, out, clock):
    printer(progressed(10))
    clock.advance(LOG_LINE_SECONDS - 0.1)
    printer(progressed(20))
    assert len(lines(out)) == 1
    clock.advance(0.1)
    printer(progressed(30))
    assert lines(out) == [format_progress(progressed(10)), format_progress(progressed(30))]


def test_status_changes_are_printed_as_lines(printer, out):
    printer(changed(S.ACTIVE))
    printer(changed(S.PAUSED, "paused by the user", old=S.ACTIVE))
    assert lines(out) == ["[1a2b3c4d] Active", "[1a2b3c4d] Paused (paused by the user)"]


def test_progress_after_a_status_change_is_printed_at_once(printer, out, clock):
    printer(progressed(10))
    clock.advance(1)
    printer(changed(S.COMPLETING, old=S.ACTIVE))
    printer(progressed(20))
    assert lines(out)[-1] == format_progress(progressed(20))


def test_other_events_print_nothing(printer, out):
    printer(TaskFailed(JOB_ID, 0, "b", "k", None, 403, "AccessDenied", "Access Denied"))
    assert out.getvalue() == ""


def test_finish_prints_the_latest_counts(printer, out, clock):
    printer(progressed(10))
    clock.advance(1)
    printer(progressed(4990, 10))  # held back: too soon after the last line
    assert format_progress(progressed(4990, 10)) not in lines(out)
    printer.finish()
    assert lines(out)[-1] == format_progress(progressed(4990, 10), final=True)


def test_the_final_line_gives_the_time_taken_not_a_drained_rate():
    final = JobProgressed(JOB_ID, 5000, 4990, 10, 7.4, 0.0, None)
    assert format_progress(final, final=True) == "[1a2b3c4d] 5,000/5,000 done, 10 failed in 7s, 676/s on average"
    quick = JobProgressed(JOB_ID, 3, 3, 0, 0.2, 0.0, None)
    assert format_progress(quick, final=True) == "[1a2b3c4d] 3/3 done, 0 failed in 0s"


def test_finish_without_progress_prints_nothing(printer, out):
    printer.finish()
    assert out.getvalue() == ""


def test_log_output_has_no_terminal_control_codes(printer, out, clock):
    printer(progressed(10))
    printer(changed(S.ACTIVE))
    clock.advance(LOG_LINE_SECONDS)
    printer(progressed(20))
    printer.finish()
    assert "\r" not in out.getvalue()
    assert "\x1b" not in out.getvalue()


# --- drawing on a terminal --------------------------------------------------------------


def test_terminal_progress_is_redrawn_in_place_and_ended_by_finish(clock):
    terminal = FakeTerminal()
    printer = ProgressPrinter(terminal, clock=clock)
    printer(progressed(10))
    clock.advance(1)
    printer(progressed(20))
    printer(changed(S.COMPLETING, old=S.ACTIVE))
    printer.finish()
    text = terminal.getvalue()
    assert text.count("\n") == 2  # the status line, and the end of the progress line
    assert text.endswith(f"\r\x1b[2K{format_progress(progressed(20), final=True)}\n")
    assert "\r\x1b[2K[1a2b3c4d] Completing\n" in text
