"""botocore's data loader without its scan of every service directory.

Before botocore's `Loader` reads the first model of a kind (`service-2`,
`endpoint-rule-set-1`), it lists all ~450 service directories to check that the one
asked for exists: about 20 ms of system calls each time, three times before a `run`
sends its first request. `QuickLoader` makes that check in the asked service's own
directory, with the same rules, so it finds the same thing; the full list is still
built when something reads it (an unknown service's error message names them all).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from botocore.loaders import Loader

__all__ = ["QuickLoader", "quick_loader"]


class QuickLoader(Loader):
    """A botocore `Loader` whose `list_available_services` answers `in` without listing them all."""

    def list_available_services(self, type_name: str) -> Sequence[str]:
        """The services with `type_name` data, as botocore lists them (sorted); membership is checked directly."""
        return _KnownServices(self, type_name)

    def has_service(self, service_name: str, type_name: str) -> bool:
        """Whether botocore's full listing would hold `service_name` (the same test, on one directory).

        A search path counts when it is a directory listing `service_name` as an entry
        (looked up in the listing, so a case-insensitive file system or a name with a
        separator answers as the listing would), which is a directory holding an API
        version with a `type_name` file.
        """
        for base in self.search_paths:
            if not os.path.isdir(base) or service_name not in os.listdir(base):
                continue
            directory = os.path.join(base, service_name)
            if not os.path.isdir(directory):
                continue
            for version in os.listdir(directory):
                if self.file_loader.exists(os.path.join(directory, version, type_name)):
                    return True
        return False


class _KnownServices(Sequence[str]):
    """botocore's sorted list of services, listed only when read as a list."""

    def __init__(self, loader: QuickLoader, type_name: str) -> None:
        self._loader = loader
        self._type_name = type_name

    def _listed(self) -> list[str]:
        return Loader.list_available_services(self._loader, self._type_name)  # botocore's scan, cached by it

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._loader.has_service(name, self._type_name)

    def __getitem__(self, index):  # noqa: ANN001 - an int or a slice, as for a list
        return self._listed()[index]

    def __len__(self) -> int:
        return len(self._listed())

    def __iter__(self) -> Iterator[str]:
        return iter(self._listed())

    def __eq__(self, other: object) -> bool:
        return list(self) == other if isinstance(other, list) else NotImplemented

    def __repr__(self) -> str:
        return repr(self._listed())


def quick_loader(search_path_string: str | None = None) -> QuickLoader:
    """What `botocore.loaders.create_loader(search_path_string)` makes (AWS_DATA_PATH's form), as a QuickLoader."""
    if search_path_string is None:
        return QuickLoader()
    paths = [os.path.expanduser(os.path.expandvars(path)) for path in search_path_string.split(os.pathsep)]
    return QuickLoader(extra_search_paths=paths)
