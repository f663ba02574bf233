"""The four actors every permission test needs: a supplier user, a teammate at the same
supplier, an outsider at another supplier, and a buyer; plus an operator and an admin."""

import pytest

from portal.access import Role
from suppliers.models import SupplierMembership
from tests import fuzzing
from tests.portal.factories import UserFactory
from tests.suppliers.factories import SupplierFactory, SupplierMembershipFactory

# Derandomized Hypothesis unless HYPOTHESIS_PROFILE=fuzz (tests/fuzzing.py).
fuzzing.load_profile()


@pytest.fixture
def supplier(db):
    return SupplierFactory(code="ACME", name="Acme Fasteners")


@pytest.fixture
def other_supplier(db):
    return SupplierFactory(code="GLOBEX", name="Globex Packaging")


@pytest.fixture
def supplier_user(supplier):
    return SupplierMembershipFactory(
        supplier=supplier, user__email="sam@acme.example", role=SupplierMembership.Role.ADMIN
    ).user


@pytest.fixture
def teammate(supplier):
    return SupplierMembershipFactory(supplier=supplier, user__email="tia@acme.example").user


@pytest.fixture
def outsider(other_supplier):
    return SupplierMembershipFactory(
        supplier=other_supplier, user__email="olga@globex.example"
    ).user


@pytest.fixture
def buyer(db):
    return UserFactory(email="bea@distributor.example", roles=[Role.BUYER.value])


@pytest.fixture
def operator(db):
    return UserFactory(email="otto@distributor.example", roles=[Role.INTEGRATION_OPERATOR.value])


@pytest.fixture
def portal_admin(db):
    return UserFactory(
        email="ada@distributor.example", roles=[Role.PORTAL_ADMIN.value], is_staff=True
    )


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process for this test even when a broker is configured (CI):
    for page tests that follow a task's result, not the broker's behaviour."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
