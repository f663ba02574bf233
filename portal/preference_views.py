"""The signed-in user's own preferences: the language and the time zone of their pages
and e-mails (portal.middleware.UserLanguageMiddleware reads them from the user row)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from integrations.errors import DomainError
from portal.models import User
from portal.services.preferences import time_zone_names, user_preferences_update


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy("Times on every page and in e-mails are shown in this zone."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Language names in their own language: a user who cannot read the current one
        # still finds theirs.
        language, time_zone = self.fields["language"], self.fields["time_zone"]
        assert isinstance(language, forms.ChoiceField)  # declared above
        assert isinstance(time_zone, forms.ChoiceField)
        language.choices = [("", gettext("Your browser's language")), *settings.LANGUAGES]
        time_zone.choices = [
            ("", gettext("The portal's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}),
            *((name, name) for name in time_zone_names()),
        ]


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    initial = {"language": user.language, "time_zone": user.time_zone}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_preferences_update(
                actor=user,
                language=form.cleaned_data["language"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            # The confirmation is read on the next page, which uses the new choices.
            language = user.language or translation.get_language_from_request(request)
            with translation.override(language):
                messages.success(request, gettext("Your language and time zone are saved."))
            return redirect("preferences")
    return render(
        request,
        "portal/preferences.html",
        {"form": form, "now": timezone.now()},
    )
