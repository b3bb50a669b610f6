"""Plan: desired catalog against a store snapshot; and the shrink guard."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import httpx
import orjson
import pytest

from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.models import Catalog, FeedFile
from medusa_sync.client import MedusaClient
from medusa_sync.plan import PlanOptions, make_plan
from medusa_sync.store import ActualItem, ActualKit, ActualLevel, StoreSnapshot, read_store

SAMPLES = Path(__file__).resolve().parents[2] / "distributors"
RULES = Rules()
FIXTURE = Path(__file__).parent / "fixtures" / "synced_store.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(SAMPLES, RULES)


def synced_snapshot(catalog: Catalog, *extra_products: dict, kits_named: bool = True) -> StoreSnapshot:
    """The store as a complete import of the samples leaves it: the list answers a real Medusa
    2.21.2 gave after `medusa-sync import distributors` (tests/unit/fixtures/record_store.py),
    read through the real reader, told the catalog's kit SKUs unless not `kits_named`;
    `extra_products` are added to the products answer."""
    exchanges = orjson.loads(FIXTURE.read_bytes())["exchanges"]
    for exchange in exchanges:
        if exchange["path"] == "/admin/products" and extra_products:
            exchange["response"]["products"] += extra_products
            exchange["response"]["count"] += len(extra_products)

    def medusa(request: httpx.Request) -> httpx.Response:
        offset = request.url.params.get("offset", "0")
        for exchange in exchanges:
            if exchange["path"] == request.url.path and exchange["query"].get("offset", "0") == offset:
                return httpx.Response(200, json=exchange["response"])
        return httpx.Response(404, json={"type": "not_found", "message": f"not recorded: {request.url}"})

    with MedusaClient("http://medusa.test", api_key="sk_test", transport=httpx.MockTransport(medusa)) as client:
        return read_store(client, {kit.sku for kit in catalog.kits} if kits_named else None)


def test_a_store_read_before_the_kits_are_known_keeps_the_same_kits_once_narrowed(catalog: Catalog) -> None:
    """The sync reads the store while the feeds are parsed (`read_store(client, None)`), then
    narrows it with `keep_kits`: the same kits as a read told the kit SKUs, not someone else's."""
    theirs = {
        "id": "prod_theirs", "title": "A product of the store's own", "status": "published", "metadata": None,
        "variants": [{"id": "variant_theirs", "sku": "THEIR-SKU", "prices": [], "inventory_items": []}],
    }
    told = synced_snapshot(catalog, theirs)
    early = synced_snapshot(catalog, theirs, kits_named=False)
    assert sorted(early.kits) == sorted([*told.kits, "THEIR-SKU"])
    assert len(told.kits) == 4
    early.keep_kits({kit.sku for kit in catalog.kits})
    assert early.kits == told.kits
    assert early.fingerprint() == told.fingerprint()


def replace_item(snapshot: StoreSnapshot, sku: str, **changes) -> None:
    item = snapshot.items[sku]
    snapshot.items[sku] = dataclasses.replace(item, **changes)


