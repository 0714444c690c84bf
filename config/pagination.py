"""A paginator that reads a page and the total number of rows in one query."""

from django.core.paginator import Paginator
from django.db.models import Count, Window


class WindowCountPaginator(Paginator):
    """``Paginator`` over a queryset, whose ``get_page`` reads the requested
    page with ``COUNT(*) OVER ()`` beside each row (the rows of the whole
    result, counted after any GROUP BY) instead of a COUNT query first: one
    query instead of two for the page a visitor asked for. A number past the
    last page (or not a number) falls back to ``Paginator``: a count, then the
    page it leads to."""

    TOTAL = "window_count_total"

    def get_page(self, number):
        try:
            number = int(number) if number is not None else 1
        except (TypeError, ValueError):
            return super().get_page(number)
        # Orphans move rows between pages; with DISTINCT, the window would
        # count the rows before duplicates are removed.
        if number < 1 or self.orphans or self.object_list.query.distinct:
            return super().get_page(number)
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(**{self.TOTAL: Window(Count("*"))})[
                bottom : bottom + self.per_page
            ]
        )
        if not rows:
            if number == 1:
                self.count = 0  # cached_property: set once, read by the page
                return self._get_page(rows, number, self)
            return super().get_page(number)
        self.count = getattr(rows[0], self.TOTAL)
        return self._get_page(rows, number, self)
