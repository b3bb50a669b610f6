"""The `fields` argument every resource takes: a comma-separated string or a sequence of names."""

from __future__ import annotations

import pytest

from medusa_sync.client.resources.base import answer_fields, field_names


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ("id, sku ,+metadata", ["id", "sku", "+metadata"]),
        (["id", "location_levels.*"], ["id", "location_levels.*"]),
        (("id",), ["id"]),
        ("", []),
        (None, []),
    ],
)
def test_field_names_are_the_stripped_names_in_order(fields, names) -> None:
    assert field_names(fields) == names


def test_an_answer_asks_for_the_metadata_only_when_the_body_sets_some() -> None:
    assert answer_fields("id, sku", {"metadata": {"a": "1"}}) == ["id", "sku", "metadata"]
    assert answer_fields("id,metadata", {"metadata": {"a": "1"}}) == "id,metadata"
    assert answer_fields(["id"], {"status": "published"}) == ["id"]
    assert answer_fields(None, {"metadata": {"a": "1"}}) is None
