"""Normalized inventory: what the distributors' feeds say a store should hold.

Everything downstream (plan, apply, outputs, reports) works on these models, never on raw feed
records. Money is `Decimal` BRL, quantities are `int`.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, Self, TypeVar

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

T = TypeVar("T")


class Category(StrEnum):
    INVERTERS = "inverters"
    PANELS = "panels"
    STRUCTURES = "structures"
    STRINGBOXES = "stringboxes"
    CABLES = "cables"
    BATTERIES = "batteries"
    ACCESSORIES = "accessories"
    KITS = "kits"
    HYBRID_KITS = "kits-hibridos"


class Frozen:
    """Base of the immutable value types (`@frozen` classes): the catalog, and the plan's changes.

    A catalog and its plan hold several of these per item, hundreds of thousands at once, so
    they are slotted pydantic dataclasses rather than `BaseModel`s: validated the same way
    (types, `Field(ge=0)`, unknown keywords refused), but without a `__dict__` and a fields-set
    per instance (an `InventoryItem` is 160 bytes instead of 544, a `SourceRef` 56 instead of
    264). `model_dump` and `model_copy` work as on a model; `model_copy` validates its update."""

    __slots__ = ()

    def model_dump(self, *, mode: Literal["python", "json"] = "python", **options: Any) -> dict[str, Any]:
        return self.__pydantic_serializer__.to_python(self, mode=mode, **options)  # type: ignore[attr-defined]

    def model_copy(self, *, update: dict[str, Any]) -> Self:
        return dataclasses.replace(self, **update)


def frozen(cls: type[T] | None = None, /, *, extra: Literal["forbid", "ignore"] = "forbid") -> Any:
    """Make `cls` (a `Frozen`) a frozen, slotted, keyword-only pydantic dataclass; `extra`:
    what validation does with unknown keys (a saved plan's are ignored)."""

    def make(cls: type[T]) -> type[T]:
        return pydantic_dataclass(cls, frozen=True, slots=True, kw_only=True, config=ConfigDict(extra=extra))

    return make if cls is None else make(cls)


@frozen
class SourceRef(Frozen):
    """Where a normalized record came from: kept in Medusa metadata and in every report."""

    file: str  # relative to the feed root, POSIX separators
    record: int  # index in the file's JSON array
    original_id: str | None = None


@frozen
class UnitOfMeasure(Frozen):
    """How one stocked unit is sold: a piece, a metre of cable, or a roll of a given length."""

    kind: Literal["unit", "metre", "roll"] = "unit"
    length_m: Decimal | None = None

    @property
    def label(self) -> str:
        if self.kind == "metre":
            return "m"
        if self.kind == "roll":
            return f"roll {self.length_m.normalize():f} m" if self.length_m else "roll"
        return "unit"


@frozen
class InventoryItem(Frozen):
    """One stocked unit, as Medusa should hold it."""

    sku: str
    title: str
    description: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    category: Category
    distributor: str  # its name in the registry (medusa_sync.feeds.registry)
    price: Decimal | None = None  # BRL
    unit: UnitOfMeasure = UnitOfMeasure()
    power_w: int | None = None
    thumbnail: str | None = None
    requires_shipping: bool = True
    origin_country: str = "BR"
    material: str = "photovoltaic equipment"
    source: SourceRef
    flags: tuple[str, ...] = ()  # e.g. "recovered_shifted_columns", "price_suspect"


@frozen
class StockLevel(Frozen):
    """Desired quantities of one SKU at one stock location (by location name)."""

    sku: str
    location: str
    stocked: int = Field(ge=0)
    incoming: int = Field(default=0, ge=0)


@frozen
class KitComponent(Frozen):
    sku: str
    quantity: int = Field(gt=0)


@frozen
class Kit(Frozen):
    """A bundle sold as one product variant whose stock is its components' stock."""

    sku: str
    title: str
    distributor: str  # its name in the registry (medusa_sync.feeds.registry)
    category: Category
    power_kwp: Decimal | None = None
    price: Decimal | None = None  # BRL
    roof_type: str | None = None
    location: str  # the normalized distribution centre's stock-location name
    components: tuple[KitComponent, ...]
    thumbnail: str | None = None
    source: SourceRef


Severity = Literal["error", "warning"]


@frozen
class ValidationIssue(Frozen):
    """One problem found in the feeds, and what medusa-sync did about it."""

    file: str
    record: int | None = None
    sku: str | None = None
    severity: Severity = "error"
    code: str
    reason: str
    action: str


@frozen
class FeedFile(Frozen):
    """What one feed file yielded: the shrink guard compares these with the store."""

    path: str
    distributor: str  # its name in the registry (medusa_sync.feeds.registry)
    records: int  # records found in the file (0 when unreadable)
    complete: bool  # False when empty, unreadable or truncated: the shrink guard refuses then
    digest: str  # sha256 of the file's bytes


@frozen
class Catalog(Frozen):
    """The desired inventory from one feed root, sorted by SKU so outputs are deterministic."""

    items: tuple[InventoryItem, ...]
    levels: tuple[StockLevel, ...]
    kits: tuple[Kit, ...]
    files: tuple[FeedFile, ...]
    issues: tuple[ValidationIssue, ...]

    @property
    def locations(self) -> tuple[str, ...]:
        return tuple(sorted({level.location for level in self.levels} | {k.location for k in self.kits}))
