"""When a seminar's note is due and when it is late, computed on a frozen day:
the pure method on one seminar and the SQL annotation that lists and counts use."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from seminars.models import NoteVersion, Seminar, SeminarProgress
from tests.factories import (
    FabriqueFactory,
    IntersiteSeminarFactory,
    NoteVersionFactory,
    ParticipationFactory,
    SeminarFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def participation():
    fabrique = FabriqueFactory(start_date=date(2027, 1, 1), note_due_days=15)
    return ParticipationFactory(fabrique=fabrique)


def held(participation, number, starts_at):
    return SeminarFactory(
        participation=participation,
        number=number,
        status=Seminar.Status.HELD,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
    )


def state(seminar, today):
    return Seminar.objects.with_note_state(today).get(pk=seminar.pk)


def test_a_note_is_due_note_due_days_after_the_paris_day_it_was_held(participation):
    # 23:30 UTC on 1 March is already 2 March in Paris.
    seminar = held(participation, 1, datetime(2027, 3, 1, 23, 30, tzinfo=UTC))
    assert seminar.note_due_on() == date(2027, 3, 17)
    assert state(seminar, date(2027, 3, 17)).note_due_date == date(2027, 3, 17)


def test_the_delay_is_the_fabriques_own(participation):
    participation.fabrique.note_due_days = 30
    participation.fabrique.save(update_fields=["note_due_days"])
    seminar = held(participation, 1, datetime(2027, 3, 2, 10, tzinfo=PARIS))
    seminar = Seminar.objects.select_related("fabrique").get(pk=seminar.pk)
    assert seminar.note_due_on() == date(2027, 4, 1)
    assert state(seminar, date(2027, 4, 1)).note_due_date == date(2027, 4, 1)


def test_a_seminar_not_held_owes_no_note(participation):
    planned = SeminarFactory(participation=participation, number=1)
    scheduled = SeminarFactory(
        participation=participation,
        number=2,
        status=Seminar.Status.SCHEDULED,
        starts_at=datetime(2027, 3, 2, 10, tzinfo=PARIS),
    )
    held_without_date = SeminarFactory(
        participation=participation, number=3, status=Seminar.Status.HELD
    )
    for seminar in (planned, scheduled, held_without_date):
        assert seminar.note_due_on() is None
        annotated = state(seminar, date(2028, 1, 1))
        assert annotated.note_due_date is None
        assert not annotated.note_late and not annotated.note_pending


def test_on_the_due_day_it_is_pending_the_day_after_it_is_late(participation):
    seminar = held(participation, 1, datetime(2027, 3, 2, 10, tzinfo=PARIS))
    on_time = state(seminar, date(2027, 3, 17))
    assert (on_time.note_pending, on_time.note_late) == (True, False)
    late = state(seminar, date(2027, 3, 18))
    assert (late.note_pending, late.note_late) == (False, True)


@pytest.mark.parametrize(
    ("status", "late"),
    [
        (NoteVersion.Status.DRAFT, True),
        (NoteVersion.Status.RETURNED, True),
        (NoteVersion.Status.SUBMITTED, False),
        (NoteVersion.Status.VALIDATED, False),
        (NoteVersion.Status.SHARED, False),
    ],
)
def test_only_a_version_that_reached_anct_settles_the_note(participation, status, late):
    seminar = held(participation, 1, datetime(2027, 3, 2, 10, tzinfo=PARIS))
    NoteVersionFactory(seminar=seminar, status=status)
    annotated = state(seminar, date(2027, 6, 1))
    assert annotated.note_late is late
    assert annotated.has_submitted_note is not late


def test_progress_counts_per_territory_and_for_the_intersite_seminars(participation):
    fabrique = participation.fabrique
    other = ParticipationFactory(fabrique=fabrique)
    held(participation, 1, datetime(2027, 2, 1, 10, tzinfo=PARIS))  # late on 1 March
    held(participation, 2, datetime(2027, 2, 25, 10, tzinfo=PARIS))  # due 12 March
    SeminarFactory(participation=participation, number=3, status=Seminar.Status.CANCELLED)
    SeminarFactory(participation=participation, number=4)
    SeminarFactory(participation=other, number=1, status=Seminar.Status.SCHEDULED)
    IntersiteSeminarFactory(
        fabrique=fabrique,
        number=1,
        status=Seminar.Status.HELD,
        starts_at=datetime(2027, 1, 20, 10, tzinfo=PARIS),
    )
    progress = Seminar.objects.filter(fabrique=fabrique).progress_by(
        "participation", date(2027, 3, 1)
    )
    assert progress == {
        participation.pk: SeminarProgress(held=2, upcoming=1, notes_pending=1, notes_late=1),
        other.pk: SeminarProgress(held=0, upcoming=1, notes_pending=0, notes_late=0),
        None: SeminarProgress(held=1, upcoming=0, notes_pending=0, notes_late=1),
    }
    by_fabrique = Seminar.objects.all().progress_by("fabrique", date(2027, 3, 1))
    assert by_fabrique[fabrique.pk] == SeminarProgress(
        held=3, upcoming=2, notes_pending=1, notes_late=2
    )


def test_the_method_and_the_annotation_agree_day_after_day(participation):
    seminars = [
        held(participation, number, datetime(2027, 3, day, hour, tzinfo=PARIS))
        for number, (day, hour) in enumerate([(1, 0), (10, 23), (20, 12)], start=1)
    ]
    seminars = list(
        Seminar.objects.select_related("fabrique").filter(pk__in=[s.pk for s in seminars])
    )
    for offset in range(0, 50, 3):
        today = date(2027, 3, 1) + timedelta(days=offset)
        annotated = {s.pk: s for s in Seminar.objects.with_note_state(today)}
        for seminar in seminars:
            due = seminar.note_due_on()
            assert annotated[seminar.pk].note_due_date == due
            assert annotated[seminar.pk].note_late is (today > due)
