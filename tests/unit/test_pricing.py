"""The AWS Batch Operations fee: $0.25 per job + $1.00 per million tasks, pro rata."""

from __future__ import annotations

from decimal import Decimal

import pytest

from s3batch_tui.core.pricing import aws_job_fee, aws_task_fee, format_usd


@pytest.mark.parametrize(
    ("tasks", "fee"),
    [
        (0, "0.25"),
        (1, "0.250001"),
        (1_234, "0.251234"),
        (1_000_000, "1.25"),
        (2_500_000, "2.75"),
        (20_000_000_000, "20000.25"),
    ],
)
def test_job_fee_is_flat_plus_pro_rata_per_million(tasks, fee):
    assert aws_job_fee(tasks) == Decimal(fee)


def test_task_part_alone():
    assert aws_task_fee(500_000) == Decimal("0.5")
    assert aws_job_fee(500_000) - aws_task_fee(500_000) == Decimal("0.25")


def test_negative_task_count_is_refused():
    with pytest.raises(ValueError, match="negative"):
        aws_job_fee(-1)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0.25", "$0.25"),
        ("0.251234", "$0.2512"),
        ("0.000003", "$0.000003"),
        ("0.1", "$0.10"),
        ("1.25", "$1.25"),
        ("1.249999", "$1.25"),
        ("20000.25", "$20,000.25"),
    ],
)
def test_format_usd_keeps_cents_unless_they_hide_the_amount(amount, text):
    assert format_usd(Decimal(amount)) == text
