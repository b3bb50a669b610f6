"""Bad input never crashes the run and is never dropped silently.

Each case writes a broken file next to a good one in a temporary feed root and checks, through
`load_catalog`, the exact issue (code, file, record, severity, action) and that the good records
(in the same file where there are any, and in the other file) still come through.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest

from medusa_sync.feeds.reader import FileContext, open_feed
from medusa_sync.feeds.registry import DISTRIBUTORS
from medusa_sync.models import Catalog, FeedFile

GOOD_FILE = "odex/odex-inverters.json"
GOOD_SKUS = ["odex_inverters_GOOD-1", "odex_inverters_GOOD-2"]


@pytest.fixture
def with_good_file(feeds, odex_record):
    feeds.write(GOOD_FILE, [odex_record(id="odex_inverters_GOOD-1"), odex_record(id="odex_inverters_GOOD-2")])
    return feeds


def _issues(catalog: Catalog) -> list[tuple]:
    return [(i.code, i.file, i.record, i.severity, i.action) for i in catalog.issues]


def _file(catalog: Catalog, path: str) -> FeedFile:
    return next(f for f in catalog.files if f.path == path)


def _skus(catalog: Catalog) -> list[str]:
    return [item.sku for item in catalog.items]


def _panels(odex_record, *codes: str) -> list[dict]:
    return [
        odex_record(id=f"odex_panels_{code}", category="panels", name=f"Painel Solar {code}", description=f"Painel Solar {code}")
        for code in codes
    ]


# --- whole files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        '{"id": "odex_panels_A", "name": ',  # cut inside the first object, no array at all
        "not json at all",
        '[{"id": "odex_panels_A",, "category": "panels"}]',  # broken before any complete record
        "<html><body>502 Bad Gateway</body></html>",
    ],
)
def test_malformed_json_skips_the_file(with_good_file, content: str) -> None:
    with_good_file.write("odex/odex-panels.json", content)
    catalog = with_good_file.load()
    assert _issues(catalog) == [("invalid_json", "odex/odex-panels.json", None, "error", "file skipped")]
    assert catalog.issues[0].reason.startswith("invalid JSON: ")
    assert _file(catalog, "odex/odex-panels.json").model_dump(exclude={"digest"}) == {
        "path": "odex/odex-panels.json",
        "distributor": "odex",
        "records": 0,
        "complete": False,
    }
    assert _skus(catalog) == GOOD_SKUS
    assert _file(catalog, GOOD_FILE).complete is True


def test_a_truncated_array_keeps_the_complete_records(with_good_file, odex_record) -> None:
    text = json.dumps(_panels(odex_record, "A", "B", "C"), ensure_ascii=False, indent=1)
    cut = text.index("odex_panels_C") + 5  # inside the third record
    with_good_file.write("odex/odex-panels.json", text[:cut])
    catalog = with_good_file.load()
    assert _issues(catalog) == [
        (
            "truncated_json",
            "odex/odex-panels.json",
            None,
            "error",
            "kept the 2 complete records; the file counts as incomplete",
        )
    ]
    assert "2 complete records precede the break" in catalog.issues[0].reason
    assert _file(catalog, "odex/odex-panels.json").records == 2
    assert _file(catalog, "odex/odex-panels.json").complete is False
    assert _skus(catalog) == GOOD_SKUS[:1] + ["odex_inverters_GOOD-2", "odex_panels_A", "odex_panels_B"]


def test_an_array_cut_between_records_keeps_them_all(feeds, odex_record) -> None:
    text = json.dumps(_panels(odex_record, "A", "B"))
    feeds.write("odex/odex-panels.json", text[:-1] + ",")  # lost "]"
    catalog = feeds.load()
    assert [i.code for i in catalog.issues] == ["truncated_json"]
    assert _skus(catalog) == ["odex_panels_A", "odex_panels_B"]
    assert catalog.files[0].complete is False


def test_a_latin1_file_is_read_as_windows_1252(with_good_file, solfacil_record) -> None:
    # A latin-1 export: "Disponível" and "MONOFÁSICO" are single bytes that are not UTF-8.
    records = [solfacil_record(name="INVERSOR GROWATT 5KW MONOFÁSICO"), solfacil_record(id="solfacil_inverters_2", name="INVERSOR GOODWE 3KW")]
    with_good_file.write("solfacil/solfacil-inverters.json", json.dumps(records, ensure_ascii=False).encode("latin-1"))
    catalog = with_good_file.load()

    assert _issues(catalog) == [
        ("not_utf8", "solfacil/solfacil-inverters.json", None, "warning", "decoded as Windows-1252 (Latin-1)")
    ]
    items = {item.sku: item for item in catalog.items}
    assert sorted(items) == GOOD_SKUS + ["solfacil_inverters_1", "solfacil_inverters_2"]
    assert items["solfacil_inverters_1"].title == "INVERSOR GROWATT 5KW MONOFÁSICO"
    assert items["solfacil_inverters_1"].power_w == 5000
    assert {l.sku: l.stocked for l in catalog.levels}["solfacil_inverters_1"] == 100  # "Disponível" survived
    assert _file(catalog, "solfacil/solfacil-inverters.json").complete is True


def test_stray_bytes_in_a_utf8_file_become_replacement_characters(with_good_file, solfacil_record) -> None:
    # Real UTF-8 text ("Disponível") plus one stray byte: not a Latin-1 file, so only that byte is lost.
    text = json.dumps([solfacil_record(name="INVERSOR GROWATT 5KW MONOFXSICO")], ensure_ascii=False).encode("utf-8")
    with_good_file.write("solfacil/solfacil-inverters.json", text.replace(b"MONOFX", b"MONOF\xc1"))
    catalog = with_good_file.load()

    assert _issues(catalog) == [
        (
            "not_utf8",
            "solfacil/solfacil-inverters.json",
            None,
            "warning",
            "decoded with U+FFFD in place of the bad bytes; affected text is kept as is",
        )
    ]
    item = {item.sku: item for item in catalog.items}["solfacil_inverters_1"]
    assert item.title == "INVERSOR GROWATT 5KW MONOF\ufffdSICO"
    assert {l.sku: l.stocked for l in catalog.levels}["solfacil_inverters_1"] == 100


def test_an_escaped_lone_surrogate_is_replaced_not_fatal(feeds, odex_record) -> None:
    text = json.dumps([odex_record(name="Inversor \ud800 3kW")])
    assert "\\ud800" in text
    feeds.write("odex/odex-inverters.json", text.encode())
    catalog = feeds.load()
    assert [(i.code, i.action) for i in catalog.issues] == [("invalid_unicode", "replaced it with U+FFFD")]
    assert catalog.items[0].title == "Inversor \ufffd 3kW"
    assert catalog.files[0].complete is True


def test_a_utf8_bom_is_not_an_issue(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", b"\xef\xbb\xbf" + json.dumps([odex_record()]).encode())
    catalog = feeds.load()
    assert catalog.issues == ()
    assert _skus(catalog) == ["odex_inverters_ODEX-INV-SAJ-3000W"]


def test_an_object_with_one_list_inside_is_recovered(with_good_file, odex_record) -> None:
    with_good_file.write("odex/odex-panels.json", {"generated": "2025-10-07", "count": 2, "products": _panels(odex_record, "A", "B")})
    catalog = with_good_file.load()
    assert _issues(catalog) == [("not_a_list", "odex/odex-panels.json", None, "warning", "read the 2 records under 'products'")]
    assert catalog.issues[0].reason == "the file holds an object, not a list; its only list is under 'products'"
    assert _skus(catalog) == GOOD_SKUS + ["odex_panels_A", "odex_panels_B"]
    assert _file(catalog, "odex/odex-panels.json").records == 2
    assert _file(catalog, "odex/odex-panels.json").complete is True


@pytest.mark.parametrize(
    "document",
    [
        {"status": "error", "message": "rate limited"},  # no list
        {"panels": [], "inverters": []},  # two lists: which one?
        "just a string",
        42,
        None,
    ],
)
def test_a_document_without_a_list_is_skipped(with_good_file, document) -> None:
    with_good_file.write("odex/odex-panels.json", json.dumps(document))
    catalog = with_good_file.load()
    assert _issues(catalog) == [("not_a_list", "odex/odex-panels.json", None, "error", "file skipped")]
    assert _skus(catalog) == GOOD_SKUS
    assert _file(catalog, "odex/odex-panels.json").records == 0


def test_a_single_record_object_is_read_as_one_record(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", odex_record())
    catalog = feeds.load()
    assert _issues(catalog) == [("not_a_list", "odex/odex-inverters.json", None, "warning", "read it as one record")]
    assert _skus(catalog) == ["odex_inverters_ODEX-INV-SAJ-3000W"]


@pytest.mark.parametrize("content", [b"", b"   \n\t", b"\xef\xbb\xbf"])
def test_an_empty_file_is_skipped(with_good_file, content: bytes) -> None:
    with_good_file.write("odex/odex-panels.json", content)
    catalog = with_good_file.load()
    assert _issues(catalog) == [("empty_file", "odex/odex-panels.json", None, "error", "file skipped")]
    assert catalog.issues[0].reason == "the file is empty"
    feed = _file(catalog, "odex/odex-panels.json")
    assert (feed.records, feed.complete, feed.digest) == (0, False, hashlib.sha256(content).hexdigest())
    assert _skus(catalog) == GOOD_SKUS


def test_an_empty_list_is_complete_and_not_an_issue(feeds) -> None:
    feeds.write("odex/odex-panels.json", [])
    catalog = feeds.load()
    assert catalog.issues == ()
    assert catalog.files[0].records == 0 and catalog.files[0].complete is True


def test_the_digest_is_the_sha256_of_the_bytes(feeds, odex_record) -> None:
    path = feeds.write("odex/odex-inverters.json", [odex_record()])
    assert feeds.load().files[0].digest == hashlib.sha256(path.read_bytes()).hexdigest()


# --- records ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["(absent)", None, "", "   ", True, {"code": "X"}, ["X"]])
def test_a_record_without_an_id_is_skipped(feeds, odex_record, bad_id) -> None:
    broken = odex_record(id=bad_id)
    if bad_id == "(absent)":
        del broken["id"]
    feeds.write("odex/odex-inverters.json", [broken, odex_record(id="odex_inverters_B")])
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.sku, i.severity, i.reason, i.action) for i in catalog.issues] == [
        ("missing_id", "odex/odex-inverters.json", 0, None, "error", "record has no id", "record skipped")
    ]
    assert _skus(catalog) == ["odex_inverters_B"]
    assert catalog.items[0].source.record == 1


def test_a_numeric_id_is_an_id(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", [odex_record(id=276954)])
    catalog = feeds.load()
    assert catalog.issues == ()
    assert (catalog.items[0].sku, catalog.items[0].source.original_id) == ("odex_inverters_276954", "276954")


def test_a_record_that_is_not_an_object_is_skipped(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", [42, "odex_inverters_X", None, [odex_record()], odex_record()])
    catalog = feeds.load()
    assert [(i.code, i.record, i.severity, i.reason, i.action) for i in catalog.issues] == [
        ("record_not_object", 0, "error", "record is a JSON int, not an object", "record skipped"),
        ("record_not_object", 1, "error", "record is a JSON str, not an object", "record skipped"),
        ("record_not_object", 2, "error", "record is a JSON NoneType, not an object", "record skipped"),
        ("record_not_object", 3, "error", "record is a JSON list, not an object", "record skipped"),
    ]
    assert _skus(catalog) == ["odex_inverters_ODEX-INV-SAJ-3000W"]
    assert catalog.items[0].source.record == 4
    assert catalog.files[0].records == 5


def test_an_unparseable_price_is_reported_and_the_item_kept(feeds, solfacil_record) -> None:
    feeds.write(
        "solfacil/solfacil-accessories.json",
        [
            solfacil_record(id="solfacil_accessories_10", category="accessories", price="Consulte", pricing=None, name="DPS CLAMPER 275V"),
            solfacil_record(id="solfacil_accessories_11", category="accessories", price="R$ 89,90", pricing={"price": 89.9}, name="CONECTOR MC4"),
        ],
    )
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.sku, i.severity, i.reason, i.action) for i in catalog.issues] == [
        (
            "bad_price",
            "solfacil/solfacil-accessories.json",
            0,
            "solfacil_accessories_10",
            "error",
            "not a price: 'Consulte'",
            "price left empty",
        )
    ]
    assert [(item.sku, item.price) for item in catalog.items] == [
        ("solfacil_accessories_10", None),
        ("solfacil_accessories_11", Decimal("89.90")),
    ]


def test_shifted_columns_are_recovered_flagged_and_none_lost(feeds, shifted_panel, solfacil_record) -> None:
    feeds.write(
        "solfacil/solfacil-panels.json",
        [
            shifted_panel(),
            # the URL may be missing from 'name': the image then comes from 'image'
            shifted_panel(id="solfacil_panels_2", name="HANERSUN", price="MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H D"),
            # a panel that is not shifted, in the same file
            solfacil_record(
                id="solfacil_panels_3",
                category="panels",
                name="MODULO FOTOVOLTAICO 590W - JA SOLAR BIFACIAL",
                description="MODULO FOTOVOLTAICO 590W - JA SOLAR BIFACIAL",
                price="R$ 712,46",
                pricing={"price": 712.46, "currency": "BRL"},
            ),
        ],
    )
    catalog = feeds.load()
    assert [(i.code, i.record, i.sku, i.severity, i.action) for i in catalog.issues] == [
        ("shifted_columns", 0, "solfacil_panels_1", "warning", "recovered title, model and image from the shifted columns; price unknown"),
        ("shifted_columns", 1, "solfacil_panels_2", "warning", "recovered title, model and image from the shifted columns; price unknown"),
    ]
    first, second, third = catalog.items
    assert first.title == "MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H IMP"
    assert first.description == first.title
    assert first.model == "HN18N-72H"
    assert first.manufacturer == "HANERSUN"
    assert first.thumbnail == "https://cdn-ecommerce.solfacil.com.br/contents/products/559375/images/IMAGE_PRODUCT_559375.jpeg"
    assert first.power_w == 585
    assert first.price is None
    assert first.flags == ("recovered_shifted_columns",)
    assert second.title == "MODULO FOTOVOLTAICO 585W - HANERSUN - EF. 22.6% - HN18N-72H D"
    assert second.thumbnail == "/catalog/images/SOLFACIL-PANELS/IMAGE_PRODUCT_559375.jpeg"
    assert second.flags == ("recovered_shifted_columns",)
    assert (third.sku, third.flags, str(third.price), third.power_w) == ("solfacil_panels_3", (), "712.46", 590)
    assert len(catalog.levels) == 3  # shifted panels are stocked like the rest


def test_a_duplicate_sku_within_a_file_keeps_the_first(feeds, odex_record) -> None:
    feeds.write(
        "odex/odex-inverters.json",
        [
            odex_record(),
            odex_record(id="odex_inverters_B"),
            odex_record(name="Inversor SAJ 3kW (repetido)", availability="indisponivel"),
        ],
    )
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.sku, i.severity, i.reason, i.action) for i in catalog.issues] == [
        (
            "duplicate_sku",
            "odex/odex-inverters.json",
            2,
            "odex_inverters_ODEX-INV-SAJ-3000W",
            "error",
            "SKU already defined by odex/odex-inverters.json record 0",
            "record skipped; the first definition is kept",
        )
    ]
    items = {item.sku: item for item in catalog.items}
    assert sorted(items) == ["odex_inverters_B", "odex_inverters_ODEX-INV-SAJ-3000W"]
    assert items["odex_inverters_ODEX-INV-SAJ-3000W"].title == "Inversor Grid-Tie SAJ R5-3K-T2 BRL 3kW Monofásico 220V 2 MPPT"
    assert items["odex_inverters_ODEX-INV-SAJ-3000W"].source.record == 0
    # the skipped duplicate does not change the first one's stock either
    assert [(l.sku, l.stocked) for l in catalog.levels] == [("odex_inverters_B", 100), ("odex_inverters_ODEX-INV-SAJ-3000W", 100)]


def test_a_duplicate_sku_across_files_keeps_the_first_file(feeds, odex_record) -> None:
    # Odex lists the same panel in its panels file and again in a second file.
    panel = dict(category="panels", name="Painel Solar Jinko 610W", description="Painel Solar Jinko 610W")
    feeds.write("odex/odex-panels.json", [odex_record(id="odex_inverters_ODEX-PAINEL-JINKO-610W", **panel)])
    feeds.write(
        "odex/odex-promo.json",
        [
            odex_record(id="odex_panels_ODEX-PAINEL-JINKO-610W", availability="indisponivel", **panel),
            odex_record(id="odex_inverters_PROMO-1"),
        ],
    )
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.sku, i.reason, i.action) for i in catalog.issues] == [
        (
            "id_prefix_mismatch",
            "odex/odex-panels.json",
            0,
            "odex_panels_ODEX-PAINEL-JINKO-610W",
            "id prefix says 'inverters' but the record is 'panels'",
            "SKU built from the record's category",
        ),
        (
            "duplicate_sku",
            "odex/odex-promo.json",
            0,
            "odex_panels_ODEX-PAINEL-JINKO-610W",
            "SKU already defined by odex/odex-panels.json record 0",
            "record skipped; the first definition is kept",
        ),
    ]
    items = {item.sku: item for item in catalog.items}
    assert sorted(items) == ["odex_inverters_PROMO-1", "odex_panels_ODEX-PAINEL-JINKO-610W"]
    assert items["odex_panels_ODEX-PAINEL-JINKO-610W"].source.file == "odex/odex-panels.json"
    assert {l.sku: l.stocked for l in catalog.levels}["odex_panels_ODEX-PAINEL-JINKO-610W"] == 100


def test_an_unknown_category_falls_back_to_the_file_name(feeds, odex_record) -> None:
    feeds.write(
        "odex/odex-stringboxes.json",
        [
            odex_record(id="odex_inverters_SB-1", category="gadgets"),
            odex_record(id="odex_inverters_SB-2", category=None),
            odex_record(id="odex_inverters_SB-3", category="stringboxes"),
        ],
    )
    catalog = feeds.load()
    fallback = [(i.code, i.record, i.sku, i.severity, i.reason, i.action) for i in catalog.issues if i.code == "unknown_category"]
    assert fallback == [
        ("unknown_category", 0, None, "warning", "category 'gadgets' is not known", "used 'stringboxes' from the file name"),
        ("unknown_category", 1, None, "warning", "record has no category", "used 'stringboxes' from the file name"),
    ]
    assert _skus(catalog) == ["odex_stringboxes_SB-1", "odex_stringboxes_SB-2", "odex_stringboxes_SB-3"]


def test_an_unknown_category_without_a_fallback_is_skipped(feeds, odex_record) -> None:
    feeds.write("odex/odex-misc.json", [odex_record(id="odex_inverters_M-1", category="gadgets"), odex_record(id="odex_inverters_M-2")])
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.severity, i.reason, i.action) for i in catalog.issues] == [
        ("unknown_category", "odex/odex-misc.json", 0, "error", "category 'gadgets' is not known", "record skipped")
    ]
    assert _skus(catalog) == ["odex_inverters_M-2"]


@pytest.mark.parametrize(("category", "expected"), [("Inversores", "inverters"), ("PAINÉIS", "panels"), ("string-boxes", "stringboxes"), ("Baterias", "batteries")])
def test_category_aliases_are_not_issues(feeds, odex_record, category: str, expected: str) -> None:
    feeds.write("odex/odex-misc.json", [odex_record(id="X-1", category=category)])
    catalog = feeds.load()
    assert catalog.issues == ()
    assert catalog.items[0].category.value == expected


# --- the salvage of broken arrays, directly -----------------------------------------------------


def _read(tmp_path: Path, content: bytes):
    path = tmp_path / "feed.json"
    path.write_bytes(content)
    ctx = FileContext(path="odex/feed.json", distributor=DISTRIBUTORS["odex"])
    feed = open_feed(path, ctx)
    records = list(feed.records())
    return records, feed, ctx.issues


def test_salvage_survives_absurd_nesting(tmp_path: Path) -> None:
    records, feed, issues = _read(tmp_path, b'[{"id": "A"}, ' + b"[" * 100_000)
    assert records == [(0, {"id": "A"})]
    assert feed.complete is False
    assert [(i.code, i.reason) for i in issues] == [
        ("truncated_json", "invalid JSON (the file ends inside record 1); 1 complete records precede the break")
    ]


def test_text_before_the_array_is_not_salvaged(tmp_path: Path) -> None:
    records, feed, issues = _read(tmp_path, b'callback([{"id": "A"}, {"id": ')
    assert records == []
    assert [i.code for i in issues] == ["invalid_json"]


# --- a file written by another program while it is read ----------------------------------------

_CHANGED = (
    "file_changed",
    "the file changed while it was read (another program wrote it meanwhile)",
    "kept the 1 records read; the file counts as incomplete: run again once it is written",
)


def _changed_between_reads(tmp_path: Path, change) -> tuple[list, object, list]:
    """Open feed.json (the first read: digest, encoding), `change(path)`, then read its records."""
    path = tmp_path / "feed.json"
    path.write_bytes(b'[{"id": "A"}]')
    ctx = FileContext(path="odex/feed.json", distributor=DISTRIBUTORS["odex"])
    feed = open_feed(path, ctx)
    assert feed.digest == hashlib.sha256(b'[{"id": "A"}]').hexdigest()
    change(path)
    return list(feed.records()), feed, ctx.issues


def test_a_file_replaced_between_the_reads_is_reported_and_counts_as_incomplete(tmp_path: Path) -> None:
    def replace(path: Path) -> None:  # as a downloader that writes a new file and renames it
        path.with_suffix(".new").write_bytes(b'[{"id": "B"}]')
        path.with_suffix(".new").replace(path)

    records, feed, issues = _changed_between_reads(tmp_path, replace)
    assert records == [(0, {"id": "B"})]
    assert (feed.complete, feed.digest, feed.count) == (False, "", 1)
    assert [(i.code, i.reason, i.action, i.severity) for i in issues] == [(*_CHANGED, "error")]


def test_a_file_rewritten_in_place_between_the_reads_is_reported(tmp_path: Path) -> None:
    records, feed, issues = _changed_between_reads(tmp_path, lambda path: path.write_bytes(b'[{"id": "BB"}]'))
    assert records == [(0, {"id": "BB"})]
    assert (feed.complete, feed.digest) == (False, "")
    assert [(i.code, i.reason, i.action) for i in issues] == [_CHANGED]


def test_a_file_written_during_the_records_read_is_reported(tmp_path: Path, monkeypatch) -> None:
    """The first chunk is read, then the file grows: the state at the end of the read differs."""
    monkeypatch.setattr("medusa_sync.feeds.reader.CHUNK_BYTES", 8)
    path = tmp_path / "feed.json"
    path.write_bytes(b'[{"id": "A"}]')
    ctx = FileContext(path="odex/feed.json", distributor=DISTRIBUTORS["odex"])
    feed = open_feed(path, ctx)
    records = feed.records()
    with path.open("ab") as file:
        assert next(records) == (0, {"id": "A"})  # the whole file was read to find the record's end
        file.write(b" ")
    assert list(records) == []
    assert (feed.complete, feed.digest) == (False, "")
    assert [(i.code, i.reason, i.action) for i in ctx.issues] == [_CHANGED]


def test_a_file_written_after_a_break_in_its_records_is_reported(tmp_path: Path, monkeypatch) -> None:
    """A break ends the records before the file's end; the read still notes the file's state."""
    monkeypatch.setattr("medusa_sync.feeds.reader.CHUNK_BYTES", 8)
    path = tmp_path / "feed.json"
    path.write_bytes(b'[{"id": "A"}x' + b" " * 100 + b"]")
    ctx = FileContext(path="odex/feed.json", distributor=DISTRIBUTORS["odex"])
    feed = open_feed(path, ctx)
    records = feed.records()
    assert next(records) == (0, {"id": "A"})
    with path.open("ab") as file:
        file.write(b" ")
    assert list(records) == []
    assert [i.code for i in ctx.issues] == ["truncated_json", "file_changed"]
    assert (feed.complete, feed.digest) == (False, "")


def test_an_unchanged_file_keeps_its_digest(tmp_path: Path) -> None:
    records, feed, issues = _changed_between_reads(tmp_path, lambda path: None)
    assert records == [(0, {"id": "A"})]
    assert (feed.complete, feed.digest, issues) == (True, hashlib.sha256(b'[{"id": "A"}]').hexdigest(), [])


# --- hostile values: one pathological value or record costs that value or record only ----------


def _three(odex_record, middle: str) -> str:
    """Three Odex records, the middle one's JSON text replaced by `middle`."""
    first, last = (json.dumps(odex_record(id=f"odex_inverters_{code}")) for code in ("A", "C"))
    return f"[{first},\n{middle},\n{last}]"


