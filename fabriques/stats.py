"""Key figures of the public home page, each one aggregate query."""

from django.db.models import Count, Min

from territories.models import Participation, Territory

from .models import Fabrique


def public_participations():
    # Only confirmed territories of public Fabriques are shown to the public.
    return Participation.objects.confirmed().filter(fabrique__is_public=True)


def key_figures() -> dict:
    fabriques = Fabrique.objects.public().aggregate(count=Count("pk"), since=Min("edition"))
    territories = public_participations().aggregate(count=Count("territory", distinct=True))
    kind_labels = dict(Territory.Kind.choices)
    by_kind = [
        {"label": kind_labels.get(row["territory__kind"], row["territory__kind"]), **row}
        for row in public_participations()
        .values("territory__kind")
        .annotate(count=Count("territory", distinct=True))
        .order_by("-count", "territory__kind")
    ]
    by_region = list(
        public_participations()
        .values("territory__departement__region__name")
        .annotate(count=Count("territory", distinct=True))
        .order_by("-count", "territory__departement__region__name")
    )
    return {
        "fabriques": fabriques["count"],
        "since": fabriques["since"],
        "territories": territories["count"],
        "by_kind": by_kind,
        "by_region": by_region,
    }
