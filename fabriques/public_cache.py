"""Cached fragments of the public pages (home, catalogue, map, Fabrique page).

The key figures, the catalogue's facet counts, the map's coloured SVG and a
Fabrique's transitions, partners and territories are the same for every
visitor and change only when the programme's data does, yet they cost several
aggregate queries and a few milliseconds each. They are kept
in the ``fragments`` cache under a key holding the **public version**: an
opaque token bumped (replaced by a fresh random one) whenever a Fabrique,
Participation, Partnership, Territory, GeneratedPdf (or the small tables their
labels come from) is saved or deleted, so a change shows on the next request.

Why two caches:

- the fragments live in a per-process local-memory cache ("fragments" alias):
  reading them costs no query, and a stale entry of another version is never
  read again (it just ages out);
- the version token lives in the ``default`` cache, the database one, shared
  by every process (gunicorn workers, Celery), so a save in one process makes
  all of them recompute. Reading it is the one query a cached page pays. The
  token is written through the same database connection, inside the saving
  transaction: other processes see the new token exactly when they can see the
  new rows, never before (which would let them cache the old rows under the
  new token). Each process reuses the token it read for one second
  (``VERSION_MEMO_SECONDS``), so a change shows on the other processes within
  a second, and busy public pages pay no query for it. A token lost to the
  cache's culling is simply replaced by a new random one: never an old token
  again, so never a stale fragment.

Bulk writes (``QuerySet.update``, ``bulk_create``) send no signal, and the
admin's "publier / retirer du catalogue" actions are bulk updates. So nothing
that names a Fabrique is cached on its own: the Fabriques listed (home,
catalogue) and the Fabrique of a page are always read live, only counts and
the relations of a Fabrique still public are (its transitions, partners,
territories, and the documents it has published, each download of which is
checked live again). Counts may lag a bulk write by
at most ``FRAGMENT_TIMEOUT``; code doing bulk writes of public data should
call ``bump_public_version()``.
"""

import hashlib
import time
import uuid

from django.core.cache import caches
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "public-pages:version"
FRAGMENTS = "fragments"
# Backstop for writes that send no signal; the version does the real work.
FRAGMENT_TIMEOUT = 5 * 60

# Models whose rows feed the cached fragments (app_label.ModelName).
WATCHED_MODELS = (
    "fabriques.Fabrique",
    "fabriques.Partnership",
    "fabriques.Organisation",
    "fabriques.Transition",
    "territories.Participation",
    "territories.Territory",
    "territories.Departement",
    "territories.Region",
    "deliverables.GeneratedPdf",
    "deliverables.TransversalNote",
)


def _fragments():
    return caches[FRAGMENTS]


# The token as this process last read it, reused for VERSION_MEMO_SECONDS by
# requests outside any transaction: a public page then pays no query for it,
# and another process's change shows here within that second (this process's
# own changes at once: a bump forgets the memo). Inside a transaction the token
# is always read through the connection, which sees that transaction's own
# uncommitted bump; nothing read there is memorised, so a rolled-back token is
# never reused.
VERSION_MEMO_SECONDS = 1.0
_memo: dict[str, tuple[str, float]] = {}


def public_version() -> str:
    """The current public version (one read of the database cache, at most
    once a second outside transactions)."""
    outside_transaction = not connection.in_atomic_block
    if outside_transaction:
        token, read_at = _memo.get("version", (None, 0.0))
        if token is not None and time.monotonic() - read_at < VERSION_MEMO_SECONDS:
            return token
    version = caches["default"].get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add(): two processes starting at once keep the same token.
        if not caches["default"].add(VERSION_KEY, version, timeout=None):
            version = caches["default"].get(VERSION_KEY) or version
    if outside_transaction:
        _memo["version"] = (version, time.monotonic())
    return version


def forget_memorised_version() -> None:
    _memo.clear()


def bump_public_version(**_kwargs) -> None:
    """Make every cached public fragment obsolete, in every process."""
    forget_memorised_version()
    caches["default"].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def fragment_key(name: str, version: str, *parts) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32] if parts else "-"
    return f"public:{name}:{version}:{digest}"


def cached_fragment(name: str, compute, *parts, version: str | None = None):
    """``compute()``, cached for ``version`` (read if not given) and ``parts``
    (whatever the fragment depends on besides the data: filters, day, language)."""
    from django.utils.translation import get_language

    key = fragment_key(name, version or public_version(), get_language(), *parts)
    value = _fragments().get(key)
    if value is None:
        value = compute()
        _fragments().set(key, value, FRAGMENT_TIMEOUT)
    return value


def connect_signals() -> None:
    """Bump the version on every save or delete of a watched model (called
    from ``FabriquesConfig.ready``)."""
    from django.apps import apps

    for label in WATCHED_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        uid = f"public-cache-{label}"
        post_save.connect(bump_public_version, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(bump_public_version, sender=model, dispatch_uid=uid + "-delete")
    # Fabrique.transitions is a many-to-many: adding one sends no post_save.
    fabrique = apps.get_model("fabriques.Fabrique")
    m2m_changed.connect(
        _m2m_changed,
        sender=fabrique.transitions.through,
        dispatch_uid="public-cache-fabrique-transitions",
    )


def _m2m_changed(action, **_kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        bump_public_version()
