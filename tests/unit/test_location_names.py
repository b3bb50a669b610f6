"""Issue 10.7: a location is found by its name ignoring case, accents and spacing; an unknown
one gets the closest names as a hint."""

from __future__ import annotations

import pytest

from medusa_sync.errors import NotFoundError, UsageError
from medusa_sync.store.locations import Locations

LOCATIONS = Locations({"sloc_es": "Fotus CD ESPÍRITO SANTO", "sloc_odex": "Odex CD", "sloc_sol": "Solfacil CD"})


@pytest.mark.parametrize("typed", ["Fotus CD ESPÍRITO SANTO", "fotus cd espirito santo", "  FOTUS   cd Espírito  Santo ", "sloc_es"])
def test_a_location_name_matches_ignoring_case_accents_and_spacing(typed: str) -> None:
    assert LOCATIONS.resolve(typed) == "sloc_es"


def test_an_unknown_location_suggests_the_closest_names() -> None:
    with pytest.raises(NotFoundError) as raised:
        LOCATIONS.resolve("fotus cd espirito sant")
    assert str(raised.value) == "no stock location 'fotus cd espirito sant' (known: Fotus CD ESPÍRITO SANTO, Odex CD, Solfacil CD)"
    assert raised.value.hint == "did you mean 'Fotus CD ESPÍRITO SANTO'?"


def test_a_name_far_from_every_location_gets_no_suggestion() -> None:
    with pytest.raises(NotFoundError) as raised:
        LOCATIONS.resolve("Warehouse 9")
    assert raised.value.hint is None


def test_two_locations_with_the_same_key_are_ambiguous() -> None:
    twins = Locations({"sloc_1": "Odex CD", "sloc_2": "odex  cd"})
    with pytest.raises(UsageError, match=r"several stock locations are named 'ODEX CD': sloc_1, sloc_2; give the id"):
        twins.resolve("ODEX CD")
