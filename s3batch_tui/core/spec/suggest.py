"""`did you mean S3PutObjectTagging?` for a misspelt field name in a job file."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence

from pydantic import BaseModel


def field_names(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """The names (aliases) a job file may use at `path` inside `model`, or [] when unknown."""
    for part in path:
        if isinstance(part, int):
            continue  # a list index: the items are the same model
        field = next((f for name, f in model.model_fields.items() if part in (name, f.alias)), None)
        if field is None:
            return []
        inner = _model_in(field.annotation)
        if inner is None:
            return []
        model = inner
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_in(annotation) -> type[BaseModel] | None:
    """The model inside `X | None`, `list[X]`, or X itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def did_you_mean(model: type[BaseModel], loc: Sequence[str | int]) -> str:
    """` (did you mean X?)` for an unknown field at `loc`, or "" when nothing is close."""
    if not loc or not isinstance(loc[-1], str):
        return ""
    names = field_names(model, loc[:-1])
    close = difflib.get_close_matches(loc[-1], names, n=1, cutoff=0.6)
    if not close:
        lowered = {name.casefold(): name for name in names}
        close = [lowered[loc[-1].casefold()]] if loc[-1].casefold() in lowered else []
    return f"; did you mean {close[0]}?" if close else ""
