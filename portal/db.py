"""Small query helpers shared by the apps."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)
R = TypeVar("R")


def one_or_none(queryset: QuerySet[Any, R]) -> R | None:
    """The row of a lookup by a unique key, or None.

    Not ``first()``: that adds ``ORDER BY pk``, and with ``LIMIT 1`` PostgreSQL may then walk
    the primary-key index through every row of a big merchant (it did, 6 ms at 10k payments,
    growing with the table) instead of using the unique index of the lookup.
    """
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None


class RowLookup(Generic[M]):
    """``SELECT`` one row of ``model`` by equality on ``columns``: SQL and converters built once.

    For the hottest reads (a payment by its order id on every API call): Django compiles a
    100-column query in ~1.5 ms and converts each value through generic machinery; this
    does the same work once per process and then costs a round trip and a loop. The result
    is the model instance the ORM would build (``from_db``, every field's converters).
    """

    def __init__(self, model: type[M], *columns: str):
        self.model = model
        self.columns = columns
        self._compiled: dict[str, tuple[str, list[str], list[tuple[int, list, object]]]] = {}

    def _compile(self, connection) -> tuple[str, list[str], list[tuple[int, list, object]]]:
        if connection.alias not in self._compiled:
            opts = self.model._meta
            qn = connection.ops.quote_name
            fields = list(opts.concrete_fields)
            select = ", ".join(qn(f.column) for f in fields)
            where = " AND ".join(f"{qn(opts.get_field(c).column)} = %s" for c in self.columns)
            # Quoted names from the model; the values are parameters.
            sql = f"SELECT {select} FROM {qn(opts.db_table)} WHERE {where} LIMIT 1"  # noqa: S608
            converters = []
            for index, field in enumerate(fields):
                col = field.get_col(opts.db_table)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if found:
                    converters.append((index, found, col))
            self._compiled[connection.alias] = (sql, [f.attname for f in fields], converters)
        return self._compiled[connection.alias]

    def get(self, *values: object) -> M | None:
        from django.db import connections, router

        connection = connections[router.db_for_read(self.model)]
        sql, names, converters = self._compile(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for index, functions, col in converters:
            for function in functions:
                row[index] = function(row[index], col, connection)
        return self.model.from_db(connection.alias, names, row)
