"""``{% fragment_cache %}``: a rendered fragment kept under a digest of exactly
the data it shows.

    {% load fragment_cache %}
    {% fragment_cache "calendar-table" seminars caption show_notes %}
      ... what only these variables decide ...
    {% endfragment_cache %}

The key is a SHA-256 of the fragment's name, the language and the full state
of every argument: for a model instance, every field value it holds (annotations
included) and, recursively, the related objects it carries (``select_related``,
prefetched lists); for a list or a queryset, each of its items. Any change of
what the fragment can print is therefore a new key: there is nothing to
invalidate, and a stale fragment is never read. Two people with the same rows
and the same flags would see the same HTML anyway, so sharing the entry leaks
nothing; what decides the fragment must still all be passed as arguments (a
variable read inside the block but not passed is not part of the key).

Entries live in the per-process ``fragments`` cache (``FRAGMENT_TIMEOUT``).
Rendering a table of a few dozen seminars row by row (dates in words, status
labels, links) costs several milliseconds; reading the entry costs the digest.
"""

import dataclasses
import datetime
import hashlib
import pickle
from decimal import Decimal
from uuid import UUID

from django import template
from django.core.cache import caches
from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import get_language

from config.value_rows import ValueRows

register = template.Library()

FRAGMENTS = "fragments"
FRAGMENT_TIMEOUT = 10 * 60
# Related objects are followed this deep (seminar → participation → territory → …).
MAX_DEPTH = 6


def fragment_state(value, seen: set | None = None, depth: int = 0):
    """A hashable, printable description of everything ``value`` holds."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, ValueRows):
        # Plain values: the rows are the state, and nothing needs building.
        return (ValueRows.__name__, *value.rows)
    if seen is None:
        seen = set()
    if isinstance(value, Model):
        if id(value) in seen:
            # Already described in full: its identity suffices here.
            return ("seen", type(value).__name__, value.pk)
        if depth > MAX_DEPTH:
            return _fields(value)
        seen.add(id(value))
        # One pass over the instance's attributes (a table's key walks every
        # row): loaded fields and annotations as they are, and the lists and
        # models it carries (``to_attr`` prefetches, objects set by a view)
        # described in turn.
        own, carried = [], []
        for name, attribute in value.__dict__.items():
            if name[0] == "_":
                continue
            kind = type(attribute)
            if kind in _PLAIN_TYPES:
                own.append((name, attribute))
            elif isinstance(attribute, list | tuple | Model):
                carried.append((name, fragment_state(attribute, seen, depth + 1)))
            else:
                own.append((name, _plain(attribute)))
        state = [type(value).__name__, value.pk, tuple(own), *carried]
        for name, related in value._state.fields_cache.items():
            state.append((name, fragment_state(related, seen, depth + 1)))
        prefetched = getattr(value, "_prefetched_objects_cache", None)
        if prefetched:
            for name, rows in prefetched.items():
                state.append((name, fragment_state(list(rows), seen, depth + 1)))
        return tuple(state)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A row built for a template (a line of the year view): its fields,
        # models among them described in full, not by their repr.
        return (
            type(value).__name__,
            *(
                (item.name, fragment_state(getattr(value, item.name), seen, depth + 1))
                for item in dataclasses.fields(value)
            ),
        )
    if isinstance(value, list | tuple | QuerySet):
        return tuple(fragment_state(item, seen, depth + 1) for item in value)
    if isinstance(value, dict):
        # In insertion order: the same data built the same way gives the same key.
        return tuple(
            (_plain(key), fragment_state(item, seen, depth + 1)) for key, item in value.items()
        )
    return _plain(value)


# Values pickled as they are (pickle is several times faster than repr for
# dates); anything else is described by its repr (or its text, for a lazy one).
_PLAIN = (str, int, float, bool, type(None), datetime.date, datetime.time, Decimal, UUID)


def _plain(value):
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Promise):
        return str(value)
    return repr(value)


# The exact types of most field values (checked first: the digest of a table
# walks every value of every row).
_PLAIN_TYPES = frozenset(
    (str, int, float, bool, type(None), datetime.date, datetime.datetime, Decimal, UUID)
)


def _fields(instance: Model) -> tuple:
    """The instance's own values: loaded fields and annotations."""
    values = []
    for name, value in instance.__dict__.items():
        if name[0] == "_":
            continue
        if type(value) in _PLAIN_TYPES:
            values.append((name, value))
        elif not isinstance(value, list | tuple | Model):
            values.append((name, _plain(value)))
    return tuple(values)


def fragment_key(name: str, values) -> str:
    state = (name, get_language(), fragment_state(list(values)))
    digest = hashlib.sha256(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()
    return f"fragment:{name}:{digest}"


class FragmentCacheNode(template.Node):
    def __init__(self, name, values, nodelist):
        self.name, self.values, self.nodelist = name, values, nodelist

    def render(self, context):
        name = self.name.resolve(context)
        key = fragment_key(name, (value.resolve(context) for value in self.values))
        cache = caches[FRAGMENTS]
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, html, FRAGMENT_TIMEOUT)
        return html


@register.tag("fragment_cache")
def do_fragment_cache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("fragment_cache needs a name")
    nodelist = parser.parse(("endfragment_cache",))
    parser.delete_first_token()
    return FragmentCacheNode(
        parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], nodelist
    )
