"""A job's spec back into the wizard's inputs, to edit and run it again (UI-free)."""

from __future__ import annotations

from typing import Any

from s3batch_tui.core.browse import display_location
from s3batch_tui.core.spec import JobSpec
from s3batch_tui.tui.screens.wizard.operations import BY_NAME, FormField, default_values
from s3batch_tui.tui.screens.wizard.state import GeneratorChoice, WizardState


def fill_from_spec(state: WizardState, spec: JobSpec) -> WizardState:
    """Set every step's inputs from `spec`; the manifest is inspected again when the wizard opens."""
    job = spec.to_json_dict()
    generator = (job.get("ManifestGenerator") or {}).get("S3JobManifestGenerator")
    if generator:
        state.use_generator = True
        state.generator = _generator_choice(generator)
    elif job.get("Manifest"):
        state.manifest_text = display_location(job["Manifest"]["Location"]["ObjectArn"])
    name, params = next(iter(job["Operation"].items()))
    state.operation = name
    info = BY_NAME.get(name)
    if info is not None:
        values = default_values(info)
        for field in info.fields:
            value = _dig(params, field.path)
            if value is not None:
                values[field.key] = _form_value(field, value)
        state.values[name] = values
    state.description = job.get("Description", "")
    state.priority = str(job.get("Priority", 10))
    state.confirmation_required = bool(job.get("ConfirmationRequired", False))
    _fill_report(state, job.get("Report") or {})
    options = job.get("LocalOptions") or {}
    state.rate_limit = str(options.get("MaxOperationsPerSecond", "") or "")
    threshold = options.get("FailureThreshold") or {}
    state.failure_min_tasks = str(threshold.get("MinTasks", state.failure_min_tasks))
    state.failure_max_percent = str(threshold.get("MaxFailedPercent", state.failure_max_percent))
    return state


def _fill_report(state: WizardState, report: dict[str, Any]) -> None:
    state.report_enabled = bool(report.get("Enabled", False))
    if report.get("Bucket"):
        state.report_bucket = display_location(report["Bucket"])
    state.report_prefix = report.get("Prefix", "")
    state.report_scope = report.get("ReportScope", state.report_scope)


def _generator_choice(generator: dict[str, Any]) -> GeneratorChoice:
    flt = generator.get("Filter") or {}
    names = flt.get("KeyNameConstraint") or {}

    def joined(values: list[str] | None) -> str:
        return ", ".join(values or [])

    return GeneratorChoice(
        bucket=display_location(generator.get("SourceBucket", "")),
        prefixes=joined(names.get("MatchAnyPrefix")), suffixes=joined(names.get("MatchAnySuffix")),
        substrings=joined(names.get("MatchAnySubstring")), created_after=str(flt.get("CreatedAfter", "")),
        created_before=str(flt.get("CreatedBefore", "")), larger_than=str(flt.get("ObjectSizeGreaterThanBytes", "")),
        smaller_than=str(flt.get("ObjectSizeLessThanBytes", "")),
        storage_classes=joined(flt.get("MatchAnyStorageClass")),
    )  # fmt: skip


def _dig(params: dict[str, Any], path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(params, dict) or part not in params:
            return None
        params = params[part]
    return params


def _form_value(field: FormField, value: Any) -> Any:
    """A parameter as its form input holds it (the inverse of the wizard's conversion)."""
    if field.kind == "tags":
        return [(tag.get("Key", ""), tag.get("Value", "")) for tag in value]
    if field.kind == "pairs":
        return ", ".join(f"{key}={val}" for key, val in value.items())
    if field.kind == "bucket":
        return display_location(value)
    if field.kind == "checkbox":
        return bool(value)
    return str(value)
