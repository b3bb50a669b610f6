"""The plan's types: one small model per kind × action, and the Plan that holds them.

A plan is self-contained: `apply FILE` executes exactly its changes, so every change carries
what apply needs (ids known at plan time, quantities, bodies) as typed fields. Its JSON is
documented in docs/plan-format.md.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, ValidationError

from medusa_sync.errors import ConfigError
from medusa_sync.models import Frozen, frozen

FORMAT_VERSION = 3

Kind = Literal["location", "item", "level", "kit"]
Action = Literal["create", "update", "drift", "missing", "conflict"]
KINDS: tuple[Kind, ...] = ("location", "item", "level", "kit")
ACTIONS: tuple[Action, ...] = ("create", "update", "drift", "missing", "conflict")
WRITES: tuple[Action, ...] = ("create", "update")


class PlanOptions(BaseModel):
    missing: Literal["keep", "zero"] = "keep"
    """What happens to managed items a feed no longer lists: keep them, or set their stock to 0."""
    allow_below_reserved: bool = False
    """Let stocked_quantity fall below reserved_quantity instead of clamping it."""
    force: bool = False
    """Apply even when the shrink guard refuses."""
    on_drift: Literal["feed", "keep"] = "feed"
    """A level both the feed and someone else changed since the last sync: write the feed's value,
    or keep the store's."""


@frozen(extra="ignore")  # a saved plan's unknown keys are ignored, as ever
class FieldChange(Frozen):
    """One field before → after; `after` None with `removed` means the key is deleted."""

    field: str
    before: Any = None
    after: Any = None
    removed: bool = False


@frozen
class _Change(Frozen):

    note: str | None = None
    fields: list[FieldChange] = Field(default_factory=list)
    """What changes, before → after (updates; creates list the quantities they set)."""


# -- locations ---------------------------------------------------------------------------------


@frozen
class LocationCreate(_Change):
    kind: Literal["location"] = "location"
    action: Literal["create"] = "create"
    name: str
    metadata: dict[str, Any]
    sales_channels: list[str] = Field(default_factory=list)
    """Ids of the sales channels it joins (so a storefront sells its stock)."""

    @property
    def key(self) -> str:
        return self.name


@frozen
class LocationUpdate(_Change):
    """A location of medusa-sync's that is missing some of its sales channels: they are added
    (the channels it is in stay)."""

    kind: Literal["location"] = "location"
    action: Literal["update"] = "update"
    name: str
    location_id: str
    add_sales_channels: list[str]

    @property
    def key(self) -> str:
        return self.name


# -- inventory items ---------------------------------------------------------------------------


@frozen
class ItemFields(Frozen):
    """An inventory item as Medusa should hold it (POST /admin/inventory-items without levels)."""

    sku: str
    title: str
    description: str | None = None
    thumbnail: str | None = None
    origin_country: str | None = None
    material: str | None = None
    requires_shipping: bool = True
    unit_of_measure: str | None = None
    metadata: dict[str, Any]


@frozen
class _ItemChange(_Change):
    kind: Literal["item"] = "item"
    sku: str

    @property
    def key(self) -> str:
        return self.sku


@frozen
class ItemCreate(_ItemChange):
    """Created with its levels (the `level` creates with `with_item`) in one request."""

    action: Literal["create"] = "create"
    item: ItemFields


@frozen
class ItemUpdate(_ItemChange):
    action: Literal["update"] = "update"
    item_id: str
    set: dict[str, Any] = Field(default_factory=dict)
    """Item fields to write (by Medusa name), e.g. {"title": "…"}."""
    metadata: dict[str, Any] | None = None
    """The whole metadata to write (None: unchanged); a key to delete is sent as ""."""


@frozen
class ItemMissing(_ItemChange):
    action: Literal["missing"] = "missing"
    item_id: str


@frozen
class ItemConflict(_ItemChange):
    action: Literal["conflict"] = "conflict"
    item_id: str


# -- stock levels ------------------------------------------------------------------------------


@frozen
class LevelBase(Frozen):
    """What medusa-sync last wrote to a level from the feed: the base of the three-way merge
    (docs/operations.md). Kept in the item's metadata, `sync_base:<location id>` →
    [stocked, incoming] (Medusa 2.21 does not store level metadata)."""

    stocked: int
    incoming: int


BASE_PREFIX = "sync_base:"


def base_key(location_id: str) -> str:
    return f"{BASE_PREFIX}{location_id}"


def base_value(stocked: int, incoming: int) -> list[int]:
    """A level's base as it is kept under `base_key` (read back by `planners.stored_base`)."""
    return [stocked, incoming]


@frozen
class _LevelChange(_Change):
    kind: Literal["level"] = "level"
    sku: str
    location: str
    """The stock location's name."""
    location_id: str | None = None
    """None when the location is created by the same apply."""
    stocked: int
    incoming: int
    base: LevelBase | None = None
    """The base apply records in the item's metadata once this level is written (None: none)."""

    @property
    def key(self) -> str:
        return f"{self.sku} @ {self.location}"


@frozen
class LevelCreate(_LevelChange):
    action: Literal["create"] = "create"
    item_id: str | None = None
    """None when the item is created by the same apply."""
    with_item: bool = False
    """Sent inside the item's create request (the item is new)."""


@frozen
class LevelUpdate(_LevelChange):
    action: Literal["update"] = "update"
    item_id: str


