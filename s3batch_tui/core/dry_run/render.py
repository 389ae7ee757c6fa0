"""A dry run's result as plain lines, for the CLI and the wizard's modal alike."""

from __future__ import annotations

from s3batch_tui.core.dry_run.run import DryRunResult
from s3batch_tui.core.formatting import format_duration
from s3batch_tui.core.pricing import format_usd


def dry_run_lines(result: DryRunResult) -> list[str]:
    """Headline, findings with counts and examples, then the estimates."""
    sampled = "every object" if result.checked == result.total_tasks else f"a sample of {result.checked:,}"
    lines = [
        f"Dry run of {result.operation}: nothing was changed and no job was stored.",
        f"Tasks: {result.total_tasks:,} in the manifest; HEAD of {sampled}.",
    ]
    findings = sorted(result.findings.values(), key=lambda f: -result.estimate(f))
    if not findings and not result.collisions:
        lines.append("No problem found.")
    for finding in findings:
        if finding.exact:
            count = f"{finding.count:,} tasks"
        elif result.checked == result.total_tasks:
            count = f"{finding.count:,} objects"
        else:
            count = f"{finding.count:,} of {result.checked:,} sampled (about {result.estimate(finding):,} of all)"
        lines.append(f"- {count}: {finding.title}")
        lines += [f"    e.g. {example}" for example in finding.examples]
    if result.collisions:
        checked = "" if result.collision_checked == result.total_tasks else f" (first {result.collision_checked:,} rows)"
        lines.append(f"- {result.collisions:,} tasks{checked}: {result.collision_title}")
        lines += [f"    e.g. {example}" for example in result.collision_examples]
    lines.append(f"AWS price: {format_usd(result.aws_fee)} for Batch Operations (plus the requests' own charges).")
    if result.seconds is None:
        lines.append("Local run time: unknown (no HEAD answered).")
    else:
        lines.append(f"Local run time: about {format_duration(result.seconds)} at {result.workers} workers "
                     f"(HEAD latency {result.latency * 1000:.1f} ms median; copies of large objects take longer).")  # fmt: skip
    return lines
