"""The rows of a ``values_list`` queryset whose SQL is compiled once per key.

The ORM takes about a millisecond to build and compile a query with a few
joins, often more than PostgreSQL takes to run it (prepared statements spare
it the planning). Where the caller can name, with a few plain values, what
decides the query entirely (the iCal feed: the id lists of the owner's roles),
``compiled_rows(key, build)`` compiles ``build()`` once per key and process
and then runs the kept SQL with its parameters: the rows are read afresh every
time, only the text of the query is kept.

A queryset whose columns need converting from the database (a JSON field, a
custom ``from_db_value``), or whose annotations ``values_list`` would move
among the fields, is run through the ORM every time: its raw rows would differ
from what ``values_list`` gives.
"""

from collections.abc import Callable, Hashable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

_COMPILED: dict[Hashable, tuple[str, str | None, tuple] | None] = {}
_COMPILED_MAX = 1024


def compiled_rows(key: Hashable, build: Callable[[], QuerySet]) -> list[tuple]:
    """``list(build())`` for a ``values_list`` queryset that ``key`` decides
    entirely (see the module's docstring)."""
    if key in _COMPILED:
        compiled = _COMPILED[key]
        if compiled is None:  # converted columns: through the ORM
            return list(build())
    else:
        compiled = _compile(build())
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = compiled
        if compiled is None:
            return list(build())
    alias, sql, params = compiled
    if sql is None:  # a query that selects nothing (an empty IN list)
        return []
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _compile(queryset: QuerySet) -> tuple[str, str | None, tuple] | None:
    query = queryset.query
    selected = [*query.extra_select, *query.values_select, *query.annotation_select]
    if not queryset._fields or list(queryset._fields) != selected:
        return None  # not a values_list, or its rows reordered by the ORM
    compiler = query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return queryset.db, None, ()
    columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
    if compiler.get_converters(columns):
        return None
    return queryset.db, sql, tuple(params)