@frozen
class LevelDrift(_LevelChange):
    """A level someone else changed since medusa-sync last wrote it, that the sync leaves as it
    is: `stocked`/`incoming` are the store's values (kept), `feed` what the feed says. Not a
    level write; with `base` set (--on-drift keep over a changed feed) apply records that base."""

    action: Literal["drift"] = "drift"
    item_id: str
    feed: LevelBase
    changed_by: str | None = None
    """Who changed the level and when, from the audit log (None: not in the log)."""


# -- kits --------------------------------------------------------------------------------------


@frozen(extra="ignore")
class Component(Frozen):
    sku: str
    required_quantity: int = Field(gt=0)


@frozen(extra="ignore")
class Price(Frozen):
    currency_code: str
    amount: Decimal


class LinkEdits(BaseModel):
    """Edits of a kit variant's inventory links: by component SKU, deletes by item id."""

    create: list[Component] = Field(default_factory=list)
    update: list[Component] = Field(default_factory=list)
    delete: list[str] = Field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.create or self.update or self.delete)


@frozen
class _KitChange(_Change):
    kind: Literal["kit"] = "kit"
    sku: str

    @property
    def key(self) -> str:
        return self.sku


@frozen
class KitCreate(_KitChange):
    """A product with one variant (SKU = the kit SKU) linked to its components."""

    action: Literal["create"] = "create"
    title: str
    handle: str
    status: str
    thumbnail: str | None = None
    metadata: dict[str, Any]
    price: Price | None = None
    components: list[Component]
    sales_channels: list[str] = Field(default_factory=list)
    """Ids of the sales channels it is sold in."""
    shipping_profile_id: str | None = None


@frozen
class KitUpdate(_KitChange):
    action: Literal["update"] = "update"
    product_id: str
    variant_id: str
    title: str | None = None
    """The new product title (None: unchanged)."""
    metadata: dict[str, Any] | None = None
    """The whole product metadata to write (None: unchanged); a key to delete is sent as ""."""
    price: Price | None = None
    """The new variant price (None: unchanged)."""
    links: LinkEdits = Field(default_factory=LinkEdits)
    add_sales_channels: list[str] = Field(default_factory=list)
    """Sales channels it is missing: added (its other channels stay)."""
    shipping_profile_id: str | None = None
    """Set when the kit has no shipping profile (None: unchanged)."""


@frozen
class KitMissing(_KitChange):
    action: Literal["missing"] = "missing"
    product_id: str


@frozen
class KitConflict(_KitChange):
    action: Literal["conflict"] = "conflict"
    product_id: str


def _tag(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('kind')}.{value.get('action')}"
    return f"{value.kind}.{value.action}"


Change = Annotated[
    Annotated[LocationCreate, Tag("location.create")]
    | Annotated[LocationUpdate, Tag("location.update")]
    | Annotated[ItemCreate, Tag("item.create")]
    | Annotated[ItemUpdate, Tag("item.update")]
    | Annotated[ItemMissing, Tag("item.missing")]
    | Annotated[ItemConflict, Tag("item.conflict")]
    | Annotated[LevelCreate, Tag("level.create")]
    | Annotated[LevelUpdate, Tag("level.update")]
    | Annotated[LevelDrift, Tag("level.drift")]
    | Annotated[KitCreate, Tag("kit.create")]
    | Annotated[KitUpdate, Tag("kit.update")]
    | Annotated[KitMissing, Tag("kit.missing")]
    | Annotated[KitConflict, Tag("kit.conflict")],
    Discriminator(_tag),
]


class Plan(BaseModel):
    format_version: Literal[3] = FORMAT_VERSION
    store: str | None
    fingerprint: str
    options: PlanOptions
    feed_digests: dict[str, str]
    changes: list[Change]
    unchanged: dict[str, int] = Field(default_factory=dict)
    refusals: list[str] = []
    """Why the shrink guard refuses to apply this plan (empty: it may be applied)."""
    warnings: list[str] = []

    @property
    def has_changes(self) -> bool:
        return any(
            change.action in WRITES or (change.action == "drift" and change.base is not None)
            for change in self.changes
        )

    def counts(self) -> dict[str, dict[str, int]]:
        tally = Counter((change.kind, change.action) for change in self.changes)
        return {
            kind: {
                "create": tally[(kind, "create")],
                "update": tally[(kind, "update")],
                "unchanged": self.unchanged.get(kind, 0),
                "missing": tally[(kind, "missing")],
                "conflict": tally[(kind, "conflict")],
            }
            for kind in KINDS
        }

    def writes(self, kind: Kind, action: Action) -> list[Any]:
        return [change for change in self.changes if change.kind == kind and change.action == action]

    @classmethod
    def from_saved(cls, data: Any, source: str) -> Plan:
        """A plan saved by `--plan-out`; ConfigError for another format version or a non-plan."""
        version = data.get("format_version") if isinstance(data, dict) else None
        if version is None:
            raise ConfigError(f"{source} is not a medusa-sync plan (no format_version)")
        if version != FORMAT_VERSION:
            raise ConfigError(
                f"{source} is a plan of format_version {version}; this medusa-sync reads format_version "
                f"{FORMAT_VERSION} only",
                hint="make a new plan with this version: medusa-sync plan --plan-out FILE",
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source} is not a medusa-sync plan: {str(exc).splitlines()[0]}") from None
