"""The job: pydantic models of AWS `CreateJob` (PascalCase aliases, SPEC.md section 1).

A JSON file written for `aws s3control create-job --cli-input-json` loads unchanged;
dumping with `to_json_dict()` gives the same shape back. Local extensions are
namespaced (`LocalOptions`, `Local*` operations, `file://` locations) so that the
AWS submit path can refuse them by name (`local_extensions()`).
"""

from s3batch_tui.core.spec.base import *  # noqa: F403
from s3batch_tui.core.spec.job import *  # noqa: F403
from s3batch_tui.core.spec.manifest import *  # noqa: F403
from s3batch_tui.core.spec.operations import *  # noqa: F403
