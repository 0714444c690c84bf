"""What each kind of PDF job prints, and its fingerprint.

A source names what is rendered (``source_key``), its title, the rows it
hangs on, and the SHA-256 of the exact content printed: the job machinery
(deliverables.services.rendering) keeps one PDF per source and content.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from deliverables.models import GeneratedPdf, Roadmap, RoadmapVersion, TransversalNote
from deliverables.services.follow_up import follow_up_summary
from deliverables.services.roadmaps import roadmap_for_snapshot, roadmap_snapshot, snapshot_sha256
from fabriques.models import Fabrique
from seminars.antivirus import AVAILABLE
from territories.models import Participation

# Bump when a PDF template changes what it prints: every source then hashes
# differently and gets a fresh PDF instead of reusing one of the old layout.
RENDER_FORMAT = 1


def fingerprint(*parts) -> str:
    return snapshot_sha256({"render_format": RENDER_FORMAT, "parts": list(parts)})


def note_snapshot(note: TransversalNote) -> dict:
    return {
        "id": note.pk,
        "kind": note.kind,
        "kind_label": str(note.get_kind_display()),
        "title": note.title,
        "body": note.body,
        # A document in quarantine or refused by the antivirus is left out.
        "has_file": bool(note.file) and note.scan_status in AVAILABLE,
        "published_on": note.published_on.isoformat() if note.published_on else None,
    }


def publication_snapshot(fabrique: Fabrique) -> dict:
    """Everything the publication prints, as JSON-safe data: the Fabrique and
    its partners, each confirmed territory's latest adopted roadmap version
    (its frozen content) in territory order, and the transversal notes."""
    fabrique = Fabrique.objects.prefetch_related("transitions").get(pk=fabrique.pk)
    participations = (
        Participation.objects.confirmed()
        .filter(fabrique=fabrique)
        .select_related("territory")
        .order_by("territory__name", "pk")
    )
    versions = {}
    for version in (
        RoadmapVersion.objects.filter(roadmap__participation__in=participations)
        .select_related("roadmap")
        .order_by("roadmap_id", "-number")
    ):
        versions.setdefault(version.roadmap.participation_id, version)
    return {
        "fabrique": {
            "id": fabrique.pk,
            "title": fabrique.title,
            "display_title": fabrique.display_title,
            "edition": fabrique.edition,
            "objective": fabrique.objective,
            "start_date": fabrique.start_date.isoformat(),
            "end_date": fabrique.end_date.isoformat(),
            "transitions": [str(transition) for transition in fabrique.transitions.all()],
        },
        "partners": [
            {"name": partnership.organisation.name, "role": str(partnership.get_role_display())}
            for partnership in fabrique.partnerships.select_related("organisation")
        ],
        "territories": [
            {
                "name": participation.territory.name,
                "kind_label": str(participation.territory.get_kind_display())
                if participation.territory.kind
                else "",
                "version": (
                    versions[participation.pk].content
                    | {
                        "version": versions[participation.pk].number,
                        "adopted_on": versions[participation.pk].adopted_on.isoformat(),
                    }
                )
                if participation.pk in versions
                else None,
            }
            for participation in participations
        ],
        "notes": [
            note_snapshot(note) for note in fabrique.transversal_notes.order_by("kind", "title")
        ],
    }


def follow_up_report_snapshot(fabrique: Fabrique) -> dict:
    """What the six-month report prints: the Fabrique, its follow-up meeting
    and showcase event, and the summary of each confirmed territory."""
    fabrique = Fabrique.objects.select_related("follow_up").get(pk=fabrique.pk)
    follow_up = getattr(fabrique, "follow_up", None)
    return {
        "fabrique": {
            "id": fabrique.pk,
            "display_title": fabrique.display_title,
            "edition": fabrique.edition,
            "end_date": fabrique.end_date.isoformat(),
        },
        "follow_up": {
            "meeting_on": follow_up.meeting_on.isoformat()
            if follow_up and follow_up.meeting_on
            else None,
            "showcase_on": follow_up.showcase_on.isoformat()
            if follow_up and follow_up.showcase_on
            else None,
            "meeting_notes": follow_up.meeting_notes if follow_up else "",
            "showcase_notes": follow_up.showcase_notes if follow_up else "",
        },
        "territories": [
            {
                "name": row.territory,
                "counts": row.counts,
                "total": row.total,
                "last_answer_on": timezone.localdate(row.last_answer_at).isoformat()
                if row.last_answer_at
                else None,
                "support": row.support,
            }
            for row in follow_up_summary(fabrique)
        ],
    }


@dataclass
class Source:
    kind: str
    key: str
    sha256: str
    title: str
    fabrique_id: int
    participation_id: int | None = None
    roadmap_version_id: int | None = None
    transversal_note_id: int | None = None


def roadmap_source(roadmap: Roadmap) -> tuple[Source, dict]:
    roadmap = roadmap_for_snapshot(roadmap.pk)
    snapshot = roadmap_snapshot(roadmap)
    participation = roadmap.participation
    title = _("Feuille de route — %(territory)s — brouillon du %(day)s") % {
        "territory": participation.territory.name,
        "day": date_format(timezone.localdate(), "j F Y"),
    }
    source = Source(
        kind=GeneratedPdf.Kind.ROADMAP,
        key=f"roadmap:{roadmap.pk}",
        sha256=fingerprint(snapshot),
        title=title,
        fabrique_id=participation.fabrique_id,
        participation_id=participation.pk,
    )
    return source, snapshot


def version_source(version: RoadmapVersion) -> Source:
    version = RoadmapVersion.objects.select_related("roadmap__participation__territory").get(
        pk=version.pk
    )
    participation = version.roadmap.participation
    return Source(
        kind=GeneratedPdf.Kind.ROADMAP,
        key=f"roadmap-version:{version.pk}",
        # The content is frozen: its own fingerprint says everything.
        sha256=fingerprint(version.content_sha256),
        title=_("Feuille de route — %(territory)s — version %(number)s adoptée le %(day)s")
        % {
            "territory": participation.territory.name,
            "number": version.number,
            "day": date_format(version.adopted_on, "j F Y"),
        },
        fabrique_id=participation.fabrique_id,
        participation_id=participation.pk,
        roadmap_version_id=version.pk,
    )


def note_source(note: TransversalNote) -> tuple[Source, dict]:
    snapshot = note_snapshot(note)
    source = Source(
        kind=GeneratedPdf.Kind.TRANSVERSAL_NOTE,
        key=f"note:{note.pk}",
        sha256=fingerprint(snapshot),
        title=note.title,
        fabrique_id=note.fabrique_id,
        transversal_note_id=note.pk,
    )
    return source, snapshot


def publication_source(fabrique: Fabrique) -> tuple[Source, dict]:
    snapshot = publication_snapshot(fabrique)
    source = Source(
        kind=GeneratedPdf.Kind.PUBLICATION,
        key=f"publication:{fabrique.pk}",
        sha256=fingerprint(snapshot),
        title=_("%(fabrique)s — publication de l'édition %(edition)s")
        % {"fabrique": fabrique.display_title, "edition": fabrique.edition},
        fabrique_id=fabrique.pk,
    )
    return source, snapshot


def follow_up_report_source(fabrique: Fabrique) -> tuple[Source, dict]:
    snapshot = follow_up_report_snapshot(fabrique)
    source = Source(
        kind=GeneratedPdf.Kind.FOLLOW_UP_REPORT,
        key=f"follow-up:{fabrique.pk}",
        sha256=fingerprint(snapshot),
        title=_("%(fabrique)s — rapport de suivi à six mois")
        % {"fabrique": fabrique.display_title},
        fabrique_id=fabrique.pk,
    )
    return source, snapshot