def _hostile(**fields) -> str:
    """An Odex record B whose `fields` hold raw JSON text (such as NaN or a 5000-digit number)."""
    body = {"id": "odex_inverters_B", "category": "inverters", "name": "Inversor 3kW", "price": None, "pricing": None}
    text = json.dumps(body)[:-1]
    return text + "".join(f', "{name}": {raw}' for name, raw in fields.items()) + "}"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("99999999999999999999999", "estoque=99999999999999999999999 is above the largest quantity accepted, 1_000_000_000"),
        ("1000000001", "estoque=1000000001 is above the largest quantity accepted, 1_000_000_000"),
        ("1e23", "estoque=1e+23 is above the largest quantity accepted, 1_000_000_000"),
        ('"999999999999999999"', "estoque='999999999999999999' is above the largest quantity accepted, 1_000_000_000"),
        ("-1", "estoque=-1 is not a whole quantity >= 0"),
        ("NaN", "estoque=nan is not a whole quantity >= 0"),
        ("Infinity", "estoque=inf is not a whole quantity >= 0"),
        ("1" * 300, "estoque=a 300-digit number is above the largest quantity accepted, 1_000_000_000"),
    ],
)
def test_a_quantity_out_of_bounds_is_refused_and_the_record_kept(feeds, odex_record, raw: str, reason: str) -> None:
    feeds.write("odex/odex-inverters.json", _three(odex_record, _hostile(estoque=raw, availability='"Disponível"')))
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.sku, i.severity, i.reason, i.action) for i in catalog.issues] == [
        ("missing_price", "odex/odex-inverters.json", 1, "odex_inverters_B", "error", "the record has no price", "price left empty"),
        ("bad_quantity", "odex/odex-inverters.json", 1, "odex_inverters_B", "warning", reason, "stocked 0 at Odex CD"),
    ]
    assert [(level.sku, level.stocked) for level in catalog.levels] == [
        ("odex_inverters_A", 100), ("odex_inverters_B", 0), ("odex_inverters_C", 100)
    ]
    assert (catalog.files[0].records, catalog.files[0].complete) == (3, True)


