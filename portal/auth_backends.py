"""The authentication backend: allauth's (email login), with a `get_user` that loads in one
query what a signed-in request needs before its view runs.

Every signed-in request rebuilds `request.user` from the session. With the stock backend
that was a query for the user, then one each for their groups, their supplier membership
and its supplier (roles, navigation, tenancy). Here one query reads the user, the
membership and its supplier (left joins) and the user's group names (PostgreSQL: an array
subquery; elsewhere, e.g. SQLite for the demo, whether the user is in any group, and an
internal user's names are read when first needed). Supplier users, the many, are in no
group, so `portal.access.user_roles` needs no further query for anyone on PostgreSQL.

The query's SQL is written once per process from the models' metadata (`_UserQuery`), and
its row turned into model instances with `Model.from_db`: the ORM compiling the same
select-related query on every request cost more than the query itself (issue 24: 1.4 ms of
Python against 0.3 ms in PostgreSQL). The row itself is kept per process between requests
(`portal.auth_cache`) under a generation read with the session and replaced by every change
to a user, group, membership or supplier, so a changed group, membership or password still
takes effect on the next request; each request builds its own instances from the row.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Model

from portal import auth_cache
from portal.access import GROUP_NAMES_ATTRIBUTE


class _UserQuery:
    """The SQL of user + membership + supplier + group names, and its row → instances."""

    def __init__(self, alias: str) -> None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        self.alias = alias
        # Any: the stubs type these metadata look-ups more narrowly than they are.
        self.user_model: Any = get_user_model()
        membership_relation: Any = self.user_model._meta.get_field("supplier_membership")
        self.membership_relation = membership_relation
        self.membership_model: Any = membership_relation.related_model
        supplier_fk: Any = self.membership_model._meta.get_field("supplier")
        self.supplier_model: Any = supplier_fk.related_model
        # Per model: its class, attribute names, the primary key's index, (column, converters).
        self.parts: list[tuple[type[Model], list[str], int, list[tuple[Any, list[Any]]]]] = []
        columns: list[str] = []
        for table_alias, model in (
            ("u", self.user_model),
            ("m", self.membership_model),
            ("s", self.supplier_model),
        ):
            fields = list(model._meta.concrete_fields)
            cols = [field.get_col(table_alias) for field in fields]
            converters = [
                connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                for col in cols
            ]
            self.parts.append(
                (
                    model,
                    [f.attname for f in fields],
                    fields.index(model._meta.pk),
                    list(zip(cols, converters, strict=True)),
                )
            )
            columns += [f"{table_alias}.{quote(field.column)}" for field in fields]
        groups: Any = self.user_model._meta.get_field("groups")
        through = quote(groups.remote_field.through._meta.db_table)
        user_column = quote(groups.m2m_column_name())
        group_column = quote(groups.m2m_reverse_name())
        group_table = quote(groups.related_model._meta.db_table)
        user_pk = quote(self.user_model._meta.pk.column)
        self.with_names = connection.vendor == "postgresql"
        if self.with_names:
            columns.append(
                f"ARRAY(SELECT g.{quote('name')} FROM {group_table} g INNER JOIN {through} ug"
                f" ON ug.{group_column} = g.{quote(groups.related_model._meta.pk.column)}"
                f" WHERE ug.{user_column} = u.{user_pk})"
            )
        else:
            columns.append(
                f"EXISTS(SELECT 1 FROM {through} ug WHERE ug.{user_column} = u.{user_pk})"
            )
        membership_user = quote(membership_relation.field.column)
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {quote(self.user_model._meta.db_table)} u"
            f" LEFT OUTER JOIN {quote(self.membership_model._meta.db_table)} m"
            f" ON m.{membership_user} = u.{user_pk}"
            f" LEFT OUTER JOIN {quote(self.supplier_model._meta.db_table)} s"
            f" ON s.{quote(self.supplier_model._meta.pk.column)} = m.{quote(supplier_fk.column)}"
            f" WHERE u.{user_pk} = %s"
        )

    def get(self, user_id: Any) -> Any:
        connection = connections[self.alias]
        pk = self.user_model._meta.pk.get_db_prep_value(
            self.user_model._meta.pk.to_python(user_id), connection
        )
        generation = auth_cache.take_generation()
        row = auth_cache.kept_row(self.alias, pk, generation) if generation else None
        if row is None:
            with connection.cursor() as cursor:
                cursor.execute(self.sql, [pk])
                row = cursor.fetchone()
            if row is None:
                return None
            if generation:
                auth_cache.keep_row(self.alias, pk, generation, tuple(row))
        return self._instances(row)

    def _instances(self, row: Any) -> Any:
        """Fresh user, membership and supplier instances from the row (the database's
        values, converted here: a kept row is never shared as instances)."""
        connection = connections[self.alias]
        values = list(row)
        instances: list[Any] = []
        position = 0
        for model, attnames, pk_index, columns in self.parts:
            converted = []
            for col, converters in columns:
                value = values[position]
                position += 1
                for converter in converters:
                    value = converter(value, col, connection)
                converted.append(value)
            has_row = converted[pk_index] is not None
            instances.append(model.from_db(self.alias, attnames, converted) if has_row else None)
        user, membership, supplier = instances
        # What select_related caches: reading user.supplier_membership (or finding there
        # is none) and membership.supplier needs no query.
        self.membership_relation.set_cached_value(user, membership)
        if membership is not None:
            membership_meta = self.membership_model._meta
            membership_meta.get_field("user").set_cached_value(membership, user)
            membership_meta.get_field("supplier").set_cached_value(membership, supplier)
        extra = values[position]
        if self.with_names:
            setattr(user, GROUP_NAMES_ATTRIBUTE, frozenset(extra or ()))
        elif not extra:
            setattr(user, GROUP_NAMES_ATTRIBUTE, frozenset())
        return user


_queries: dict[str, _UserQuery] = {}


def _user_query() -> _UserQuery:
    alias = router.db_for_read(get_user_model())
    query = _queries.get(alias)
    if query is None or query.with_names != (connections[alias].vendor == "postgresql"):
        query = _queries[alias] = _UserQuery(alias)
    return query


class PortalAuthenticationBackend(AuthenticationBackend):
    """allauth's backend; `get_user` loads the user with membership, supplier and group
    names in one query."""

    def get_user(self, user_id):
        try:
            user = _user_query().get(user_id)
        except (ValidationError, ValueError, TypeError):  # a session holding no valid id
            return None
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
