"""The portal's adjustments to Django's locale formats (FORMAT_MODULE_PATH).

Every date field is an `<input type="date">` (datetime: `datetime-local`): the browser shows
and types it in the user's locale and exchanges ISO 8601 with the server. So each locale
here lists ISO first among its input formats — the value a form renders back into such an
input must be ISO, or the browser shows it empty — and keeps the locale's own typed forms
after it ("24.12.2026" is accepted from a German user). Display formats are Django's.
"""