def test_the_largest_quantity_is_accepted(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", [odex_record(estoque=10**9)])
    catalog = feeds.load()
    assert (catalog.issues, [level.stocked for level in catalog.levels]) == ((), [10**9])


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-1599.0", "negative price -1599.00"),
        ("NaN", "not a finite number: nan"),
        ("Infinity", "not a finite number: inf"),
        ("-Infinity", "not a finite number: -inf"),
        ("1e30", "not a price: 1e+30"),
        ("100000000000000000000", "price 1.00E+20 is above the largest price accepted, R$ 1.000.000.000,00"),
        ("1000000000.01", "price 1.00E+9 is above the largest price accepted, R$ 1.000.000.000,00"),
        ("1" * 1000, "not a price: a 1000-digit number"),
    ],
)
def test_a_price_out_of_bounds_is_refused_and_the_record_kept(feeds, odex_record, raw: str, reason: str) -> None:
    feeds.write("odex/odex-inverters.json", _three(odex_record, _hostile(pricing=f'{{"price": {raw}}}', availability='"Disponível"')))
    catalog = feeds.load()
    assert [(i.code, i.record, i.sku, i.severity, i.reason, i.action) for i in catalog.issues] == [
        ("bad_price", 1, "odex_inverters_B", "warning", reason, "ignored the numeric price"),
    ]
    assert [(item.sku, item.price) for item in catalog.items] == [
        ("odex_inverters_A", Decimal("1599.00")), ("odex_inverters_B", None), ("odex_inverters_C", Decimal("1599.00"))
    ]
    assert (catalog.files[0].records, catalog.files[0].complete) == (3, True)


