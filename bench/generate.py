"""Synthetic distributor catalogs in the three distributors' real shapes, at any size.

    python bench/generate.py OUT --items 10000 [--seed 1] [--changed-levels 0.1]

writes OUT/{odex,solfacil,fotus}/*.json with the same file names, record fields and defects as
the October 2025 snapshot (`../shared/feeds-2025-10`), so that `medusa_sync.feeds.load_catalog`
normalizes them to exactly `--items` inventory items:

- Odex: every id prefixed `odex_inverters_` whatever the product (panels, string boxes and
  structures included), repeated base ids suffixed `-1`, `-2` as Odex does, a pt-BR price string
  plus `pricing.price`, processed-image metadata on most records, a few unavailable or
  made-to-order records, and a rare price whose number is ten times its text (a mismatch).
- Solfacil: `solfacil_{category}_{n}` ids, accented availability, a share of panels with the
  shifted columns (product name in `price`, model in `description`, an image URL in `name`),
  cables sold by length (`C/ 25 MT`, `C/RL 2,5MT`, `C/ 100 M`) or by the metre (`POR METRO`),
  and a rare "Consulte" price.
- Fotus: kits and hybrid kits (with a battery) whose components carry no SKU and are shared
  between kits (a panel by brand + power, an inverter or battery by the model code in its
  description, a structure by brand + description), at distribution centres spelled irregularly
  ("CD SUDESTE| PRONTA ENTREGA").

Kits are in proportion to the catalog (about 4 per 240 items, as in the snapshot). Everything is
a function of `--items`, `--seed` and `--changed-levels`: the same arguments give byte-identical
files. `--changed-levels F` gives the "next night" of the same catalog: the availability of
round(F × levels) Odex/Solfacil records is flipped (available ↔ unavailable), so exactly that
many stock levels differ and nothing else does.

Prints (and returns from `generate`) a summary with the counts `load_catalog` should find.
Generated feeds are benchmark input: write them to a temporary folder, never commit them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Shares taken from the October 2025 snapshot: 93 Odex and 142 Solfacil records, 4 kits.
KITS_PER_ITEM = 4 / 241
ODEX_SHARE = 93 / 235
ODEX_CATEGORIES = {"inverters": 45, "panels": 9, "stringboxes": 13, "structures": 26}
SOLFACIL_CATEGORIES = {"inverters": 82, "panels": 6, "cables": 36, "batteries": 4, "accessories": 10, "structures": 4}
HYBRID_SHARE = 0.25  # of kits: in fotus-kits-hibridos.json, with a battery
STRUCTURE_SHARE = 0.3  # of kits that list a structure component
SHIFTED_PANEL_SHARE = 0.6  # of Solfacil panels (4 of 6 in the project's sample)
UNAVAILABLE_SHARE = 0.04
MADE_TO_ORDER_SHARE = 0.02
PRICE_DEFECT_SHARE = 0.002  # Odex number ≠ text; Solfacil "Consulte"

CENTRES = (
    "CD ESPÍRITO SANTO",
    "CD SUDESTE| PRONTA ENTREGA",  # the same centre as the next one, irregularly spaced
    "CD SUDESTE | PRONTA ENTREGA",
    "CD NORDESTE | PRONTA ENTREGA",
    "CD SUL  |  PRONTA ENTREGA",
)
ROOFS = ("Cerâmico", "Fibrocimento", "Metálico", "Laje", "Solo")


def _fold(text: str) -> str:
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(plain.replace("|", " | ").lower().split())


def brl(value: float) -> str:
    """1599.0 → "R$ 1.599,00"."""
    units, cents = f"{value:,.2f}".split(".")
    return f"R$ {units.replace(',', '.')},{cents}"


def _money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


@dataclass
class Summary:
    items: int
    levels: int
    kits: int
    records: dict[str, int]
    changed_levels: int = 0
    components: int = 0
    by_distributor: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "levels": self.levels,
            "kits": self.kits,
            "components": self.components,
            "by_distributor": self.by_distributor,
            "changed_levels": self.changed_levels,
            "records": self.records,
        }


# ------------------------------------------------------------------------------------------
# Fotus


class _Components:
    """Pools of kit components; each entry maps to one inventory item (its key is unique)."""

    PANEL_BRANDS = ("ASTRONERGY", "SOLAR N PLUS", "TRINA", "JINKO", "LONGI", "RISEN", "CANADIAN", "JA SOLAR", "DAH", "OSDA", "HANERSUN", "BYD")
    INVERTER_BRANDS = (("DEYE", "SUN-M"), ("TSUNESS", "TSOL-MX"), ("SOLIS", "S6-GR1P"), ("GROWATT", "MIC-"), ("HOYMILES", "HMS-"), ("GOODWE", "GW-MS"))
    INVERTER_KW = (2.0, 2.25, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
    BATTERY_BRANDS = (("DEYE", "SE-G"), ("PYLONTECH", "US"), ("BYD", "HVS"), ("GOODWE", "LX-F"))
    STRUCTURE_BRANDS = ("SOLAR GROUP", "ROMAGNOLE", "K2 SYSTEMS", "PRATYC")

    def __init__(self, rng: random.Random, kits: int) -> None:
        self.rng = rng
        self.panels = [self._panel(i) for i in range(max(2, kits // 3))]
        self.inverters = [self._inverter(i, hybrid=False) for i in range(max(2, kits // 5))]
        self.hybrid_inverters = [self._inverter(i, hybrid=True) for i in range(max(1, kits // 12))]
        self.batteries = [self._battery(i) for i in range(max(1, kits // 12))]
        self.structures = [self._structure(i) for i in range(max(1, kits // 10))]

    def _panel(self, i: int) -> tuple[str, dict[str, Any]]:
        brands = self.PANEL_BRANDS
        watts = 400 + 5 * ((i // len(brands)) % 81)
        brand = brands[i % len(brands)]
        efficiency = f"{self.rng.randint(205, 232) / 10:.1f}".replace(".", ",")
        description = f"{brand} | TIER 1 | {watts}W N-TYPE BIFACIAL ({efficiency}% EF.)"
        if self.rng.random() < 0.3:
            description += " | FRAME DE FIBRA DE VIDRO"
        if i >= len(brands) * 81:  # brand + power exhausted: a model code keeps the SKU unique
            description += f" (PN{i:06d})"
            key = f"code:PN{i:06d}"
        else:
            key = f"panel:{brand}:{watts}"
        return key, {"brand": brand, "power_w": watts, "description": description}

    def _inverter(self, i: int, *, hybrid: bool) -> tuple[str, dict[str, Any]]:
        brand, prefix = self.INVERTER_BRANDS[i % len(self.INVERTER_BRANDS)]
        kw = self.INVERTER_KW[(i // len(self.INVERTER_BRANDS)) % len(self.INVERTER_KW)]
        code = f"{prefix}{int(kw * 100):04d}{'H' if hybrid else 'G'}{i:05d}-EU"
        if hybrid:
            description = f"INVERSOR HÍBRIDO {brand} {kw:g}KW ({code}) MONOFÁSICO 220V 48V"
        else:
            description = f"MICROINVERSOR {brand} {kw:g}KW ({code}) MONOFÁSICO 220V (4 MLPE)"
        return f"code:{code}", {"brand": brand, "power_kw": kw, "description": description}

    def _battery(self, i: int) -> tuple[str, dict[str, Any]]:
        brand, prefix = self.BATTERY_BRANDS[i % len(self.BATTERY_BRANDS)]
        kwh = (5.12, 5.0, 10.24, 3.2)[(i // len(self.BATTERY_BRANDS)) % 4]
        code = f"{prefix}{kwh:g}PRO-B{i:05d}"
        description = f"BATERIA {brand} {kwh:g}KWH ({code}) LÍTIO 51.2V"
        return f"code:{code}", {"brand": brand, "power_kw": kwh, "description": description}

    def _structure(self, i: int) -> tuple[str, dict[str, Any]]:
        brand = self.STRUCTURE_BRANDS[i % len(self.STRUCTURE_BRANDS)]
        roof = ("CERÂMICO", "FIBROCIMENTO", "METÁLICO", "LAJE", "SOLO")[(i // 4) % 5]
        modules = 2 + (i // 20)
        description = f"ESTRUTURA {roof} P/ {modules} MÓDULOS"
        return f"structure:{brand}:{description}", {"brand": brand, "description": description}

    def pick(self, pool: list[tuple[str, dict[str, Any]]], index: int) -> tuple[str, dict[str, Any]]:
        """The `index`-th use of a pool: each entry once in order, then at random (shared)."""
        return pool[index] if index < len(pool) else self.rng.choice(pool)


def _fotus(rng: random.Random, kits: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str], set[tuple[str, str]]]:
    pools = _Components(rng, kits)
    plain: list[dict[str, Any]] = []
    hybrid: list[dict[str, Any]] = []
    used: set[str] = set()
    levels: set[tuple[str, str]] = set()
    uses: Counter[str] = Counter()
    for number in range(1, kits + 1):
        is_hybrid = rng.random() < HYBRID_SHARE
        kind = "kits-hibridos" if is_hybrid else "kits"
        code = f"{'KH' if is_hybrid else 'KP'}{number:05d}"
        centre = rng.choice(CENTRES)
        arrays: dict[str, list[dict[str, Any]]] = {"panels": [], "inverters": [], "batteries": [], "structures": []}
        wanted = [("panels", "panels", rng.choice((2, 4, 6, 8, 10, 12, 16, 20))), ("inverters", "hybrid_inverters" if is_hybrid else "inverters", 1)]
        if is_hybrid:
            wanted.append(("batteries", "batteries", rng.choice((1, 1, 2))))
        if rng.random() < STRUCTURE_SHARE:
            wanted.append(("structures", "structures", rng.randint(1, 5)))
        for array, pool_name, quantity in wanted:
            key, entry = pools.pick(getattr(pools, pool_name), uses[pool_name])
            uses[pool_name] += 1
            used.add(key)
            levels.add((key, _fold(centre)))
            arrays[array].append({**entry, "quantity": quantity})
        panel, inverter = arrays["panels"][0], arrays["inverters"][0]
        panel_count = arrays["panels"][0]["quantity"]
        power_w = panel_count * panel["power_w"]
        price = round(power_w * rng.uniform(1.9, 2.4) + (4000 if is_hybrid else 0), 2)
        name = f"{code} - {panel['description'].split(' (')[0]} - {inverter['description'].split(' (')[0]}"
        image = f"/images/FOTUS-{kind.upper()}/FOTUS-{code}-{kind}.jpg"
        record = {
            "id": f"FOTUS-{code}-{kind}",
            "name": name,
            "type": kind,
            "potencia_kwp": round(power_w / 1000, 2),
            "price_brl": price,
            "estrutura": rng.choice(ROOFS),
            "centro_distribuicao": centre,
            **arrays,
            "total_panels": panel_count,
            "total_inverters": 1,
            "total_power_w": power_w,
            "distributor": "FOTUS",
            "image_url": image,
            "processed_images": _processed(f"FOTUS-{kind.upper()}", f"FOTUS-{code}-{kind}"),
            "image_quality_before": 65.6,
            "image_quality_after": 150,
            "image_processing_priority": 1,
            "pricing": {"price": price, "currency": "BRL"},
            "price": brl(price),
        }
        (hybrid if is_hybrid else plain).append(record)
    return plain, hybrid, used, levels


def _processed(folder: str, name: str) -> dict[str, str]:
    return {size: f"catalog\\images_processed\\{folder}\\{size}\\{name}.webp" for size in ("thumb", "medium", "large")}


# ------------------------------------------------------------------------------------------
# Odex and Solfacil


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    """`total` split by `weights` (largest remainder), every category at least 1 when possible."""
    whole = sum(weights.values())
    exact = {name: total * weight / whole for name, weight in weights.items()}
    counts = {name: int(value) for name, value in exact.items()}
    for name in sorted(exact, key=lambda n: exact[n] - counts[n], reverse=True)[: total - sum(counts.values())]:
        counts[name] += 1
    return counts


def _availability(rng: random.Random, odex: bool) -> str:
    draw = rng.random()
    if draw < UNAVAILABLE_SHARE:
        return "indisponivel" if odex else "Indisponível"
    if draw < UNAVAILABLE_SHARE + MADE_TO_ORDER_SHARE:
        return "sob encomenda" if odex else "Sob encomenda"
    return "disponivel" if odex else "Disponível"


class _Odex:
    INVERTERS = (("SAJ", "R5-{k}K-T2 BRL"), ("Growatt", "MIN {w}TL-X"), ("Chint", "NXI-{k}K-T2"), ("Sofar", "{k}K-TL-G4"),
                 ("Deye", "SUN-{k}K-G05"), ("Sungrow", "SG{k}RS"), ("Fronius", "Primo {k}.0-1"), ("Huawei", "SUN2000-{k}KTL-L1"))
    KW = (0.8, 1.2, 2.4, 3, 3.3, 4.2, 5, 6, 8, 10, 12, 15, 17, 20, 25, 36, 50, 75, 100, 125)
    PANEL_BRANDS = ("Odex", "Astronergy", "Tsun", "Jinko", "Longi", "Trina", "Risen", "Canadian")
    STRINGBOX_BRANDS = ("Clamper", "Tecbox", "Ecosolys", "WEG", "PHB")
    STRUCTURE_BRANDS = ("Solar Group", "Romagnole", "Renusol", "Schletter", "Pratyc", "K2 Systems")
    STRUCTURE_KINDS = ("Fibrocimento", "Colonial Cerâmico", "Metálico Trapezoidal", "Laje", "Solo Fixo", "Solo Rastreador 1 Eixo")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: Counter[str] = Counter()
        self.image = 100000

    def _id(self, base: str) -> str:
        """Odex's ids: repeated products get "-1", "-2", ... after the first."""
        n = self.seen[base]
        self.seen[base] += 1
        return f"odex_inverters_{base}" + (f"-{n}" if n else "")

    def record(self, category: str) -> dict[str, Any]:
        rng = self.rng
        if category == "inverters":
            brand, model = rng.choice(self.INVERTERS)
            kw = rng.choice(self.KW)
            watts = int(kw * 1000)
            kind = rng.choice(("Grid-Tie", "Grid-Tie", "Híbrido")) if kw >= 3 else "Micro"
            phase = "Monofásico 220V" if kw <= 8 else "Trifásico 380V"
            label = model.format(k=f"{kw:g}", w=watts)
            name = f"Inversor {kind} {brand} {label} {kw:g}kW {phase} {max(1, int(kw) // 10 + 2)} MPPT"
            if kind == "Micro":
                name = f"Microinversor {brand} {label} {watts}W 220V {int(kw * 4)} painéis"
            base, manufacturer, model_field, price = f"ODEX-INV-{brand.upper()}-{watts}W", brand, "", 300 * kw + _money(rng, 400, 1500)
        elif category == "panels":
            brand = rng.choice(self.PANEL_BRANDS)
            watts = rng.randrange(540, 720, 5)
            name = f"Painel Solar {brand} {watts}W"
            base, manufacturer, model_field, price = f"ODEX-PAINEL-{brand.upper()}-{watts}W", brand, brand, _money(rng, 440, 560)
        elif category == "stringboxes":
            brand = rng.choice(self.STRINGBOX_BRANDS)
            inputs = rng.choice((2, 4, 6, 8, 10, 12, 16, 20))
            name = f"String Box {brand} {inputs} Entradas"
            base, manufacturer, model_field, price = f"ODEX-STRINGBOX-{brand.upper()}-{inputs}E", brand, "", 250 + 70 * inputs + _money(rng, 0, 80)
        else:
            brand = rng.choice(self.STRUCTURE_BRANDS)
            kind = rng.choice(self.STRUCTURE_KINDS)
            name = f"Estrutura {brand} {kind}"
            code = _fold(kind).split()[0].upper()
            base = f"ODEX-ESTRUTURA-{brand.upper().replace(' ', '')}-{code}"
            manufacturer, model_field, price = brand, "", _money(rng, 90, 160) if "Solo" not in kind else _money(rng, 1200, 3900)
        price = round(price, 2)
        self.image += rng.randint(1, 997)
        record: dict[str, Any] = {
            "id": self._id(base),
            "name": name,
            "manufacturer": manufacturer,
            "model": model_field,
            "category": category,
            "price": brl(price),
            "image": f"/catalog/images/ODEX-{category.upper()}/{self.image}.jpg",
            "source": "plataforma.odex.com.br",
            "availability": _availability(rng, odex=True),
            "description": name,
        }
        if rng.random() < 0.75:
            record["processed_images"] = _processed(f"ODEX\\{category.upper()}", f"sku_{self.image}_{self.image}-1746{rng.randrange(10**9):09d}")
            record["image_quality_before"] = rng.choice((100, 65.6, 52.55))
            record["image_quality_after"] = 100
            if rng.random() < 0.5:
                record["image_upscale_factor"] = 1
                record["processing_date"] = "2025-10-07T03:10:52.288225"
            else:
                record["image_processing_priority"] = rng.randint(1, 4)
        number = price * 10 if rng.random() < PRICE_DEFECT_SHARE else price  # the thousands error seen live
        record["pricing"] = {"price": round(number, 2), "currency": "BRL"}
        return record