def test_empty_store_plans_every_create(catalog: Catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    counts = plan.counts()
    assert counts["location"]["create"] == 4
    assert counts["item"]["create"] == 243
    assert counts["level"]["create"] == 245
    assert counts["kit"]["create"] == 4
    assert plan.has_changes
    assert plan.refusals == []
    item = next(c for c in plan.changes if c.kind == "item" and c.key == "odex_inverters_ODEX-INV-SOLIS-3000W")
    levels = [c for c in plan.writes("level", "create") if c.sku == "odex_inverters_ODEX-INV-SOLIS-3000W"]
    assert [(c.location, c.stocked, c.incoming, c.with_item) for c in levels] == [("Odex CD", 100, 0, True)]
    assert item.item.metadata["managed_by"] == "medusa-sync"
    assert item.item.metadata["source_id"] == "odex_inverters_ODEX-INV-SOLIS-3000W"


def test_kit_create_body_links_components_by_sku(catalog: Catalog) -> None:
    plan = make_plan(catalog, StoreSnapshot(), RULES, PlanOptions())
    kit = next(c for c in plan.writes("kit", "create") if c.key == "fotus_kits_KP05")
    assert kit.status == "draft"
    assert kit.sku == "fotus_kits_KP05"
    assert sorted((link.sku, link.required_quantity) for link in kit.components) == [
        ("fotus_inverters_SUN-M200G4-EU-Q0-I", 1),
        ("fotus_panels_ASTRONERGY-615W", 4),
    ]
    assert kit.price.currency_code == "brl"


def test_synced_store_plans_nothing(catalog: Catalog) -> None:
    plan = make_plan(catalog, synced_snapshot(catalog), RULES, PlanOptions())
    assert plan.changes == []
    assert not plan.has_changes
    assert plan.unchanged == {"location": 4, "item": 243, "level": 245, "kit": 4}


def test_changed_title_and_stock_are_updates_with_before_and_after(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    sku = "odex_inverters_ODEX-INV-SOLIS-3000W"
    replace_item(snapshot, sku, fields={**snapshot.items[sku].fields, "title": "old title"})
    location_id = snapshot.locations["Odex CD"].id
    level = snapshot.items[sku].levels[location_id]
    snapshot.items[sku].levels[location_id] = ActualLevel(level.id, location_id, 7, 0, 0)

    plan = make_plan(catalog, snapshot, RULES, PlanOptions())

    [item_change] = plan.writes("item", "update")
    assert item_change.key == sku
    assert [(f.field, f.before, f.after) for f in item_change.fields] == [
        ("title", "old title", catalog_item(catalog, sku).title)
    ]
    assert item_change.set == {"title": catalog_item(catalog, sku).title}
    assert item_change.metadata is None
    [level_change] = plan.writes("level", "update")
    assert level_change.key == f"{sku} @ Odex CD"
    assert [(f.field, f.before, f.after) for f in level_change.fields] == [("stocked_quantity", 7, 100)]
    assert (level_change.item_id, level_change.location_id) == (snapshot.items[sku].id, location_id)


def catalog_item(catalog: Catalog, sku: str):
    return next(item for item in catalog.items if item.sku == sku)


def test_stock_is_clamped_at_reserved_unless_allowed(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    sku = "odex_inverters_ODEX-INV-HUAWEI-50000W"  # "indisponivel": the feed wants 0
    location_id = snapshot.locations["Odex CD"].id
    snapshot.items[sku].levels[location_id] = ActualLevel("ilev_x", location_id, 10, 4, 0)

    clamped = make_plan(catalog, snapshot, RULES, PlanOptions())
    [change] = clamped.writes("level", "update")
    assert change.stocked == 4
    assert change.note == "clamped to reserved 4 (feed says 0)"
    assert clamped.warnings == [f"{sku} @ Odex CD: clamped to reserved 4 (feed says 0)"]

    allowed = make_plan(catalog, snapshot, RULES, PlanOptions(allow_below_reserved=True))
    [change] = allowed.writes("level", "update")
    assert change.stocked == 0


def test_item_not_owned_is_a_conflict_and_left_alone(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    sku = "solfacil_cables_1"
    replace_item(snapshot, sku, metadata={"made_by": "someone else"}, fields={**snapshot.items[sku].fields, "title": "theirs"})
    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    assert [(c.kind, c.action, c.key) for c in plan.changes] == [("item", "conflict", sku)]


def test_missing_items_are_kept_or_zeroed(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    gone = "odex_panels_ODEX-PAINEL-JINKO-575W"
    smaller = Catalog(
        items=tuple(i for i in catalog.items if i.sku != gone),
        levels=tuple(level for level in catalog.levels if level.sku != gone),
        kits=catalog.kits,
        files=catalog.files,
        issues=catalog.issues,
    )
    keep = make_plan(smaller, snapshot, RULES, PlanOptions())
    assert [(c.kind, c.action, c.key) for c in keep.changes] == [("item", "missing", gone)]
    assert not keep.has_changes

    zero = make_plan(smaller, snapshot, RULES, PlanOptions(missing="zero"))
    assert [(c.kind, c.action, c.key) for c in zero.changes] == [
        ("item", "missing", gone),
        ("level", "update", f"{gone} @ Odex CD"),
    ]
    assert (zero.changes[1].stocked, zero.changes[1].incoming) == (0, 0)


def test_kit_link_and_price_changes(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    kit = snapshot.kits["fotus_kits_KP05"]
    panel_id = snapshot.items["fotus_panels_ASTRONERGY-615W"].id
    jinko_id = snapshot.items["odex_panels_ODEX-PAINEL-JINKO-575W"].id
    snapshot.kits["fotus_kits_KP05"] = ActualKit(
        **{
            **kit.__dict__,
            "prices": {"brl": Decimal("1.00")},
            "links": {panel_id: 2, jinko_id: 1},
        }
    )
    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    [change] = plan.writes("kit", "update")
    assert change.links.model_dump() == {
        "create": [{"sku": "fotus_inverters_SUN-M200G4-EU-Q0-I", "required_quantity": 1}],
        "update": [{"sku": "fotus_panels_ASTRONERGY-615W", "required_quantity": 4}],
        "delete": [jinko_id],
    }
    kit_price = next(k.price for k in catalog.kits if k.sku == "fotus_kits_KP05")
    assert change.price.model_dump(mode="json") == {"currency_code": "brl", "amount": f"{kit_price:.2f}"}


def _reserve_one(snapshot: StoreSnapshot) -> None:
    item = snapshot.items["solfacil_cables_1"]
    level = next(iter(item.levels.values()))
    reserved = ActualLevel(level.id, level.location_id, level.stocked, 1, level.incoming)
    replace_item(snapshot, item.sku, levels={**item.levels, level.location_id: reserved})


@pytest.mark.parametrize(
    "change",
    [
        _reserve_one,
        lambda snapshot: replace_item(snapshot, "solfacil_cables_1", fields={**snapshot.items["solfacil_cables_1"].fields, "title": "x"}),
        lambda snapshot: replace_item(snapshot, "solfacil_cables_1", metadata={"managed_by": "someone else"}),
        lambda snapshot: snapshot.items.pop("solfacil_cables_1"),
        lambda snapshot: snapshot.kits.pop("fotus_kits_KP06"),
        lambda snapshot: snapshot.locations.pop(next(iter(snapshot.locations))),
    ],
    ids=["a level's reserved", "an item's title", "an item's metadata", "an item gone", "a kit gone", "a location gone"],
)
def test_fingerprint_moves_with_the_store(catalog: Catalog, change) -> None:
    snapshot = synced_snapshot(catalog)
    before = snapshot.fingerprint()
    assert synced_snapshot(catalog).fingerprint() == before
    change(snapshot)
    assert snapshot.fingerprint() != before


def test_an_items_digest_is_taken_when_it_is_built(catalog: Catalog) -> None:
    """The fingerprint reads each item's digest: equal items, equal digests; any field, another."""
    item = synced_snapshot(catalog).items["solfacil_cables_1"]
    assert dataclasses.replace(item).digest == item.digest
    assert dataclasses.replace(item, id="iitem_other").digest != item.digest
    assert dataclasses.replace(item, sku="other").digest != item.digest


def test_bookkeeping_metadata_alone_is_no_change(catalog: Catalog) -> None:
    """A record that moved in its file (source_record, feed_digest) is not an update."""
    snapshot = synced_snapshot(catalog)
    sku = "odex_inverters_ODEX-INV-SOLIS-3000W"
    item = snapshot.items[sku]
    replace_item(snapshot, sku, metadata={**item.metadata, "source_record": 99, "feed_digest": "0" * 16})
    kit = snapshot.kits["fotus_kits_KP06"]
    snapshot.kits["fotus_kits_KP06"] = ActualKit(**{**kit.__dict__, "metadata": {**kit.metadata, "source_record": 7}})

    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    assert plan.changes == []
    assert plan.unchanged == {"location": 4, "item": 243, "level": 245, "kit": 4}


def test_bookkeeping_metadata_is_written_along_with_a_real_change(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    sku = "odex_inverters_ODEX-INV-SOLIS-3000W"
    item = snapshot.items[sku]
    stored = {**item.metadata, "source_record": 99, "made_by_hand": "keep me"}
    replace_item(snapshot, sku, metadata=stored, fields={**item.fields, "title": "old title"})

    [change] = make_plan(catalog, snapshot, RULES, PlanOptions()).changes
    assert [(f.field, f.before) for f in change.fields] == [("title", "old title")]
    assert change.metadata == {**item.metadata, "made_by_hand": "keep me"}  # source_record back to the feed's
    assert change.metadata["source_record"] == item.metadata["source_record"] != 99


def test_a_plan_computes_the_digests_of_the_items_it_writes_only(catalog: Catalog, digested: list[str]) -> None:
    """A feed digest is bookkeeping: an item with another digest and no real change is not
    written, so its digest is not computed; an item with a real change is written with its own."""
    snapshot = synced_snapshot(catalog)
    edited, stale = "odex_inverters_ODEX-INV-SOLIS-3000W", catalog.items[0].sku
    item = snapshot.items[edited]
    replace_item(snapshot, edited, metadata={**item.metadata, "feed_digest": "0" * 16}, fields={**item.fields, "title": "old title"})
    replace_item(snapshot, stale, metadata={**snapshot.items[stale].metadata, "feed_digest": "1" * 16})
    plan = make_plan(catalog, snapshot, RULES, PlanOptions())
    assert digested == [edited]
    [change] = plan.changes
    assert (change.sku, change.set) == (edited, {"title": catalog_item(catalog, edited).title})
    assert change.metadata == item.metadata  # the digest the import wrote: the record's
    assert plan.unchanged["item"] == 242


def test_a_kit_key_the_feed_drops_is_removed(catalog: Catalog) -> None:
    """The feed sets KP05's roof_type to None: the plan removes "Cerâmico" (Medusa deletes a
    metadata key sent as ""), and shows it as a real change, not as feed_digest."""
    kp05 = next(kit for kit in catalog.kits if kit.sku == "fotus_kits_KP05")
    dropped = catalog.model_copy(
        update={"kits": tuple(kit.model_copy(update={"roof_type": None}) if kit is kp05 else kit for kit in catalog.kits)}
    )
    snapshot = synced_snapshot(catalog)
    actual = snapshot.kits["fotus_kits_KP05"]
    assert actual.metadata["roof_type"] == "Cerâmico"

    [change] = make_plan(dropped, snapshot, RULES, PlanOptions()).changes
    assert (change.kind, change.action, change.sku) == ("kit", "update", "fotus_kits_KP05")
    assert [(f.field, f.before, f.after, f.removed) for f in change.fields] == [
        ("metadata.roof_type", "Cerâmico", None, True)
    ]
    expected = {key: value for key, value in actual.metadata.items() if key != "feed_digest"}
    assert change.metadata == {**expected, "roof_type": "", "feed_digest": change.metadata["feed_digest"]}
    assert change.metadata["feed_digest"] != actual.metadata["feed_digest"]
    assert (change.title, change.price, bool(change.links)) == (None, None, False)


def test_an_item_key_the_feed_drops_is_removed(catalog: Catalog) -> None:
    sku = "odex_inverters_ODEX-INV-SOLIS-3000W"
    snapshot = synced_snapshot(catalog)
    assert snapshot.items[sku].metadata["power_w"] == 3000
    dropped = catalog.model_copy(
        update={"items": tuple(i.model_copy(update={"power_w": None}) if i.sku == sku else i for i in catalog.items)}
    )
    [change] = make_plan(dropped, snapshot, RULES, PlanOptions()).changes
    assert [(f.field, f.before, f.removed) for f in change.fields] == [("metadata.power_w", 3000, True)]
    assert change.metadata["power_w"] == ""
    assert change.set == {}


# -- the shrink guard ------------------------------------------------------------------------


def without(catalog: Catalog, drop: set[str], files: tuple[FeedFile, ...] | None = None) -> Catalog:
    return Catalog(
        items=tuple(i for i in catalog.items if i.sku not in drop),
        levels=tuple(level for level in catalog.levels if level.sku not in drop),
        kits=catalog.kits,
        files=files if files is not None else catalog.files,
        issues=catalog.issues,
    )


def test_guard_refuses_a_feed_file_that_lost_half_its_items(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    structures = [i.sku for i in catalog.items if i.source.file == "odex/odex-structures.json"]
    assert len(structures) == 26
    plan = make_plan(without(catalog, set(structures[:13])), snapshot, RULES, PlanOptions())
    # 13 of Odex's 93 items is 14%: under the distributor threshold, over the file's.
    assert plan.refusals == [
        "feed file odex/odex-structures.json: 13 of its 26 items in the store are missing from the feed (50% > 20% and more than 5)"
    ]


def test_guard_allows_small_losses(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    structures = [i.sku for i in catalog.items if i.source.file == "odex/odex-structures.json"]
    plan = make_plan(without(catalog, set(structures[:5])), snapshot, RULES, PlanOptions())
    assert plan.refusals == []


def test_guard_refuses_truncated_and_empty_feeds(catalog: Catalog) -> None:
    snapshot = synced_snapshot(catalog)
    cables = {i.sku for i in catalog.items if i.source.file == "solfacil/solfacil-cables.json"}
    files = tuple(
        f.model_copy(update={"complete": False, "records": 3}) if f.path == "solfacil/solfacil-cables.json" else f
        for f in catalog.files
    )
    kept = set(sorted(cables)[:3])
    plan = make_plan(without(catalog, cables - kept, files), snapshot, RULES, PlanOptions())
    assert plan.refusals[0] == (
        "feed file solfacil/solfacil-cables.json is empty, unreadable or truncated "
        "(3 records read; the store holds 36 items from it)"
    )

    no_fotus = tuple(f for f in catalog.files if f.distributor != "fotus")
    fotus_items = {i.sku for i in catalog.items if i.distributor == "fotus"}
    plan = make_plan(without(catalog, fotus_items, no_fotus), snapshot, RULES, PlanOptions())
    assert "distributor fotus: the feed has no records; the store holds 8 items from it" in plan.refusals


def test_guard_ignores_an_empty_store(catalog: Catalog) -> None:
    files = tuple(f.model_copy(update={"complete": False}) for f in catalog.files)
    plan = make_plan(without(catalog, set(), files), StoreSnapshot(), RULES, PlanOptions())
    assert plan.refusals == []
