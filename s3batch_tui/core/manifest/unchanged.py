"""Is a local manifest still the file the job was prepared from?

Preparing records the file's SHA-256 and its stat fingerprint in one read. A run (or a
resume) compares the fingerprint first: the same size, times and inode mean the same
content, and the file is not read again. Only when the stat differs (a copy, a
`touch`, an edit) is the file hashed, so a touched but identical manifest still runs.
"""

from __future__ import annotations

import hashlib
from typing import Any

from s3batch_tui.core.errors import ManifestError
from s3batch_tui.core.manifest.location import file_fingerprint
from s3batch_tui.core.spec import ManifestLocation, is_local_uri, local_path


def verify_unchanged(location: ManifestLocation, identity: dict[str, Any]) -> None:
    """Raise if the local manifest at `location` differs from the prepared one.

    Manifests in S3 are checked by their ETag whenever they are opened, so only local
    files with a recorded SHA-256 are looked at here.

    Raises:
        ManifestError: the file cannot be read, or its content changed (`ManifestChanged`).
    """
    if not is_local_uri(location.object_arn) or not identity.get("sha256"):
        return
    path = local_path(location.object_arn)
    try:
        if identity.get("file_stat") and file_fingerprint(path.stat()) == identity["file_stat"]:
            return
        with path.open("rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except OSError as exc:
        raise ManifestError(f"cannot read the manifest: {exc.strerror}", str(path)) from None
    if digest != identity["sha256"]:
        raise ManifestError(
            f"the manifest changed since the job was prepared (SHA-256 {digest}, expected {identity['sha256']})",
            str(path),
            code="ManifestChanged",
        )