class _Solfacil:
    INVERTERS = (("GOODWE", "GW{w}-XS-30 - AFCI"), ("DEYE", "SUN-{k}K-G"), ("HUAWEI", "SUN2000-{k}KTL-L1 - AFCI"),
                 ("SOFAR", "{k}KTLM-G3 - AFCI"), ("GROWATT", "MID {k}KTL3-X"), ("ENPHASE", "IQ8P-72-2-BR"))
    KW = (0.475, 2, 3, 3.3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 36, 50)
    PANEL_BRANDS = (("HANERSUN", "HN18N-72H"), ("DAH", "DHN-72X16/DG"), ("OSDA", "33V-MHDRZ"), ("MINASOL", "MS-545"), ("HANERSUN", "HJT HN21H-66HT"))
    COLOURS = ("PRETO", "VERMELHO")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial: Counter[str] = Counter()
        self.product = 400000

    def record(self, category: str) -> dict[str, Any]:
        rng = self.rng
        self.serial[category] += 1
        self.product += rng.randint(1, 97)
        manufacturer = "SOLFACIL"
        shifted = False
        if category == "inverters":
            brand, model = rng.choice(self.INVERTERS)
            kw = rng.choice(self.KW)
            label = model.format(k=f"{kw:g}", w=int(kw * 1000))
            name = f"{brand} {label}"
            micro = "MICRO " if kw < 2.5 else ""
            description = f"{micro}INVERSOR FOTOVOLTAICO {label} - SUL EX {kw:g}KW {brand} {'MONO 220V' if kw <= 10 else 'TRI 380V'}"
            manufacturer, price = brand, 900 + 420 * kw + _money(rng, 0, 900)
        elif category == "panels":
            brand, model = rng.choice(self.PANEL_BRANDS)
            watts = rng.randrange(545, 715, 5)
            efficiency = f"{rng.randint(210, 230) / 10:.1f}"
            title = f"MODULO FOTOVOLTAICO {watts}W - {brand} BIFACIAL - EF. {efficiency}% - {model}"
            manufacturer, price = brand, _money(rng, 560, 900)
            shifted = rng.random() < SHIFTED_PANEL_SHARE
            if shifted:  # the defect: name in "price", model in "description", an image URL in "name"
                url = f"https://cdn-ecommerce.solfacil.com.br/contents/products/{self.product}/images/IMAGE_PRODUCT_{self.product}.jpeg"
                name, description = (f"{url} {brand}" if rng.random() < 0.7 else brand), model
            else:
                name, description = title, title
        elif category == "cables":
            colour = rng.choice(self.COLOURS)
            gauge = rng.choice(("4,0MM2", "6,0MM2", "10,0MM2"))
            style = rng.randrange(4)
            if style == 0:
                length = rng.choice((8, 25, 50, 75, 100, 500))
                name = f"CABO SOLAR {gauge} {colour} C/ {length} MT (PROTECAO UV 1,8KVCC)"
                price = 5.6 * length
            elif style == 1:
                name = f"CABO SOLAR {gauge} {colour} POR METRO (PROTECAO UV 1,8KVCC)"
                price = 5.42
            elif style == 2:
                length = rng.choice((50, 100))
                name = f"CABO CA 1KV {gauge.replace('MM2', 'MM')} {colour} C/ {length} M (CABRNAX 90°C)"
                price = 5.8 * length
            else:
                name = f"CABO FLEX 1KV {rng.choice((16, 25, 35))}MM {colour[:2]} C/RL 2,5MT"
                price = 21.83
            description, price = name, price + _money(rng, 0, 3)
        elif category == "batteries":
            kwh = rng.choice((3.2, 5.0, 5.1, 10.0))
            name = f"BATERIA LFP LYNX U (G3) LXU {kwh:g}-30 - {kwh:g}KWH - GOODWE"
            description, price = name, 1200 * kwh + _money(rng, 0, 800)
        elif category == "accessories":
            name = f"KIT SUPORTE P/ TELHA {rng.choice(('CERAMICA', 'FIBROCIMENTO', 'TRAPEZOIDAL'))} P/ {rng.choice((2, 4))} MODULOS - S/ PERFIL (M1) - TSUN"
            description, price = name, _money(rng, 7, 160)
        else:
            modules = rng.choice((2, 4, 6))
            name = f"ESTRUTURA DE LAJE PARA {modules} MODULOS - 2P"
            description, price = name, 120 * modules + _money(rng, 0, 90)
        price = round(price, 2)
        on_request = not shifted and rng.random() < PRICE_DEFECT_SHARE  # "Consulte", no number: no price
        record: dict[str, Any] = {
            "id": f"solfacil_{category}_{self.serial[category]}",
            "name": name,
            "manufacturer": manufacturer,
            "category": category,
            "price": title if shifted else ("Consulte" if on_request else brl(price)),
            "image": f"/catalog/images/SOLFACIL-{category.upper()}/IMAGE_PRODUCT_{self.product}.png",
            "source": "loja.solfacil.com.br",
            "availability": _availability(rng, odex=False),
            "description": description,
        }
        if not shifted and not on_request:
            record["pricing"] = {"price": price, "currency": "BRL"}
            if rng.random() < 0.1:
                record["processed_images"] = _processed(f"SOLFACIL\\{category.upper()}", f"IMAGE_PRODUCT_{self.product}")
                record["image_quality_before"] = 65.6
                record["image_quality_after"] = 150
                record["image_processing_priority"] = 1
        return record


