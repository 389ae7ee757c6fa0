"""What a job would cost on AWS S3 Batch Operations (SPEC.md section 6).

AWS charges $0.25 per job plus $1.00 per million tasks (pro rata), on top of the
normal request charges of the operation itself (PUT, COPY, GET...), which depend on
the operation and the storage class and are not estimated here. Locally there is no
job fee.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

JOB_FEE_USD = Decimal("0.25")
"""The flat fee AWS charges for every job."""

PER_MILLION_TASKS_USD = Decimal("1.00")
"""What AWS charges per million tasks (objects), pro rata."""


def aws_task_fee(task_count: int) -> Decimal:
    """The per-task part of the fee: $1.00 per million tasks, pro rata."""
    if task_count < 0:
        raise ValueError(f"task count must not be negative, got {task_count}")
    return PER_MILLION_TASKS_USD * Decimal(task_count) / Decimal(1_000_000)


def aws_job_fee(task_count: int) -> Decimal:
    """The AWS Batch Operations fee for one job of `task_count` tasks (request charges excluded)."""
    return JOB_FEE_USD + aws_task_fee(task_count)


def format_usd(amount: Decimal) -> str:
    """`$0.25`, `$1.2346`, `$0.000003` or `$1,000.00`: cents, or the decimals that cents would hide."""
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if cents == amount or amount >= 100:
        return f"${cents:,.2f}"
    fine = amount.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if fine == 0:
        return f"${amount.normalize():f}"
    text = f"{fine:,.4f}".rstrip("0")
    return f"${text}" if len(text.split(".")[1]) >= 2 else f"${fine:,.2f}"
