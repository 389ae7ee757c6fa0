"""Everything the wizard's user entered, as plain data; UI-free.

Each step reads its inputs from a `WizardState` when it is shown and writes every
change back, so moving between steps keeps what was typed. `to_job_dict()` builds
the job in AWS CreateJob shape; `check()` validates it with `JobSpec.model_validate`
and sorts the problems by the step that can fix them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from s3batch_tui.core.browse import bucket_arn
from s3batch_tui.core.spec import S3_ARN_PREFIX, JobSpec, describe_validation_error
from s3batch_tui.core.spec.s3_rules import bucket_name_problem, storage_class_problems
from s3batch_tui.tui.screens.wizard.operations import (
    BY_NAME,
    OPERATIONS,
    build_params,
    default_values,
    destructive_warning,
    rule_problems,
)
from s3batch_tui.tui.screens.wizard.wording import GENERATOR_LABELS, OPTION_LABELS, plain_words

STEPS = ("Manifest", "Operation", "Options", "Review")
DEFAULT_MIN_TASKS = "1000"
DEFAULT_MAX_FAILED_PERCENT = "50"


@dataclass(frozen=True)
class Problem:
    """One reason the job is not valid yet.

    Attributes:
        step: the step that can fix it (one of STEPS).
        text: what is wrong, with the field path.
        field: the form field at fault (an operation field key or an options name), if known.
    """

    step: str
    text: str
    field: str = ""


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass
class GeneratorChoice:
    """A manifest generator (S3JobManifestGenerator): list a bucket, keep what the filter matches."""

    bucket: str = ""
    prefixes: str = ""
    suffixes: str = ""
    substrings: str = ""
    created_after: str = ""
    created_before: str = ""
    larger_than: str = ""
    smaller_than: str = ""
    storage_classes: str = ""

    def filter_dict(self) -> dict[str, Any]:
        """The `Filter` in CreateJob shape (empty when nothing is filtered)."""
        keys = (("MatchAnyPrefix", self.prefixes), ("MatchAnySuffix", self.suffixes),
                ("MatchAnySubstring", self.substrings))  # fmt: skip
        constraint = {name: _split(text) for name, text in keys if _split(text)}
        flt: dict[str, Any] = {"KeyNameConstraint": constraint} if constraint else {}
        for name, text in (("CreatedAfter", self.created_after), ("CreatedBefore", self.created_before),
                           ("ObjectSizeGreaterThanBytes", self.larger_than),
                           ("ObjectSizeLessThanBytes", self.smaller_than)):  # fmt: skip
            if text.strip():
                flt[name] = text.strip()
        if _split(self.storage_classes):
            flt["MatchAnyStorageClass"] = _split(self.storage_classes)
        return flt

    def problems(self) -> list[tuple[str, str]]:
        """(input, message) for what S3 would refuse: a missing or invalid bucket, unknown storage classes."""
        bucket = bucket_arn(self.bucket.strip())
        if not bucket:
            return [("bucket", "the source bucket is required")]
        found = []
        if bucket.startswith(S3_ARN_PREFIX) and (problem := bucket_name_problem(bucket[len(S3_ARN_PREFIX):])):
            found.append(("bucket", problem))
        found += [("storage_classes", text) for text in storage_class_problems(_split(self.storage_classes))]
        return found

    def to_dict(self) -> dict[str, Any]:
        """The `ManifestGenerator` in CreateJob shape."""
        generator: dict[str, Any] = {"SourceBucket": bucket_arn(self.bucket), "EnableManifestOutput": False}
        if flt := self.filter_dict():
            generator["Filter"] = flt
        return {"S3JobManifestGenerator": generator}


@dataclass
class WizardState:
    """What the user entered in every step (strings as typed: the models parse and judge them)."""

    # 1. manifest: a manifest object/file, or a generator
    use_generator: bool = False
    manifest_text: str = ""
    manifest: dict[str, Any] | None = None
    detection_note: str = ""
    manifest_error: str | None = None
    task_count: int | None = None
    scan_done: bool = False
    scan_errors: list[str] = field(default_factory=list)
    generator: GeneratorChoice = field(default_factory=GeneratorChoice)
    # 2. operation: form values are kept per operation, so switching back keeps them
    operation: str = ""
    """None chosen at first: a default (say, tags with an empty tag set) would run if the user just pressed on."""
    values: dict[str, dict[str, Any]] = field(default_factory=lambda: {i.name: default_values(i) for i in OPERATIONS})
    # 3. options
    description: str = ""
    priority: str = "10"
    confirmation_required: bool = False
    report_enabled: bool = True
    report_bucket: str = ""
    report_prefix: str = "reports"
    report_scope: str = "AllTasks"
    workers: str = "16"
    rate_limit: str = ""
    failure_min_tasks: str = DEFAULT_MIN_TASKS
    failure_max_percent: str = DEFAULT_MAX_FAILED_PERCENT
    # 4. review
    save_path: str = "job.json"

    @property
    def operation_values(self) -> dict[str, Any]:
        """The form values of the chosen operation ({} while none is chosen)."""
        if not self.operation:
            return {}
        return self.values.setdefault(self.operation, default_values(BY_NAME[self.operation]))

    def to_job_dict(self) -> dict[str, Any]:
        """The job in AWS CreateJob shape (not validated: see `check`)."""
        job: dict[str, Any] = {
            "Operation": {self.operation: build_params(self.operation, self.operation_values)} if self.operation else {},
            "Report": self._report(),
            "Priority": self.priority.strip() or "10",
            "ConfirmationRequired": self.confirmation_required,
        }
        if self.use_generator:
            job["ManifestGenerator"] = self.generator.to_dict()
        elif self.manifest is not None:
            job["Manifest"] = self.manifest
        if self.description.strip():
            job["Description"] = self.description.strip()
        if options := self._local_options():
            job["LocalOptions"] = options
        return job

    def _report(self) -> dict[str, Any]:
        if not self.report_enabled:
            return {"Enabled": False}
        report = {"Enabled": True, "Bucket": bucket_arn(self.report_bucket) or None, "Format": "Report_CSV_20180820",
                  "ReportScope": self.report_scope}  # fmt: skip
        if self.report_prefix.strip():
            report["Prefix"] = self.report_prefix.strip().strip("/")
        return report

    def _local_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.rate_limit.strip():
            options["MaxOperationsPerSecond"] = self.rate_limit.strip()
        min_tasks, percent = self.failure_min_tasks.strip(), self.failure_max_percent.strip()
        if (min_tasks or DEFAULT_MIN_TASKS, percent or DEFAULT_MAX_FAILED_PERCENT) != (
            DEFAULT_MIN_TASKS, DEFAULT_MAX_FAILED_PERCENT,
        ):  # fmt: skip
            options["FailureThreshold"] = {"MinTasks": min_tasks or DEFAULT_MIN_TASKS,
                                           "MaxFailedPercent": percent or DEFAULT_MAX_FAILED_PERCENT}  # fmt: skip
        return options

    def worker_count(self) -> int | None:
        """The runner's worker threads, or None when the text is not a number in 1..512."""
        try:
            count = int(self.workers.strip())
        except ValueError:
            return None
        return count if 1 <= count <= 512 else None

    def check(self) -> tuple[JobSpec | None, list[Problem]]:
        """The validated job (None while invalid) and every problem, each tagged with its step."""
        problems = self._wizard_problems()
        try:
            spec = JobSpec.model_validate(self.to_job_dict())
        except ValidationError as exc:
            lines = describe_validation_error(exc, "job").splitlines()
            said = {(p.step, p.field) for p in problems if p.field}
            for error, line in zip(exc.errors(), lines, strict=False):
                if not error["loc"] and self.manifest is None and not self.use_generator:
                    continue  # "exactly one of Manifest and ManifestGenerator": said better above
                if not self.operation and error["loc"][:1] == ("Operation",):
                    continue  # "choose an operation" says it
                problem = _model_problem(error, line.removeprefix("job: "), self.operation)
                if (problem.step, problem.field) not in said and problem not in problems:
                    problems.append(problem)  # else the wizard's own message says it better
            return None, problems
        return (None if problems else spec), problems

    def problems(self, step: str) -> list[Problem]:
        """The problems that `step` can fix."""
        return [p for p in self.check()[1] if p.step == step]

    def _wizard_problems(self) -> list[Problem]:
        problems = []
        if self.use_generator:
            problems += [Problem("Manifest", f"Generator: {text}", key) for key, text in self.generator.problems()]
        elif self.manifest_error:
            problems.append(Problem("Manifest", self.manifest_error))
        elif self.manifest is None:
            problems.append(Problem("Manifest", "Choose a manifest: pick a file, browse S3, or type a path or URI"))
        elif self.scan_errors:
            count = len(self.scan_errors)
            problems.append(Problem("Manifest", f"The manifest has {count}{'+' if count >= 5 else ''} bad rows: "
                                    "fix the file (the job would fail in Preparing)"))  # fmt: skip
        if not self.operation:
            problems.append(Problem("Operation", "Choose an operation in the list (enter opens its form)"))
        else:
            rules = rule_problems(self.operation, self.operation_values)
            problems += [Problem("Operation", text, key) for key, text in rules]
        if self.worker_count() is None:
            problems.append(Problem("Options", "Workers: expected a whole number from 1 to 512", "workers"))
        if self.report_enabled and not self.report_bucket.strip():
            problems.append(Problem("Options", "Report destination: required while the report is on", "report_bucket"))
        return problems

    def destructive_warning(self) -> str | None:
        """What the chosen operation destroys or exposes (None when harmless)."""
        if not self.operation:
            return None
        return destructive_warning(self.operation, self.operation_values, self.task_count)


