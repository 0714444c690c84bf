"""The public catalogue's filters and the counts shown next to their options."""

import django_filters
from django import forms
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from territories.models import Participation, Territory

from .models import Fabrique, Transition
from .search import fabriques_search


def _with_confirmed_territory(lookup: Q) -> Exists:
    # A subquery rather than a join: a Fabrique with several territories in
    # the same région must be listed, and counted, once.
    return Exists(Participation.objects.confirmed().filter(lookup, fabrique=OuterRef("pk")))


class IntegerFilter(django_filters.NumberFilter):
    # Years and ids: integers, so a selected value reads back as in the options.
    field_class = forms.IntegerField


class PublicFabriqueFilter(django_filters.FilterSet):
    """Filters of the catalogue. Inputs are plain values (the options and their
    counts come from ``facets``), so the form costs no query to validate."""

    q = django_filters.CharFilter(label=_("Rechercher"), method="filter_text")
    edition = IntegerFilter(label=_("Édition"))
    transition = django_filters.ChoiceFilter(
        label=_("Transition"), field_name="transitions__code", choices=Transition.Code.choices
    )
    partner = IntegerFilter(
        label=_("Organisation partenaire"), field_name="partnerships__organisation"
    )
    territory_kind = django_filters.ChoiceFilter(
        label=_("Nature du territoire"), choices=Territory.Kind.choices, method="filter_territory"
    )
    region = django_filters.CharFilter(label=_("Région"), method="filter_territory")
    departement = django_filters.CharFilter(label=_("Département"), method="filter_territory")
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=Fabrique.Status.choices)

    TERRITORY_LOOKUPS = {
        "territory_kind": "territory__kind",
        "region": "territory__departement__region",
        "departement": "territory__departement",
    }

    class Meta:
        model = Fabrique
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        return fabriques_search(queryset, value)

    def filter_territory(self, queryset, name, value):
        return queryset.filter(
            _with_confirmed_territory(Q(**{self.TERRITORY_LOOKUPS[name]: value}))
        )

    def queryset_without(self, excluded: str):
        """The Fabriques every active filter but ``excluded`` gives: what each of
        that filter's options is counted within."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != excluded:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def facets(self) -> dict[str, list[dict]]:
        """For each filter with options, its options and how many Fabriques each
        would give: one aggregate query per filter, whatever the number of options."""
        self.form.is_valid()
        return {
            "edition": self._fabrique_facet("edition", "edition", None, "-edition"),
            "transition": self._fabrique_facet(
                "transition", "transitions__code", None, "transitions__code"
            ),
            "partner": self._fabrique_facet(
                "partner",
                "partnerships__organisation",
                "partnerships__organisation__name",
                "partnerships__organisation__name",
            ),
            "territory_kind": self._territory_facet("territory_kind", "territory__kind", None),
            "region": self._territory_facet(
                "region", "territory__departement__region", "territory__departement__region__name"
            ),
            "departement": self._territory_facet(
                "departement", "territory__departement", "territory__departement__name"
            ),
            "status": self._fabrique_facet("status", "status", None, "status"),
        }

    def _fabrique_facet(self, name, value_field, label_field, ordering):
        fields = [value_field, label_field] if label_field else [value_field]
        rows = (
            Fabrique.objects.filter(pk__in=self.queryset_without(name).values("pk"))
            .exclude(**{f"{value_field}__isnull": True})
            .values(*fields)
            .annotate(count=Count("pk", distinct=True))
            .order_by(ordering)
        )
        return self._options(name, rows, value_field, label_field)

    def _territory_facet(self, name, value_field, label_field):
        fields = [value_field, label_field] if label_field else [value_field]
        rows = (
            Participation.objects.confirmed()
            .filter(fabrique__in=self.queryset_without(name).values("pk"))
            .values(*fields)
            .annotate(count=Count("fabrique", distinct=True))
            .order_by(label_field or value_field)
        )
        return self._options(name, rows, value_field, label_field)

    def _options(self, name, rows, value_field, label_field):
        choices = dict(getattr(self.filters[name].field, "choices", None) or [])
        selected = str(self.form.cleaned_data.get(name) or "")
        options = []
        for row in rows:
            value = row[value_field]
            if label_field:
                label = row[label_field]
            else:
                label = choices.get(value, value)
            if name == "departement":
                label = f"{value} — {label}"
            options.append(
                {
                    "value": str(value),
                    "label": label,
                    "count": row["count"],
                    "selected": str(value) == selected,
                }
            )
        return options
