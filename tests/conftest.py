"""Shared fixtures: feed roots written in tmp_path, and records in the distributors' real shapes.

The record factories copy the shapes of the October 2025 snapshot (`../shared/feeds-2025-10`):
every test starts from a realistic record and changes only what it is about.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from medusa_sync.config import Rules
from medusa_sync.feeds import load_catalog
from medusa_sync.models import Catalog

# Property tests check correctness, not speed: on a loaded 2-core machine the first call into
# babel alone takes over 600 ms, which hypothesis's default 200 ms deadline reports as a failure.
settings.register_profile("medusa-sync", deadline=None)
settings.load_profile("medusa-sync")


@pytest.fixture(autouse=True)
def _own_catalog_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test its own catalog cache (`Settings.cache_dir`): none reads another's entries."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


_ODEX_INVERTER = {
    "id": "odex_inverters_ODEX-INV-SAJ-3000W",
    "name": "Inversor Grid-Tie SAJ R5-3K-T2 BRL 3kW Monofásico 220V 2 MPPT",
    "manufacturer": "SAJ",
    "model": "",
    "category": "inverters",
    "price": "R$ 1.599,00",
    "image": "/catalog/images/ODEX-INVERTERS/276954.jpg",
    "source": "plataforma.odex.com.br",
    "availability": "disponivel",
    "description": "Inversor Grid-Tie SAJ R5-3K-T2 BRL 3kW Monofásico 220V 2 MPPT",
    "processed_images": {"thumb": "catalog\\images_processed\\ODEX\\INVERTERS\\thumb\\sku_276954.webp"},
    "image_quality_before": 100,
    "image_quality_after": 100,
    "pricing": {"price": 1599.0, "currency": "BRL"},
}

_SOLFACIL_INVERTER = {
    "id": "solfacil_inverters_1",
    "name": "INVERSOR GROWATT MIN 5000TL-X 5KW MONOFASICO 220V 2 MPPT",
    "manufacturer": "GROWATT",
    "category": "inverters",
    "price": "R$ 3.184,90",
    "image": "/catalog/images/SOLFACIL-INVERTERS/IMAGE_PRODUCT_559001.jpeg",
    "source": "loja.solfacil.com.br",
    "availability": "Disponível",
    "description": "INVERSOR GROWATT MIN 5000TL-X 5KW MONOFASICO 220V 2 MPPT",
    "pricing": {"price": 3184.9, "currency": "BRL"},
}

# The real defect: 'name' holds an image URL and the manufacturer, 'price' the product name,
# 'description' the model, and there is no 'pricing'.
_SOLFACIL_SHIFTED_PANEL = {
    "id": "solfacil_panels_1",
    "name": "https://cdn-ecommerce.solfacil.com.br/contents/products/559375/images/IMAGE_PRODUCT_559375.jpeg HANERSUN",
    "manufacturer": "HANERSUN",
    "category": "panels",
    "price": "MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H IMP",
    "image": "/catalog/images/SOLFACIL-PANELS/IMAGE_PRODUCT_559375.jpeg",
    "source": "loja.solfacil.com.br",
    "availability": "Disponível",
    "description": "HN18N-72H",
}

_FOTUS_KIT = {
    "id": "FOTUS-KP04-kits",
    "name": "KP04 - SOLAR N PLUS | 570W N-TYPE BIFACIAL DG (22,1% EF.) | FRAME DE FIBRA DE VIDRO - MICROINVERSOR DEYE 2.25KW",
    "type": "kits",
    "potencia_kwp": 1.14,
    "price_brl": 2507.99,
    "estrutura": "Cerâmico",
    "centro_distribuicao": "CD ESPÍRITO SANTO",
    "panels": [
        {
            "brand": "SOLAR N PLUS",
            "power_w": 570,
            "quantity": 2,
            "description": "SOLAR N PLUS | 570W N-TYPE BIFACIAL DG (22,1% EF.) | FRAME DE FIBRA DE VIDRO",
        }
    ],
    "inverters": [
        {
            "brand": "DEYE",
            "power_kw": 2.25,
            "quantity": 1,
            "description": "MICROINVERSOR DEYE 2.25KW (SUN-M225G4-EU-Q0-I) MONOFÁSICO 220V (4 MLPE)",
        }
    ],
    "batteries": [],
    "structures": [],
    "total_panels": 2,
    "total_inverters": 1,
    "total_power_w": 1140,
    "distributor": "FOTUS",
    "image_url": "/images/FOTUS-KITS/FOTUS-KP04-kits.jpg",
    "pricing": {"price": 2507.99, "currency": "BRL"},
    "price": "R$ 2.507,99",
}


def _factory(base: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    def make(**fields: Any) -> dict[str, Any]:
        record = copy.deepcopy(base)
        record.update(fields)
        return record

    return make


@pytest.fixture
def odex_record() -> Callable[..., dict[str, Any]]:
    """An Odex inverter record as in the snapshot; keyword arguments replace fields."""
    return _factory(_ODEX_INVERTER)


@pytest.fixture
def solfacil_record() -> Callable[..., dict[str, Any]]:
    return _factory(_SOLFACIL_INVERTER)


@pytest.fixture
def shifted_panel() -> Callable[..., dict[str, Any]]:
    return _factory(_SOLFACIL_SHIFTED_PANEL)


@pytest.fixture
def fotus_kit() -> Callable[..., dict[str, Any]]:
    return _factory(_FOTUS_KIT)


@pytest.fixture
def rules() -> Rules:
    return Rules()


class FeedRoot:
    """A feed root in a temporary folder: write files by path, load them as a catalog."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, relative: str, content: Any) -> Path:
        """bytes and str are written as they are; anything else as JSON (UTF-8)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    def load(self, rules: Rules | None = None) -> Catalog:
        return load_catalog(self.root, rules or Rules())


@pytest.fixture
def feeds(tmp_path: Path) -> FeedRoot:
    root = tmp_path / "feeds"
    root.mkdir()
    return FeedRoot(root)


@pytest.fixture
def listener():
    """A webhook on 127.0.0.1 that records what is POSTed to it (tests/webhook.py)."""
    from webhook import Listener

    hook = Listener()
    yield hook
    hook.close()