def _model_problem(error: dict[str, Any], text: str, operation: str) -> Problem:
    """A model validation error as the Problem of the step whose inputs produced it, in plain words.

    `text` (the error with its field path) is the fallback when no label of the wizard names the field.
    """
    loc = tuple(error["loc"])
    names = [str(part) for part in loc if not isinstance(part, int)]
    top = names[0] if names else ""
    if top == "Operation":
        path = names[2:]
        fields = [f for f in BY_NAME[operation].fields if tuple(path[: len(f.path)]) == f.path]
        if fields:
            return Problem("Operation", f"{fields[0].label}: {plain_words(error)}", fields[0].key)
        return Problem("Operation", text.removeprefix(f"Operation.{operation}."))
    if top == "ManifestGenerator":
        known = [GENERATOR_LABELS[name] for name in names if name in GENERATOR_LABELS]
        if known:
            return Problem("Manifest", f"Generator: {known[-1][1]}: {plain_words(error)}", known[-1][0])
    if top in ("Manifest", "ManifestGenerator", ""):
        return Problem("Manifest", text)
    known = [OPTION_LABELS[name] for name in names if name in OPTION_LABELS]
    if known:
        return Problem("Options", f"{known[-1][1]}: {plain_words(error)}", known[-1][0])
    return Problem("Options", text)
