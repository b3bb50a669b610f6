"""The catalog's and the plan's value types: validated like pydantic models, immutable, slotted
(no per-instance `__dict__`: a 600k-item catalog and its plan hold millions of them), and the
feed digest of an item or kit is pinned (a stored digest that moved would make every managed
item and kit a metadata update on the next sync)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from medusa_sync.models import Category, InventoryItem, Kit, KitComponent, SourceRef, StockLevel, UnitOfMeasure
from medusa_sync.plan import ItemCreate, LevelCreate, item_digest, item_fields, item_metadata, kit_metadata

ITEM = InventoryItem(
    sku="SOLFACIL-CABO-6MM-VM",
    title="Cabo Solar 6mm Vermelho C/ 50 MT",
    description="Cabo flexível, 1,8 kV",
    manufacturer="Nexans",
    model="ENERGYFLEX 6",
    category=Category.CABLES,
    distributor="solfacil",
    price=Decimal("412.30"),
    unit=UnitOfMeasure(kind="roll", length_m=Decimal("50")),
    thumbnail="https://example.invalid/cabo.jpg",
    source=SourceRef(file="solfacil/solfacil-cables.json", record=7, original_id="1234"),
    flags=("price_suspect",),
)
KIT = Kit(
    sku="FOTUS-KP05",
    title="Kit 5,5 kWp Telha Cerâmica",
    distributor="fotus",
    category=Category.KITS,
    power_kwp=Decimal("5.50"),
    price=Decimal("12345.6"),
    roof_type="Cerâmico",
    location="Fotus Espírito Santo",
    components=(KitComponent(sku="FOTUS-INV-1", quantity=1), KitComponent(sku="FOTUS-PNL-2", quantity=10)),
    source=SourceRef(file="fotus/fotus-kits.json", record=4, original_id="KP05"),
)


def test_feed_digests_are_pinned() -> None:
    """Taken from the pydantic-`BaseModel` catalog (85ca857): the dump the digest hashes is unchanged."""
    assert item_metadata(ITEM, item_digest(ITEM))["feed_digest"] == "0ae880bf0f120ade"
    assert kit_metadata(KIT)["feed_digest"] == "26ed5aaa7a9841c4"


def test_an_item_dumps_every_field_in_order() -> None:
    assert ITEM.model_dump(mode="json") == {
        "sku": "SOLFACIL-CABO-6MM-VM",
        "title": "Cabo Solar 6mm Vermelho C/ 50 MT",
        "description": "Cabo flexível, 1,8 kV",
        "manufacturer": "Nexans",
        "model": "ENERGYFLEX 6",
        "category": "cables",
        "distributor": "solfacil",
        "price": "412.30",
        "unit": {"kind": "roll", "length_m": "50"},
        "power_w": None,
        "thumbnail": "https://example.invalid/cabo.jpg",
        "requires_shipping": True,
        "origin_country": "BR",
        "material": "photovoltaic equipment",
        "source": {"file": "solfacil/solfacil-cables.json", "record": 7, "original_id": "1234"},
        "flags": ["price_suspect"],
    }
    assert list(ITEM.model_dump()) == [field.name for field in dataclasses.fields(InventoryItem)]


@pytest.mark.parametrize(
    "instance",
    [ITEM, ITEM.source, KIT, StockLevel(sku="A", location="L", stocked=1), ItemCreate(sku="A", item=item_fields(ITEM, item_digest(ITEM)))],
    ids=["item", "source", "kit", "level", "item-create"],
)
def test_instances_are_slotted_and_frozen(instance: Any) -> None:
    assert not hasattr(instance, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(instance, dataclasses.fields(instance)[0].name, "OTHER")


def test_validation_refuses_what_the_models_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        StockLevel(sku="A", location="L", stocked=-1)
    with pytest.raises(ValidationError, match="greater than 0"):
        KitComponent(sku="A", quantity=0)
    with pytest.raises(ValidationError, match="Unexpected keyword argument"):
        StockLevel(sku="A", location="L", stocked=1, reserved=2)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="valid integer"):
        StockLevel(sku="A", location="L", stocked="many")  # type: ignore[arg-type]


def test_a_copy_with_an_update_is_validated_and_leaves_the_original_alone() -> None:
    level = LevelCreate(sku="A", location="L", stocked=5, incoming=0, with_item=True)
    changed = level.model_copy(update={"stocked": 7})
    assert (changed.stocked, level.stocked) == (7, 5)
    assert changed.model_dump() == {**level.model_dump(), "stocked": 7}
    with pytest.raises(ValidationError):
        ITEM.model_copy(update={"price": "not a price"})
