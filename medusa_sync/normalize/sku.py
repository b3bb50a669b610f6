"""The SKU rule. SKUs are stable, deterministic and unique; Medusa keys everything on them.

    item       {distributor}_{category}_{code}
    kit        fotus_{type}_{code}               fotus_kits_KP04, fotus_kits-hibridos_KP04
    component  fotus_{category}_{model code}     fotus_inverters_SUN-M225G4-EU-Q0-I
               fotus_{category}_{BRAND}-{W}W     fotus_panels_ASTRONERGY-600W (no code in the text)

`code` is the distributor's own product code: the record id without any leading
"{distributor}_{word}_" prefix. Odex prefixes every id with "odex_inverters_" whatever the
product is; the SKU takes its category from the record instead, so
"odex_inverters_ODEX-PAINEL-JINKO-610W" (a panel) becomes "odex_panels_ODEX-PAINEL-JINKO-610W",
and stays so if Odex ever fixes its prefix. A Fotus kit id "FOTUS-KP04-kits" loses its
"FOTUS-" prefix and "-{type}" suffix.
"""

from __future__ import annotations

import functools
import re

from medusa_sync.models import Category
from medusa_sync.normalize.text import slug


@functools.cache
def _id_prefix(distributor: str) -> re.Pattern[str]:
    """"{distributor}_{word}_" at the start of an id (compiled once: it runs on every record)."""
    return re.compile(rf"{re.escape(distributor)}_([a-z]+)_", re.IGNORECASE)


def own_code(distributor: str, record_id: str) -> str:
    record_id = record_id.strip()
    match = _id_prefix(distributor).match(record_id)
    return record_id[match.end() :] if match else record_id


def id_prefix_category(distributor: str, record_id: str) -> str | None:
    """The category word an id's prefix claims ("inverters" in "odex_inverters_…")."""
    match = _id_prefix(distributor).match(record_id.strip())
    return match.group(1).lower() if match else None


def item_sku(distributor: str, category: Category, record_id: str) -> str:
    return f"{distributor}_{category.value}_{own_code(distributor, record_id)}"


def kit_sku(kit_type: Category, record_id: str) -> str:
    code = re.sub(r"^FOTUS-", "", record_id.strip(), flags=re.IGNORECASE)
    code = re.sub(rf"-{re.escape(kit_type.value)}$", "", code, flags=re.IGNORECASE)
    return f"fotus_{kit_type.value}_{code}"


def component_sku(category: Category, code: str | None, brand: str, power_w: int | None, description: str) -> str:
    if code:
        return f"fotus_{category.value}_{code}"
    if power_w:
        return f"fotus_{category.value}_{slug(brand)}-{power_w}W"
    return f"fotus_{category.value}_{slug(brand)}-{slug(description)[:60].rstrip('-')}"
