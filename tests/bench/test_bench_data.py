"""The benchmark's dataset (bench/dataset.py) at a tiny scale: the shape issue 9
asks for, in proportion, and the same rows from the same seed."""

from datetime import date

import pytest
from django.db import transaction

from bench.dataset import (
    ACTIONS_PER_ROADMAP,
    NOTE_VERSIONS,
    TERRITORIES_PER_FABRIQUE,
    WORKING_GROUP_SIZE,
    build,
)
from deliverables.models import Action, Roadmap
from fabriques.models import Fabrique, TeamMember
from seminars.models import NoteVersion, Seminar
from territories.models import Participation, ParticipationContact, WorkingGroupMember

TODAY = date(2026, 11, 24)
SCALE = 0.01  # two Fabriques of 8 territories


def _fingerprint() -> dict:
    """The dataset's content without its primary keys."""
    return {
        "fabriques": list(
            Fabrique.objects.order_by("slug").values_list("slug", "status", "start_date")
        ),
        "participations": list(
            Participation.objects.order_by("fabrique__slug", "territory__name").values_list(
                "fabrique__slug", "territory__name", "status"
            )
        ),
        "seminars": list(
            Seminar.objects.order_by(
                "fabrique__slug", "window_start", "kind", "number", "pk"
            ).values_list("fabrique__slug", "kind", "number", "status", "starts_at")
        ),
        "actions": list(
            Action.objects.order_by(
                "roadmap__participation__fabrique__slug",
                "roadmap__participation__territory__name",
                "roadmap__participation__territory_id",
                "position",
            ).values_list("title", "status", "budget_eur")
        ),
        "working_group": sorted(WorkingGroupMember.objects.values_list("last_name", "college")),
        "notes": sorted(NoteVersion.objects.values_list("version", "size", "sha256")),
    }


@pytest.fixture
def built(db, settings, tmp_path):
    return build(seed=7, scale=SCALE, today=TODAY, media_root=settings.MEDIA_ROOT)


def test_dataset_has_the_issue_shape_in_proportion(built, settings):
    fabriques = Fabrique.objects.count()
    participations = Participation.objects.count()
    assert fabriques == 2
    assert participations == fabriques * TERRITORIES_PER_FABRIQUE
    # 4 intersite per Fabrique; an immersion day and 4 local seminars per territory.
    assert Seminar.objects.filter(kind="intersite").count() == 4 * fabriques
    assert Seminar.objects.filter(kind="immersion").count() == participations
    assert Seminar.objects.filter(kind="local").count() == 4 * participations
    held = Seminar.objects.filter(status=Seminar.Status.HELD).count()
    assert held > 0
    assert NoteVersion.objects.count() == NOTE_VERSIONS * held
    assert Roadmap.objects.count() == participations
    assert Action.objects.count() == ACTIONS_PER_ROADMAP * participations
    assert WorkingGroupMember.objects.count() == WORKING_GROUP_SIZE * participations
    assert ParticipationContact.objects.count() == 2 * participations
    assert TeamMember.objects.count() == 4 * fabriques
    assert built.counts["ical_persona_seminars"] > 0
    # The note versions point to small files that exist.
    note = NoteVersion.objects.first()
    assert (settings.MEDIA_ROOT / note.file.name).stat().st_size == note.size


def test_same_seed_gives_the_same_rows(db, settings):
    with transaction.atomic():
        build(seed=7, scale=SCALE, today=TODAY, media_root=settings.MEDIA_ROOT)
        first = _fingerprint()
        transaction.set_rollback(True)
    assert not Fabrique.objects.exists()
    build(seed=7, scale=SCALE, today=TODAY, media_root=settings.MEDIA_ROOT)
    assert _fingerprint() == first


def test_refuses_a_database_that_already_has_fabriques(built, settings):
    with pytest.raises(ValueError):
        build(seed=7, scale=SCALE, today=TODAY, media_root=settings.MEDIA_ROOT)
