"""Model errors in words a user knows, named by the label the wizard shows (UI-free).

Pydantic says "Input should be greater than or equal to 0" about `Priority`; the
wizard says "Priority: must be 0 or more".
"""

from __future__ import annotations

from typing import Any

OPTION_LABELS = {
    "Description": ("description", "Description"), "Priority": ("priority", "Priority"),
    "Report": ("report_bucket", "Report"), "ConfirmationRequired": ("confirmation_required", "Confirmation"),
    "MaxOperationsPerSecond": ("rate_limit", "Rate limit"), "MinTasks": ("failure_min_tasks", "After tasks ran"),
    "MaxFailedPercent": ("failure_max_percent", "Fail above % failed"),
}  # fmt: skip
"""Model field → (options-step input, its label)."""
GENERATOR_LABELS = {
    "SourceBucket": ("bucket", "Source bucket"), "MatchAnyPrefix": ("prefixes", "Key prefixes"),
    "MatchAnySuffix": ("suffixes", "Key suffixes"), "MatchAnySubstring": ("substrings", "Key contains"),
    "CreatedAfter": ("created_after", "Created after"), "CreatedBefore": ("created_before", "Created before"),
    "ObjectSizeGreaterThanBytes": ("larger_than", "Larger than (bytes)"),
    "ObjectSizeLessThanBytes": ("smaller_than", "Smaller than (bytes)"),
    "MatchAnyStorageClass": ("storage_classes", "Storage classes"),
}  # fmt: skip
"""Model field → (generator form input, its label)."""
_DATE = "expected a date like 2025-01-31 or a time like 2025-01-31T12:00:00Z"


def plain_words(error: dict[str, Any]) -> str:
    """One pydantic error (from `ValidationError.errors()`) as a short sentence without jargon."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "expected a whole number"
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return "expected a number"
    if kind in ("bool_parsing", "bool_type"):
        return "expected yes or no"
    bounds = {"greater_than_equal": ("ge", "{} or more"), "greater_than": ("gt", "more than {}"),
              "less_than_equal": ("le", "{} or less"), "less_than": ("lt", "less than {}")}  # fmt: skip
    if kind in bounds:
        name, words = bounds[kind]
        value = ctx.get(name)
        return "must be " + words.format(f"{value:,}" if isinstance(value, int) else value)
    if kind == "string_too_short":
        return "required" if ctx.get("min_length") == 1 else f"at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length'):,} characters"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} items"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}"
    if kind.startswith(("datetime", "date")):
        return _DATE
    if kind == "missing":
        return "required"
    return str(error.get("msg", "")).removeprefix("Value error, ")