# ------------------------------------------------------------------------------------------

_FLIP = {
    "disponivel": "indisponivel",
    "indisponivel": "disponivel",
    "sob encomenda": "disponivel",
    "Disponível": "Indisponível",
    "Indisponível": "Disponível",
    "Sob encomenda": "Disponível",
}


def generate(out: Path, items: int, *, seed: int = 1, changed_levels: float = 0.0, kits: int | None = None) -> Summary:
    """Write a catalog of `items` inventory items (and `kits` kits) under `out`; see the module doc."""
    if items < 10:
        raise ValueError("--items must be at least 10")
    rng = random.Random(seed)
    kit_count = max(1, round(items * KITS_PER_ITEM)) if kits is None else kits
    plain, hybrid, components, component_levels = _fotus(rng, kit_count)
    rest = items - len(components)
    if rest < 2:
        raise ValueError(f"{items} items leave no room for Odex and Solfacil next to {len(components)} kit components")
    odex_total = round(rest * ODEX_SHARE)
    files: dict[str, list[dict[str, Any]]] = {}
    odex = _Odex(rng)
    for category, count in _split(odex_total, ODEX_CATEGORIES).items():
        files[f"odex/odex-{category}.json"] = [odex.record(category) for _ in range(count)]
    solfacil = _Solfacil(rng)
    for category, count in _split(rest - odex_total, SOLFACIL_CATEGORIES).items():
        files[f"solfacil/solfacil-{category}.json"] = [solfacil.record(category) for _ in range(count)]
    files["fotus/fotus-kits.json"] = plain
    files["fotus/fotus-kits-hibridos.json"] = hybrid

    levels = rest + len(component_levels)
    changed = round(changed_levels * levels)
    if changed:
        flippable = [(path, index) for path in sorted(files) if not path.startswith("fotus/") for index in range(len(files[path]))]
        if changed > len(flippable):
            raise ValueError(f"--changed-levels {changed_levels} asks for {changed} changes; only {len(flippable)} levels can change")
        for path, index in random.Random(f"{seed}:changes").sample(flippable, changed):
            record = files[path][index]
            record["availability"] = _FLIP[record["availability"]]

    for relative, records in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Summary(
        items=items,
        levels=levels,
        kits=kit_count,
        components=len(components),
        by_distributor={"odex": odex_total, "solfacil": rest - odex_total, "fotus": len(components)},
        changed_levels=changed,
        records={relative: len(records) for relative, records in sorted(files.items())},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="output folder (a temporary folder: never commit generated feeds)")
    parser.add_argument("--items", type=int, default=1000, help="inventory items the feeds normalize to (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kits", type=int, default=None, help="kits (default: in proportion, about 4 per 240 items)")
    parser.add_argument("--changed-levels", type=float, default=0.0, help="fraction of stock levels to flip (the 'next night')")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.items, seed=args.seed, changed_levels=args.changed_levels, kits=args.kits)
    json.dump(summary.as_dict(), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
