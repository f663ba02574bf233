from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.errors import DomainError
from inventory.models import UnitOfMeasure
from inventory.services import convert_quantity
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory

pytestmark = pytest.mark.django_db
db_examples = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def units():
    each = UnitOfMeasureFactory(code="EA")
    case = UnitOfMeasureFactory(code="CS")
    pack = UnitOfMeasureFactory(code="PK")
    kilo = UnitOfMeasureFactory(code="KG", kind=UnitOfMeasure.Kind.MASS, decimal_places=3)
    gram = UnitOfMeasureFactory(code="G", kind=UnitOfMeasure.Kind.MASS, decimal_places=0)
    item = ItemFactory(sku="BOLT-M8", base_uom=each)
    UomConversionFactory(item=item, from_uom=case, to_uom=each, factor=Decimal("12"))
    UomConversionFactory(item=None, from_uom=pack, to_uom=each, factor=Decimal("6"))
    UomConversionFactory(item=None, from_uom=kilo, to_uom=gram, factor=Decimal("1000"))
    return {"EA": each, "CS": case, "PK": pack, "KG": kilo, "G": gram, "item": item}


def test_cases_convert_to_eaches_by_the_item_factor(units):
    assert convert_quantity(
        quantity=Decimal("5"), from_uom=units["CS"], to_uom=units["EA"], item=units["item"]
    ) == Decimal("60")


def test_eaches_convert_back_to_cases_through_the_inverse(units):
    assert convert_quantity(
        quantity=Decimal("36"), from_uom=units["EA"], to_uom=units["CS"], item=units["item"]
    ) == Decimal("3")


def test_seven_eaches_are_not_a_whole_number_of_cases_of_twelve(units):
    with pytest.raises(DomainError) as error:
        convert_quantity(
            quantity=Decimal("7"), from_uom=units["EA"], to_uom=units["CS"], item=units["item"]
        )

    assert error.value.code == "inexact_conversion"
    assert error.value.message == (
        "7 EA is not a whole number of CS (1 CS = 12 EA). Enter a multiple of 12 EA, or use EA."
    )


def test_cases_convert_to_packs_through_the_items_base_unit(units):
    assert convert_quantity(
        quantity=Decimal("1"), from_uom=units["CS"], to_uom=units["PK"], item=units["item"]
    ) == Decimal("2")


def test_a_missing_conversion_names_both_units_and_the_item(units):
    with pytest.raises(DomainError) as error:
        convert_quantity(
            quantity=Decimal("1"), from_uom=units["CS"], to_uom=units["KG"], item=units["item"]
        )

    assert error.value.code == "no_conversion"
    assert "from CS to KG for item BOLT-M8" in error.value.message


def test_kilograms_beyond_the_units_decimal_places_are_refused(units):
    with pytest.raises(DomainError):
        convert_quantity(quantity=Decimal("1.0005"), from_uom=units["G"], to_uom=units["KG"])


@db_examples
@given(cases=st.integers(min_value=0, max_value=10**9))
def test_any_whole_number_of_cases_round_trips_through_eaches(units, cases):
    quantity = Decimal(cases)

    eaches = convert_quantity(
        quantity=quantity, from_uom=units["CS"], to_uom=units["EA"], item=units["item"]
    )
    back = convert_quantity(
        quantity=eaches, from_uom=units["EA"], to_uom=units["CS"], item=units["item"]
    )

    assert eaches == quantity * 12
    assert back == quantity


@db_examples
@given(
    grams=st.integers(min_value=0, max_value=10**12),
)
def test_any_gram_quantity_round_trips_through_kilograms(units, grams):
    quantity = Decimal(grams)

    kilos = convert_quantity(quantity=quantity, from_uom=units["G"], to_uom=units["KG"])
    back = convert_quantity(quantity=kilos, from_uom=units["KG"], to_uom=units["G"])

    assert back == quantity


@db_examples
@given(eaches=st.integers(min_value=0, max_value=10**9).filter(lambda n: n % 12 != 0))
def test_eaches_that_are_not_a_multiple_of_the_case_always_raise(units, eaches):
    with pytest.raises(DomainError) as error:
        convert_quantity(
            quantity=Decimal(eaches), from_uom=units["EA"], to_uom=units["CS"], item=units["item"]
        )

    assert error.value.code == "inexact_conversion"


@db_examples
@given(
    factor=st.integers(min_value=2, max_value=500),
    cases=st.integers(min_value=1, max_value=10**6),
)
def test_round_trip_holds_for_any_pack_factor(units, factor, cases):
    item = ItemFactory(sku=f"ITEM-X{factor}", base_uom=units["EA"])
    if not item.uom_conversions.exists():
        UomConversionFactory(item=item, from_uom=units["CS"], to_uom=units["EA"], factor=factor)

    eaches = convert_quantity(
        quantity=Decimal(cases), from_uom=units["CS"], to_uom=units["EA"], item=item
    )

    assert eaches == Decimal(cases * factor)
    assert convert_quantity(
        quantity=eaches, from_uom=units["EA"], to_uom=units["CS"], item=item
    ) == Decimal(cases)
