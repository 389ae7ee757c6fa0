"""Step 1: the manifest. Pick a local file, browse S3, type a path or URI, or build a generator.

The chosen manifest is pinned (S3: ETag and version from a HEAD), its format detected
and its first rows decoded in a thread worker; then the whole manifest is validated in
the same worker (task count, first errors with line numbers) while the user goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import DirectoryTree, Input, Label, Static, TabbedContent, TabPane

from s3batch_tui.core.browse import (
    Inspection,
    LazyClient,
    display_location,
    generator_preview,
    inspect_manifest,
    is_manifest_name,
    manifest_arn,
    scan_manifest,
)
from s3batch_tui.core.errors import InputError
from s3batch_tui.core.formatting import format_count, plural
from s3batch_tui.core.manifest.scan import ManifestScan
from s3batch_tui.core.spec import GeneratorFilter, bucket_from_arn
from s3batch_tui.tui.commands import Command, bindings
from s3batch_tui.tui.screens.wizard.base import BACK, NEXT, WizardStep
from s3batch_tui.tui.screens.wizard.generator_form import GeneratorForm, describe_generator
from s3batch_tui.tui.screens.wizard.s3_browser import S3Browser

LOCATION_HINT = "type a path, file://…, s3://bucket/key or arn:aws:s3:::bucket/key, then enter"
PREVIEW_ROWS = 5
MAX_SHOWN_ERRORS = 5
COMMANDS = (
    NEXT,
    BACK,
    Command("manifest.type", "ctrl+l", "type_location", "Type path/URI", "manifest: type a path or URI",
            "Type a local path, file://, s3://bucket/key or an object ARN, then enter"),
    Command("manifest.parent", "alt+up", "tree_parent", "Up a folder", "manifest: parent folder",
            "Show the parent folder in the file tree (backspace in the tree does it too)", show=False),
)  # fmt: skip


class ManifestTree(DirectoryTree):
    """The local directory tree, showing only folders and files that look like manifests.

    It starts in the current directory; backspace climbs to the parent folder.
    """

    BINDINGS = [Binding("backspace", "parent", "Up a folder", id="manifest.tree_parent",
                        tooltip="Show the parent folder")]  # fmt: skip

    def action_parent(self) -> None:
        self.path = Path(self.path).resolve().parent

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".") and (p.is_dir() or is_manifest_name(p.name))]


class ManifestInspected(Message):
    """A worker opened the manifest: format, first rows, or why it cannot be read."""

    def __init__(self, generation: int, inspection: Inspection) -> None:
        super().__init__()
        self.generation = generation
        self.inspection = inspection


class ManifestScanned(Message):
    """A worker read the whole manifest (or counted a generator's matches)."""

    def __init__(self, generation: int, total: int | None, errors: list[str], note: str = "") -> None:
        super().__init__()
        self.generation, self.total, self.errors, self.note = generation, total, errors, note


def _short_error(error: Exception) -> str:
    """An error with its file named by its last path part: `manifest.csv line 4 column 2: ...`."""
    where = getattr(error, "where", "")
    text = str(error)
    return text.replace(where, where.rsplit("/", 1)[-1], 1) if where else text


class ManifestStep(WizardStep):
    """Step 1 of the wizard."""

    STEP = "Manifest"
    COMMANDS_LIST = COMMANDS
    BINDINGS = bindings(COMMANDS)

    def __init__(self, state, s3: LazyClient, cwd: Path) -> None:
        super().__init__(state)
        self.s3 = s3
        self.cwd = cwd
        self.generation = 0
        self._scan_note = ""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="manifest-location-row"):
            yield Label("Manifest", id="manifest-location-label")
            yield Input(self.state.manifest_text, id="manifest-location", placeholder=LOCATION_HINT)
        with Horizontal(id="manifest-main"):
            with TabbedContent(id="manifest-sources", initial="tab-generator" if self.state.use_generator else None):
                with TabPane("Local files", id="tab-local"):
                    yield ManifestTree(self.cwd, id="manifest-tree")
                with TabPane("Browse S3", id="tab-s3"):
                    yield S3Browser(self.s3, id="manifest-s3")
                with TabPane("Generator", id="tab-generator"):
                    if self.state.use_generator:  # else built when its tab is first shown (opening stays quick)
                        yield GeneratorForm(self.state.generator, id="manifest-generator")
            with VerticalScroll(id="manifest-details", can_focus=False):
                yield Static("", id="manifest-chosen")
                yield Static("", id="manifest-format")
                yield Static("", id="manifest-preview")
                yield Static("", id="manifest-scan")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_chosen()
        state = self.state
        if not state.manifest_text and not state.use_generator:
            self.query_one("#manifest-location", Input).focus()
        elif state.manifest is None and state.manifest_text and not state.use_generator:
            self._choose(state.manifest_text, manifest_arn(state.manifest_text, self.cwd))  # a clone: pin it anew
        elif state.use_generator and state.generator.bucket and not state.scan_done:
            self._use_generator()

    def next_step(self):
        from s3batch_tui.tui.screens.wizard.operation_step import OperationStep

        return OperationStep(self.state)

    def ready_hint(self) -> str:
        if not self.state.use_generator and not self.state.scan_done:
            return "validating the manifest… you can go on meanwhile (ctrl+n)"
        return super().ready_hint()

    def action_tree_parent(self) -> None:
        self.query_one(ManifestTree).action_parent()

    def action_type_location(self) -> None:
        self.query_one("#manifest-location", Input).focus()

    # --- choosing ---------------------------------------------------------------------

    @on(Input.Submitted, "#manifest-location")
    def _typed(self, event: Input.Submitted) -> None:
        try:
            arn = manifest_arn(event.value, self.cwd)
        except InputError as exc:
            self.notify(str(exc), severity="error")
            return
        self._choose(event.value, arn)

    @on(DirectoryTree.FileSelected, "#manifest-tree")
    def _file_picked(self, event: DirectoryTree.FileSelected) -> None:
        path = event.path
        text = str(path.relative_to(self.cwd)) if path.is_relative_to(self.cwd) else str(path)
        self.query_one("#manifest-location", Input).value = text
        self._choose(text, manifest_arn(text, self.cwd))

    @on(S3Browser.ObjectChosen)
    def _object_picked(self, event: S3Browser.ObjectChosen) -> None:
        text = f"s3://{event.bucket}/{event.key}"
        self.query_one("#manifest-location", Input).value = text
        self._choose(text, manifest_arn(text))

    @on(TabbedContent.TabActivated, "#manifest-sources")
    async def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        browser = self.query_one(S3Browser)
        if event.pane.id == "tab-s3" and not browser.loaded:
            browser.load()
        if event.pane.id == "tab-generator" and not self.query(GeneratorForm):
            await event.pane.mount(GeneratorForm(self.state.generator, id="manifest-generator"))

    def _choose(self, text: str, arn: str) -> None:
        """Use the manifest at `arn`: inspect it, then validate it, in a worker."""
        self.generation += 1
        state = self.state
        state.use_generator = False
        state.manifest_text = text
        state.manifest = None
        state.manifest_error = None
        state.detection_note = ""
        state.task_count = None
        state.scan_done = False
        state.scan_errors = []
        self._show_chosen(opening=True)
        self._inspect(self.generation, arn)

    @on(GeneratorForm.Used)
    def _use_generator(self) -> None:
        self.generation += 1
        state = self.state
        state.use_generator = True
        state.manifest_text = ""
        self.query_one("#manifest-location", Input).value = ""
        state.task_count = None
        state.scan_done = False
        state.scan_errors = []
        problems = [p for p in state.problems("Manifest")]
        self._scan_note = "not listed: fix the generator's fields first" if problems else ""
        state.scan_done = bool(problems)  # nothing will be listed: no "listing…" that never ends
        self._show_chosen()
        if not problems:
            spec = state.generator.to_dict()["S3JobManifestGenerator"]
            self._preview_generator(self.generation, bucket_from_arn(spec["SourceBucket"]), spec.get("Filter"))
        self.show_problems()

    # --- workers ----------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="manifest")
    def _inspect(self, generation: int, arn: str) -> None:
        try:
            inspection = inspect_manifest(arn, self.s3, rows=PREVIEW_ROWS)
        except Exception as exc:  # noqa: BLE001 - whatever it is, the user must see it
            inspection = Inspection(None, None, error=str(exc))
        self.post_message(ManifestInspected(generation, inspection))
        if inspection.manifest is None:
            return
        try:
            scan: ManifestScan = scan_manifest(inspection.manifest, self.s3, max_errors=MAX_SHOWN_ERRORS)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ManifestScanned(generation, None, [str(exc)]))
            return
        note = f"skipped {scan.skipped_delete_markers:,} delete markers" if scan.skipped_delete_markers else ""
        self.post_message(ManifestScanned(generation, scan.total_tasks, [_short_error(e) for e in scan.errors], note))

    @work(thread=True, exit_on_error=False, group="manifest")
    def _preview_generator(self, generation: int, bucket: str, flt: dict | None) -> None:
        try:
            preview = generator_preview(self.s3(), bucket, GeneratorFilter.model_validate(flt) if flt else None)
        except Exception as exc:  # noqa: BLE001
            self.post_message(ManifestScanned(generation, None, [], f"cannot count the matches here: {exc}"))
            return
        sample = ", ".join(preview.sample[:3]) + ("…" if preview.matched > 3 else "")
        note = f"of {preview.listed:,} listed; e.g. {sample}" if sample else ""
        self.post_message(ManifestScanned(generation, preview.matched, [], note))

    # --- results ----------------------------------------------------------------------

    @on(ManifestInspected)
    def _inspected(self, message: ManifestInspected) -> None:
        if message.generation != self.generation:
            return
        inspection = message.inspection
        if inspection.manifest is None:
            self.state.manifest_error = inspection.error or "cannot open the manifest"
            self.state.scan_done = True
        else:
            self.state.manifest = inspection.manifest.model_dump(mode="json", by_alias=True, exclude_none=True)
            self.state.detection_note = inspection.detection.note if inspection.detection else ""
        self._show_chosen(rows=inspection.rows, preview_error=inspection.error if inspection.manifest else None)
        self._broadcast()

    @on(ManifestScanned)
    def _scanned(self, message: ManifestScanned) -> None:
        if message.generation != self.generation:
            return
        self.state.task_count = message.total
        self.state.scan_errors = message.errors
        self.state.scan_done = True
        self._scan_note = message.note
        self._show_scan()
        self._broadcast()

    def _broadcast(self) -> None:
        """Tell every wizard step (this one and any pushed after it) that the state changed."""
        for screen in self.app.screen_stack:
            if isinstance(screen, WizardStep):
                screen.state_changed()

    # --- showing ----------------------------------------------------------------------

    def _show_chosen(self, opening: bool = False, rows=None, preview_error: str | None = None) -> None:
        state = self.state
        chosen = self.query_one("#manifest-chosen", Static)
        fmt = self.query_one("#manifest-format", Static)
        preview = self.query_one("#manifest-preview", Static)
        if state.use_generator:
            bucket = state.generator.bucket.strip() or "?"
            chosen.update(Content.from_markup("[b]Using:[/] a manifest generator over [b]$b[/]", b=bucket))
            fmt.update(Content.from_markup("[b]Filter:[/] $f", f=describe_generator(state.generator)))
            preview.update("")
        elif state.manifest is not None or state.manifest_error or opening:
            location = state.manifest["Location"] if state.manifest else {}
            where = self._where(location.get("ObjectArn", "")) if location else state.manifest_text
            chosen.update(Content.from_markup("[b]Using:[/] $w", w=where))
            pins = [f"ETag {location['ETag']}" if location.get("ETag") else "",
                    f"version {location['ObjectVersionId']}" if location.get("ObjectVersionId") else ""]  # fmt: skip
            if state.manifest_error:
                fmt.update(Content.from_markup("[b $error]✗ $e[/]", e=state.manifest_error))
            elif state.manifest:
                pinned = "  ".join(filter(None, pins))
                markup = "[b]Format:[/] $n  [dim]$f[/]" + ("\n$p" if pinned else "")
                fmt.update(Content.from_markup(markup, n=state.detection_note, f=state.manifest["Spec"]["Format"],
                                               p=pinned))  # fmt: skip
            else:
                fmt.update("[dim]opening…[/]")
            preview.update(self._preview_table(rows or [], preview_error) if rows or preview_error else "")
        else:
            chosen.update("[dim]No manifest yet: pick a file on the left, browse S3, or type a path or URI above.[/]")
            fmt.update("")
            preview.update("")
        self._show_scan()

    def _where(self, object_arn: str) -> str:
        """A manifest's location for people: relative to the current directory when inside it."""
        shown = display_location(object_arn)
        if shown.startswith("/") and Path(shown).is_relative_to(self.cwd):
            return str(Path(shown).relative_to(self.cwd))
        return shown

    def _preview_table(self, rows, error: str | None) -> Table:
        colours = self.app.theme_variables
        table = Table(title=_preview_title(len(rows)), title_justify="left", expand=True,
                      header_style=f"bold {colours.get('primary', '')}", border_style=colours.get("panel", "dim"),
                      caption="the preview stops at the first bad row (see Validation)" if error else None,
                      caption_justify="left", caption_style=colours.get("error", "red"))  # fmt: skip
        versioned = any(row.version_id for row in rows)
        for name, ratio in (("#", None), ("Bucket", None), ("Key", 3)) + ((("Version", 1),) if versioned else ()):
            justify = "right" if name == "#" else "left"
            table.add_column(name, ratio=ratio, overflow="ellipsis", no_wrap=True, justify=justify)
        for row in rows:
            table.add_row(str(row.ordinal + 1), row.bucket, row.key, *([row.version_id or ""] if versioned else []))
        return table

    def _show_scan(self) -> None:
        state = self.state
        scan = self.query_one("#manifest-scan", Static)
        if state.manifest is None and not state.use_generator:
            scan.update("")
            return
        if not state.scan_done:
            doing = "listing the bucket" if state.use_generator else "reading the whole manifest"
            scan.update(f"[b]Validation:[/] {doing}… [dim](runs in the background)[/]")
            return
        count = format_count(state.task_count)
        if state.use_generator:
            status = Content.from_markup("[b $success]✓ $c objects match now[/]  ", c=count) \
                if state.task_count is not None else Content("")
        elif not state.scan_errors:
            status = Content.from_markup("[b $success]✓ Valid: $c tasks[/]  ", c=count)
        else:
            shown = len(state.scan_errors)
            errors = f"{shown}+" if shown >= MAX_SHOWN_ERRORS else str(shown)
            markup = "[b $error]✗ Invalid: $n[/]  [dim]($c)[/]  "
            noun = "error" if errors == "1" else "errors"
            status = Content.from_markup(markup, n=f"{errors} {noun}", c=plural(state.task_count, "good row"))
        line = Content.from_markup("[b]Validation:[/] ") + status + Content.from_markup("[dim]$n[/]", n=self._scan_note)
        errors = [Content.from_markup("  [$error]•[/] $e", e=e) for e in state.scan_errors]
        scan.update(Content("\n").join([line, *errors]))


def _preview_title(rows: int) -> str:
    """`First 5 rows, decoded`, `The first row, decoded`, or why there are none."""
    if rows == 0:
        return "No row could be decoded"
    return "The first row, decoded" if rows == 1 else f"First {rows} rows, decoded"
