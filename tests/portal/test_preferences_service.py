"""A user's language and time zone are saved by one service, which the preferences page
calls: a language the portal is not translated into, or a zone the tz database lacks, is
refused whatever channel asks; blank choices mean the defaults."""

import pytest

from integrations.errors import DomainError
from portal.services.preferences import user_preferences_update

pytestmark = pytest.mark.django_db


def test_a_user_saves_their_own_language_and_time_zone(supplier_user, teammate):
    user_preferences_update(actor=supplier_user, language="de", time_zone="Asia/Tokyo")

    supplier_user.refresh_from_db()
    teammate.refresh_from_db()
    assert (supplier_user.language, supplier_user.time_zone) == ("de", "Asia/Tokyo")
    assert (teammate.language, teammate.time_zone) == ("", "")


def test_blank_choices_go_back_to_the_defaults(supplier_user):
    user_preferences_update(actor=supplier_user, language="de", time_zone="Asia/Tokyo")

    user_preferences_update(actor=supplier_user, language="", time_zone="")

    supplier_user.refresh_from_db()
    assert (supplier_user.language, supplier_user.time_zone) == ("", "")


@pytest.mark.parametrize(
    ("language", "time_zone", "field", "message"),
    [
        ("xx", "", "language", "xx is not a language of the portal."),
        ("", "Mars/Olympus", "time_zone", "Mars/Olympus is not a time zone."),
    ],
)
def test_an_unknown_language_or_zone_is_refused_and_nothing_is_saved(
    supplier_user, language, time_zone, field, message
):
    with pytest.raises(DomainError) as refused:
        user_preferences_update(actor=supplier_user, language=language, time_zone=time_zone)

    assert (refused.value.field, refused.value.message) == (field, message)
    supplier_user.refresh_from_db()
    assert (supplier_user.language, supplier_user.time_zone) == ("", "")
