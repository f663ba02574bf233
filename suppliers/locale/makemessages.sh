#!/bin/sh
# Refresh the suppliers app's catalog (suppliers/locale/<lang>/LC_MESSAGES/django.po) from
# the app's Python and templates/suppliers/**, and nothing else: makemessages runs in a
# scratch directory holding only symlinks to those two trees. Then compile the .mo.
# Usage: suppliers/locale/makemessages.sh [lang ...]   (default: de); called by `make messages`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
django_admin="${DJANGO_ADMIN:-$repo/.venv/bin/django-admin}"
[ $# -gt 0 ] || set -- de
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ln -s "$repo/suppliers" "$scratch/suppliers"
ln -s "$repo/templates/suppliers" "$scratch/templates_suppliers"
for lang in "$@"; do
    mkdir -p "$here/$lang/LC_MESSAGES"
    # Start from the current catalog so translations are kept (makemessages merges).
    mkdir -p "$scratch/locale/$lang/LC_MESSAGES"
    if [ -f "$here/$lang/LC_MESSAGES/django.po" ]; then
        cp "$here/$lang/LC_MESSAGES/django.po" "$scratch/locale/$lang/LC_MESSAGES/django.po"
    fi
    (cd "$scratch" && env -u DJANGO_SETTINGS_MODULE "$django_admin" makemessages -l "$lang" --symlinks --no-obsolete \
        --ignore 'suppliers/locale/*' --ignore '*/migrations/*' --ignore 'suppliers/api/*' \
        --ignore 'suppliers/edi/*' --ignore 'suppliers/demo/*' --ignore 'suppliers/erp/*' \
        --add-location file)
    cp "$scratch/locale/$lang/LC_MESSAGES/django.po" "$here/$lang/LC_MESSAGES/django.po"
done
(cd "$repo/suppliers" && env -u DJANGO_SETTINGS_MODULE "$django_admin" compilemessages --ignore '.venv*')
