"""Distributor feeds → one normalized `Catalog`.

Feeds are discovered as FEED_ROOT/<distributor>/**/*.json for each distributor in the registry
(`feeds.registry`), and each file is read by its distributor's parser. Every bad file or record
becomes a `ValidationIssue`; the good records go on.
"""

from __future__ import annotations

from pathlib import Path

from medusa_sync.config import Rules
from medusa_sync.errors import FeedError
from medusa_sync.feeds.distributor import Distributor, ParsedKit
from medusa_sync.feeds.parsing import parse_files
from medusa_sync.feeds.reader import FileContext
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.gcpause import paused_gc
from medusa_sync.models import Catalog, FeedFile, InventoryItem, Kit, StockLevel, ValidationIssue


def discover(feed_root: Path) -> list[tuple[Distributor, Path]]:
    if not feed_root.is_dir():
        raise FeedError(f"feed root {feed_root} is not a directory")
    return [
        (distributor, path)
        for distributor in DISTRIBUTORS.values()
        for path in sorted((feed_root / distributor.name).glob("**/*.json"))
        if path.is_file()
    ]


@paused_gc
def load_catalog(feed_root: Path, rules: Rules) -> Catalog:
    assembly = _Assembly()
    files: list[FeedFile] = []
    found = discover(feed_root)
    for (distributor, _), parsed_file in zip(found, parse_files(feed_root, found, rules), strict=True):
        ctx = FileContext(path=parsed_file.file.path, distributor=distributor)
        reported = 0
        for parsed, issued in zip(parsed_file.records, parsed_file.issued, strict=True):
            ctx.issues += parsed_file.issues[reported:issued]  # the parse's issues up to this record, then the assembly's
            reported = issued
            if isinstance(parsed, ParsedKit):
                assembly.add_kit(parsed.kit, parsed.components, parsed.levels, ctx)
            else:
                assembly.add_item(parsed.item, ctx)
                if parsed.level is not None:
                    assembly.add_level(parsed.level)
        ctx.issues += parsed_file.issues[reported:]
        assembly.issues.extend(ctx.issues)
        files.append(parsed_file.file)
    return assembly.catalog(files)


class _Assembly:
    """Collects parsed records; the first record with a SKU wins, later ones are reported."""

    def __init__(self) -> None:
        self.items: dict[str, InventoryItem] = {}
        self.levels: dict[tuple[str, str], StockLevel] = {}
        self.kits: dict[str, Kit] = {}
        self.issues: list[ValidationIssue] = []

    def add_item(self, item: InventoryItem, ctx: FileContext) -> bool:
        first = self.items.get(item.sku)
        if first is None:
            self.items[item.sku] = item
            return True
        shared_component = "kit_component" in first.flags and "kit_component" in item.flags
        if not shared_component:
            ctx.issue(
                "duplicate_sku",
                f"SKU already defined by {first.source.file} record {first.source.record}",
                "record skipped; the first definition is kept",
                record=item.source.record,
                sku=item.sku,
            )
        return False

    def add_level(self, level: StockLevel) -> None:
        self.levels.setdefault((level.sku, level.location), level)

    def add_kit(self, kit: Kit, components: tuple[InventoryItem, ...], levels: tuple[StockLevel, ...], ctx: FileContext) -> None:
        if kit.sku in self.kits or kit.sku in self.items:
            first = self.kits.get(kit.sku) or self.items[kit.sku]
            ctx.issue(
                "duplicate_sku",
                f"SKU already defined by {first.source.file} record {first.source.record}",
                "kit skipped; the first definition is kept",
                record=kit.source.record,
                sku=kit.sku,
            )
            return
        for item in components:
            taken = self.items.get(item.sku)
            if taken is not None and "kit_component" not in taken.flags:
                ctx.issue(
                    "duplicate_sku",
                    f"component SKU already defined by {taken.source.file} record {taken.source.record}",
                    "kit skipped",
                    record=kit.source.record,
                    sku=item.sku,
                )
                return
        for item in components:
            self.add_item(item, ctx)
        self.kits[kit.sku] = kit
        for level in levels:
            self.add_level(level)

    def catalog(self, files: list[FeedFile]) -> Catalog:
        return Catalog(
            items=tuple(self.items[sku] for sku in sorted(self.items)),
            levels=tuple(self.levels[key] for key in sorted(self.levels)),
            kits=tuple(self.kits[sku] for sku in sorted(self.kits)),
            files=tuple(files),
            issues=tuple(self.issues),
        )
