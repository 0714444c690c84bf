"""Text search of the public catalogue: titles, objectives and territory names."""

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from territories.models import Participation


def fabriques_search(queryset: QuerySet, text: str) -> QuerySet:
    """Fabriques of ``queryset`` matching ``text`` in their title, short title,
    objective or the name of one of their confirmed territories.

    PostgreSQL gets a French full-text search that ignores accents (people type
    "ecologique" for «écologique», and stemming lets "industriel" find
    «industriels»); other databases, used for development, a plain substring match.
    """
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        return _postgres_search(queryset, text)
    return _substring_search(queryset, text)


def _confirmed_territories(name_lookup: Q) -> Exists:
    # A subquery rather than a join, so a Fabrique with several matching
    # territories is listed once.
    return Exists(Participation.objects.confirmed().filter(name_lookup, fabrique=OuterRef("pk")))


def _substring_search(queryset: QuerySet, text: str) -> QuerySet:
    return queryset.filter(
        Q(title__icontains=text)
        | Q(short_title__icontains=text)
        | Q(objective__icontains=text)
        | _confirmed_territories(Q(territory__name__icontains=text))
    )


def _postgres_search(queryset: QuerySet, text: str) -> QuerySet:
    # Imported here: these modules need psycopg, which SQLite set-ups may lack.
    from django.contrib.postgres.lookups import Unaccent
    from django.contrib.postgres.search import SearchQuery, SearchVector

    query = SearchQuery(Unaccent(Value(text)), config="french", search_type="websearch")
    document = SearchVector(
        Unaccent("title"), Unaccent("short_title"), Unaccent("objective"), config="french"
    )
    territory_document = SearchVector(Unaccent("territory__name"), config="french")
    return queryset.annotate(search_document=document).filter(
        Q(search_document=query)
        | Exists(
            Participation.objects.confirmed()
            .annotate(search_document=territory_document)
            .filter(search_document=query, fabrique=OuterRef("pk"))
        )
    )
