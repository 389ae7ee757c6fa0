"""Browse S3 for a manifest: buckets, then prefixes and objects, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from s3batch_tui.core.browse import S3Listing, describe_s3_error, is_manifest_name, list_buckets, list_prefix
from s3batch_tui.core.formatting import format_count


@dataclass(frozen=True)
class _Place:
    """Where the browser is: no bucket (the bucket list), or a bucket and prefix."""

    bucket: str | None = None
    prefix: str = ""
    token: str | None = None


class S3Browser(Vertical):
    """Buckets → prefixes → objects; choosing an object posts `ObjectChosen`.

    Args:
        s3: a callable returning an S3 client (`LazyClient`); called in a thread.
    """

    class ObjectChosen(Message):
        """The user chose an object as the manifest."""

        def __init__(self, bucket: str, key: str) -> None:
            super().__init__()
            self.bucket = bucket
            self.key = key

    class _Listed(Message):
        def __init__(self, place: _Place, buckets: list[str] | None, listing: S3Listing | None, error: str | None):
            super().__init__()
            self.place, self.buckets, self.listing, self.error = place, buckets, listing, error

    def __init__(self, s3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.s3 = s3
        self.place = _Place()
        self.loaded = False
        self._actions: list[_Place | tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static("s3://", id="s3-path")
        yield OptionList(id="s3-entries")

    def load(self, place: _Place | None = None) -> None:
        """List `place` (default: the buckets) in a worker; the list shows when it arrives."""
        self.loaded = True
        self.place = place or _Place()
        self.query_one("#s3-path", Static).update(self._path("[dim](loading…)[/]"))
        self._list(self.place)

    def _path(self, note: str = "", **variables: object) -> Content:
        """The current place, then `note` (markup with `$variables`)."""
        if self.place.bucket is None:
            return Content.from_markup(f"s3:// [dim]· choose a bucket[/]  {note}", **variables)
        return Content.from_markup(f"s3://$bucket/$prefix  {note}", bucket=self.place.bucket,
                                   prefix=self.place.prefix, **variables)  # fmt: skip

    @work(thread=True, exit_on_error=False, exclusive=True, group="s3-browse")
    def _list(self, place: _Place) -> None:
        try:
            if place.bucket is None:
                self.post_message(self._Listed(place, list_buckets(self.s3()), None, None))
            else:
                self.post_message(self._Listed(place, None, list_prefix(self.s3(), place.bucket, place.prefix,
                                                                        place.token), None))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - any failure is shown where the list would be
            self.post_message(self._Listed(place, None, None, describe_s3_error(exc)))

    @on(_Listed)
    def _show(self, message: _Listed) -> None:
        if message.place != self.place:
            return  # the user moved on
        entries = self.query_one("#s3-entries", OptionList)
        entries.clear_options()
        self._actions = []
        options: list[Option] = []

        def add(prompt: str | Content, action) -> None:
            options.append(Option(prompt, id=str(len(self._actions))))
            self._actions.append(action)

        if self.place.bucket is not None:
            parent = self.place.prefix.rstrip("/").rpartition("/")[0]
            add("↑ ..", _Place(self.place.bucket, parent + "/" if parent else "") if self.place.prefix else _Place())
        path = self.query_one("#s3-path", Static)
        if message.error:
            path.update(self._path("\n[b $error]$problem[/]", problem=message.error))
        elif message.buckets is not None:
            path.update(self._path(f"[dim]{_count(len(message.buckets), 'bucket')}[/]"))
            for bucket in message.buckets:
                add(Content.from_markup("▪ $bucket", bucket=bucket), _Place(bucket))
        elif message.listing is not None:
            listing = message.listing
            more = ", more on the next page" if listing.truncated else ""
            path.update(self._path(f"[dim]{_count(len(listing.entries), 'entry', 'entries')}{more}[/]"))
            for entry in listing.entries:
                if entry.is_prefix:
                    add(Content.from_markup("▸ $name", name=entry.name), _Place(listing.bucket, entry.key))
                else:
                    size = format_count(entry.size) if entry.size is not None else "?"
                    markup = "  $name  [dim]$size B[/]" if is_manifest_name(entry.key) else "[dim]  $name  $size B[/]"
                    add(Content.from_markup(markup, name=entry.name, size=size), ("object", entry.key))
            if listing.truncated:
                add("[b]more…[/] (next page)", _Place(listing.bucket, listing.prefix, listing.next_token))
        entries.add_options(options)
        if options:
            entries.highlighted = 0

    @on(OptionList.OptionSelected, "#s3-entries")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        action = self._actions[int(event.option.id or 0)]
        if isinstance(action, _Place):
            self.load(action)
        elif self.place.bucket is not None:
            self.post_message(self.ObjectChosen(self.place.bucket, action[1]))


def _count(number: int, one: str, many: str | None = None) -> str:
    """`1 entry`, `1,000 entries`."""
    return f"{format_count(number)} {one if number == 1 else (many or one + 's')}"
