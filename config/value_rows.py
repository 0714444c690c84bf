"""Rows read as plain values, built into unsaved model instances only when
something must print them.

A page whose table is a cached fragment (``{% fragment_cache %}``) or whose
body is cached under a digest of its data (the iCal feed) needs the rows'
values for the key on every request, but the model instances only when the
cache misses. Reading ``values_list`` rows and hashing them costs a fraction
of instantiating models with their related objects and describing them
(measured on the dashboard's 80 roadmaps still to adopt: 7 ms → under 1 ms).

``value_rows(queryset, *fields)`` reads the rows; iterating over it builds,
once, unsaved instances of the queryset's model holding exactly those fields,
with their related objects, so the models' own display rules (``__str__``,
``get_FOO_display``, properties) apply in the template.

Fields are named as for ``values_list``: ``"theme"``, an annotation
(``"note_due_date"``), ``"fabrique_id"``, or a path through relations
(``"participation__territory__name"``, ``"roadmap__status"`` across a reverse
one-to-one). A related object whose values are all null is None (a LEFT JOIN
that found nothing): list its ``pk`` where its other values may all be null.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet

from config.compiled_rows import compiled_rows


class ValueRows:
    """Rows of plain values (``rows``), iterated as the instances ``build``
    makes of them, built on the first iteration only. ``build`` must use
    nothing but the row: a cache key made of the rows covers what it prints."""

    def __init__(self, rows: Iterable[tuple], build: Callable[[tuple], object]):
        self.rows = list(rows)
        self._build = build
        self._built = None

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        if self._built is None:
            self._built = [self._build(row) for row in self.rows]
        return iter(self._built)


def value_rows(queryset: QuerySet, *fields: str, sql_key: Hashable = None) -> ValueRows:
    """The queryset's ``fields`` as plain rows, built as its model's instances
    when iterated (see the module's docstring). ``sql_key``: plain values that
    decide the query entirely (the day it is built for), under which its SQL
    is compiled once (``compiled_rows``)."""
    values = queryset.values_list(*fields)
    rows = values if sql_key is None else compiled_rows(sql_key, lambda: values)
    return ValueRows(rows, instance_builder(queryset.model, fields))


def instance_builder(model: type[Model], fields: Iterable[str]) -> Callable[[tuple], Model]:
    """A function making an unsaved ``model`` instance, with its related
    objects, of a row of ``values_list(*fields)``."""
    return _shape(model, [(path, index) for index, path in enumerate(fields)]).build


@dataclass
class _Shape:
    """Where each value of a row goes: the model's own fields (by keyword),
    annotations (set as attributes), and the related objects (each a shape)."""

    model: type[Model]
    own: list[tuple[str, int]] = field(default_factory=list)
    annotations: list[tuple[str, int]] = field(default_factory=list)
    related: list[tuple[object, "_Shape"]] = field(default_factory=list)

    def build(self, row: tuple) -> Model:
        instance = self.model(**{name: row[index] for name, index in self.own})
        for name, index in self.annotations:
            setattr(instance, name, row[index])
        for relation, shape in self.related:
            related = shape.build(row) if shape.holds_values(row) else None
            # Cached even when None: reading it then asks the database nothing
            # (assigning None to a reverse one-to-one would cache nothing).
            relation.set_cached_value(instance, related)
            if relation.concrete and related is not None:
                # The key read as "fabrique_id", or else the related pk read.
                if related.pk is None:
                    related.pk = getattr(instance, relation.attname)
                else:
                    setattr(instance, relation.attname, related.pk)
        return instance

    def holds_values(self, row: tuple) -> bool:
        return any(row[index] is not None for _, index in self.own + self.annotations) or any(
            shape.holds_values(row) for _, shape in self.related
        )


def _shape(model: type[Model], paths: list[tuple[str, int]]) -> _Shape:
    shape = _Shape(model)
    through: dict[str, list[tuple[str, int]]] = {}
    for path, index in paths:
        name, _, rest = path.partition("__")
        if rest:
            through.setdefault(name, []).append((rest, index))
        elif name == "pk":
            shape.own.append((model._meta.pk.attname, index))
        else:
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:  # an annotation of the queryset
                shape.annotations.append((name, index))
            else:
                shape.own.append((model_field.attname, index))
    for name, rest in through.items():
        relation = model._meta.get_field(name)
        shape.related.append((relation, _shape(relation.related_model, rest)))
    return shape