def test_an_out_of_bounds_price_text_is_refused_too(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", [odex_record(pricing=None, price="R$ 1.000.000.000,01")])
    catalog = feeds.load()
    assert [(i.code, i.severity, i.reason, i.action) for i in catalog.issues] == [
        ("bad_price", "error", "price 1.00E+9 is above the largest price accepted, R$ 1.000.000.000,00", "price left empty")
    ]
    assert catalog.items[0].price is None


@pytest.mark.parametrize(
    ("middle", "reason"),
    [
        (_hostile(pricing='{"price": ' + "1" * 5000 + "}"), "a number too long to read (more than 4300 digits)"),
        (_hostile(estoque="9" * 100_000), "a number too long to read (more than 4300 digits)"),
        (_hostile(deep="[" * 100_000 + "]" * 100_000), "arrays or objects nested too deeply to read"),
        (_hostile(notes='"' + "x" * (2 << 20) + '"'), "the record is longer than 1_048_576 characters"),
        (_hostile(notes='"bad \\x escape"'), "a string holds an invalid escape (Invalid \\escape at character "),
        ("1" * 5000, "a number too long to read (more than 4300 digits)"),
        (_hostile(name='"raw\ttab"', estoque="1" * 5000), "a number too long to read (more than 4300 digits)"),
    ],
)
def test_a_pathological_record_costs_that_record_only(feeds, odex_record, middle: str, reason: str) -> None:
    feeds.write("odex/odex-inverters.json", _three(odex_record, middle))
    catalog = feeds.load()
    assert [(i.code, i.file, i.record, i.sku, i.severity, i.action) for i in catalog.issues] == [
        ("unreadable_record", "odex/odex-inverters.json", 1, None, "error", "record skipped")
    ]
    assert catalog.issues[0].reason.startswith(reason)
    assert [(item.sku, item.source.record) for item in catalog.items] == [("odex_inverters_A", 0), ("odex_inverters_C", 2)]
    assert (catalog.files[0].records, catalog.files[0].complete) == (3, True)


def test_a_raw_control_character_in_a_string_is_read_with_a_warning(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", _three(odex_record, _hostile(name='"Inversor\t3kW"', availability='"Disponível"', price='"R$ 10,00"')))
    catalog = feeds.load()
    assert [(i.code, i.record, i.severity, i.action) for i in catalog.issues] == [
        ("control_character", 1, "warning", "read as it is")
    ]
    assert [item.title for item in catalog.items][1] == "Inversor\t3kW"


def test_nan_is_not_reported_as_a_lone_surrogate(feeds, odex_record) -> None:
    feeds.write("odex/odex-inverters.json", _three(odex_record, _hostile(pricing='{"price": NaN}', price='"R$ 10,00"')))
    catalog = feeds.load()
    assert [(i.code, i.record, i.reason) for i in catalog.issues] == [("bad_price", 1, "not a finite number: nan")]
    assert catalog.items[1].price == Decimal("10.00")


def test_records_cut_across_chunks_read_the_same(feeds, odex_record, solfacil_record, monkeypatch) -> None:
    records = [odex_record(id=f"odex_inverters_{n}", name=f"Inversor ção {n} 3kW", estoque=n) for n in range(40)]
    feeds.write("odex/odex-inverters.json", json.dumps(records, ensure_ascii=False, indent=1))
    whole = feeds.load()
    monkeypatch.setattr("medusa_sync.feeds.reader.CHUNK_BYTES", 7)  # cuts numbers, strings and "ç" (2 bytes)
    chunked = feeds.load()
    assert chunked == whole
    assert (len(chunked.items), chunked.issues, chunked.files[0].complete) == (40, (), True)
    assert [level.stocked for level in chunked.levels] == sorted(range(40), key=lambda n: f"odex_inverters_{n}")


def test_a_bad_record_cut_across_chunks_costs_that_record_only(feeds, odex_record, monkeypatch) -> None:
    monkeypatch.setattr("medusa_sync.feeds.reader.CHUNK_BYTES", 5)
    feeds.write("odex/odex-inverters.json", _three(odex_record, _hostile(pricing='{"price": ' + "1" * 5000 + "}")))
    catalog = feeds.load()
    assert [(i.code, i.record) for i in catalog.issues] == [("unreadable_record", 1)]
    assert [item.sku for item in catalog.items] == ["odex_inverters_A", "odex_inverters_C"]
