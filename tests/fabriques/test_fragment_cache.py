"""{% fragment_cache %} (fabriques/templatetags/fragment_cache.py): a rendered
fragment is reused only while everything it was given is unchanged, the
related objects it carries included."""

import pytest
from django.core.cache import caches
from django.template import Context, Template

from fabriques.models import Fabrique, Transition
from seminars.models import Seminar
from territories.models import Participation, Territory

TEMPLATE = Template(
    "{% load fragment_cache %}"
    '{% fragment_cache "test-rows" rows flag %}'
    "{% for row in rows %}{{ row.theme }}/{{ row.participation.territory.name }}/"
    "{{ row.fabrique.transitions.all|join:',' }};{% endfor %}{{ flag }}"
    "{% endfragment_cache %}"
)


def render(rows, flag=False):
    return TEMPLATE.render(Context({"rows": rows, "flag": flag}))


def seminar(theme="Eau", territory="Nantes", transitions=("ecologique",)):
    fabrique = Fabrique(pk=1, title="F")
    fabrique._prefetched_objects_cache = {}
    queryset = fabrique.transitions.all()
    queryset._result_cache = [Transition(pk=n, code=c) for n, c in enumerate(transitions)]
    queryset._prefetch_done = True
    fabrique._prefetched_objects_cache = {"transitions": queryset}
    participation = Participation(pk=1, territory=Territory(pk=1, name=territory))
    return Seminar(pk=1, theme=theme, fabrique=fabrique, participation=participation)


@pytest.fixture(autouse=True)
def empty_cache():
    caches["fragments"].clear()


def test_the_same_data_reads_the_fragment_back():
    first = render([seminar()])
    assert first == "Eau/Nantes/Transition écologique;False"
    # Same values: the cached HTML (unchanged) is served.
    assert render([seminar()]) == first


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        ({"theme": "Air"}, "Air/Nantes/Transition écologique;False"),
        ({"territory": "Brest"}, "Eau/Brest/Transition écologique;False"),
        ({"transitions": ("economique",)}, "Eau/Nantes/Transition économique;False"),
    ],
)
def test_any_change_of_the_data_or_its_relations_renders_again(changed, expected):
    render([seminar()])
    assert render([seminar(**changed)]) == expected


def test_every_argument_is_part_of_the_key():
    render([seminar()])
    assert render([seminar()], flag=True) == "Eau/Nantes/Transition écologique;True"
    assert render([]) == "False"


def test_a_dataclass_row_is_keyed_on_its_fields_and_the_models_it_holds():
    """A row built for a template (the year view's lines) is described field by
    field: a model inside it counts with all its values, not its repr (which
    shows only the title)."""
    from dataclasses import dataclass

    @dataclass
    class Line:
        fabrique: Fabrique
        held: int

    template = Template(
        "{% load fragment_cache %}"
        '{% fragment_cache "test-lines" lines %}'
        "{% for line in lines %}{{ line.fabrique.title }} {{ line.fabrique.edition }} "
        "{{ line.held }};{% endfor %}"
        "{% endfragment_cache %}"
    )

    def render_lines(edition, held):
        line = Line(Fabrique(pk=1, title="F", edition=edition), held)
        return template.render(Context({"lines": [line]}))

    assert render_lines(2024, 2) == "F 2024 2;"
    assert render_lines(2025, 2) == "F 2025 2;"  # same repr, another edition
    assert render_lines(2025, 3) == "F 2025 3;"
    assert render_lines(2024, 2) == "F 2024 2;"


def test_value_rows_are_keyed_on_their_values_and_built_only_to_render():
    """The dashboard's long tables (config/value_rows.py): the key is the
    rows' values, and the objects the fragment prints are built only when it
    is rendered."""
    from config.value_rows import ValueRows

    built = []

    def build(row):
        built.append(row)
        pk, name = row
        return Territory(pk=pk, name=name)

    template = Template(
        "{% load fragment_cache %}"
        '{% fragment_cache "test-built" rows %}'
        "{% for territory in rows %}{{ territory.name }};{% empty %}aucun{% endfor %}"
        "{% endfragment_cache %}"
    )

    def render_rows(*rows):
        return template.render(Context({"rows": ValueRows(rows, build)}))

    assert render_rows((1, "Nantes"), (2, "Brest")) == "Nantes;Brest;"
    assert built == [(1, "Nantes"), (2, "Brest")]
    built.clear()
    # Same values: read back, nothing built.
    assert render_rows((1, "Nantes"), (2, "Brest")) == "Nantes;Brest;"
    assert built == []
    # Another value: built and rendered again.
    assert render_rows((1, "Nantes"), (2, "Lorient")) == "Nantes;Lorient;"
    assert built == [(1, "Nantes"), (2, "Lorient")]
    assert render_rows() == "aucun"
