"""What the demo tells: the people, places and roadmaps of «Villes moyennes et
transition écologique» run as if it were happening now, and the pure helpers
that turn them into rows (no database access here).

Every person is fictitious and every address is on the reserved `.invalid`
domain, so no e-mail can reach anyone. Names are drawn from fixed lists with a
fixed seed, so each run produces the same people.
"""

import random
import textwrap
from dataclasses import dataclass

from django.utils.text import slugify

from deliverables.models import Action
from territories.models import WorkingGroupMember

SEED = 2019
FABRIQUE_TITLE_PREFIX = "Villes moyennes et transition écologique"
FABRIQUE_EDITION = 2019
# Today falls in month 8 of the Fabrique: three local seminars and one intersite
# are behind, the next ones are being scheduled.
MONTHS_BEFORE_TODAY = 7
INTERSITE_PLACE = "ANCT, 20 avenue de Ségur, Paris"
RESEARCH_ORGANISATION = "Université Gustave Eiffel — Lab'Urba"
PRESTATAIRE_DOMAIN = "transition-territoires.demo.invalid"
COPIL_DOMAIN = "copil.demo.invalid"

College = WorkingGroupMember.College
Horizon = Action.Horizon
ActionStatus = Action.Status


@dataclass(frozen=True)
class Person:
    email: str
    first_name: str
    last_name: str
    function: str = ""


# --- Prestataire team ------------------------------------------------------------

DIRECTOR = Person(f"direction@{PRESTATAIRE_DOMAIN}", "Marc", "Delorme", "Directeur de projet")
PROJECT_LEAD = Person(
    f"cheffe.projet@{PRESTATAIRE_DOMAIN}", "Claire", "Dubreuil", "Cheffe de projet"
)
CONSULTANT_WEST = Person(f"julien.moreau@{PRESTATAIRE_DOMAIN}", "Julien", "Moreau", "Consultant")
CONSULTANT_EAST = Person(f"sarah.benamar@{PRESTATAIRE_DOMAIN}", "Sarah", "Benamar", "Consultante")


# --- COPIL: key is the imported organisation's acronym or name ------------------

COPIL_SEATS = {
    "ANCT": Person(
        f"anct@{COPIL_DOMAIN}",
        "Sophie",
        "Lemaire",
        "Responsable du pôle Prospective, Veille, Innovation",
    ),
    "Action cœur de ville": Person(
        f"action-coeur-de-ville@{COPIL_DOMAIN}",
        "Antoine",
        "Ferrand",
        "Chargé de mission du programme Action cœur de ville",
    ),
    "Villes de France": Person(
        f"villes-de-france@{COPIL_DOMAIN}",
        "Nathalie",
        "Couderc",
        "Conseillère aménagement et transition écologique",
    ),
    "CGDD": Person(
        f"cgdd@{COPIL_DOMAIN}", "Olivier", "Besnard", "Chargé de mission économie circulaire"
    ),
    "DHUP": Person(
        f"dhup@{COPIL_DOMAIN}",
        "Isabelle",
        "Marty",
        "Adjointe au sous-directeur de l'aménagement durable",
    ),
    RESEARCH_ORGANISATION: Person(
        f"lab-urba@{COPIL_DOMAIN}",
        "Mathieu",
        "Girardin",
        "Maître de conférences en aménagement et urbanisme",
    ),
}
COPIL_DEMO_SEAT = "Villes de France"


# --- Territories -------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    axis: int
    title: str
    lead: str
    horizon: str
    status: str
    progress: int = 0
    budget_eur: int | None = None
    needs_engineering_support: bool = False


@dataclass(frozen=True)
class RoadmapSpec:
    vision: str
    synthesis: str
    governance: str
    partnerships: str
    axes: tuple[str, ...]
    actions: tuple[ActionSpec, ...]


@dataclass(frozen=True)
class TerritorySpec:
    code: str  # INSEE code or SIREN, as imported
    domain: str
    places: tuple[str, ...]  # local seminars rotate between them
    elu: Person
    agent: Person
    lead_consultant: Person
    group_size: int  # members at the start of the year
    leavers: int
    late_joiners: int
    schedules_next_seminar: bool
    organisations: dict[str, tuple[str, ...]]
    roadmap: RoadmapSpec


LORIENT = TerritorySpec(
    code="56121",
    domain="lorient.demo.invalid",
    places=("Hôtel de ville de Lorient", "Maison de l'agglomération, Lorient"),
    elu=Person("maire@lorient.demo.invalid", "Gwenaëlle", "Le Bihan", "Maire"),
    agent=Person(
        "referent@lorient.demo.invalid", "Thomas", "Guillou", "Chef de projet Action cœur de ville"
    ),
    lead_consultant=CONSULTANT_WEST,
    group_size=18,
    leavers=0,
    late_joiners=0,
    schedules_next_seminar=True,
    organisations={
        College.LOCAL_STAFF: (
            "Ville de Lorient — direction de l'urbanisme",
            "Lorient Agglomération — service économie circulaire",
        ),
        College.STATE: ("Sous-préfecture de Lorient", "DDTM du Morbihan"),
        College.PLANNING_AGENCY: ("AudéLor — agence d'urbanisme du pays de Lorient",),
        College.CHAMBER: (
            "CCI du Morbihan",
            "Chambre de métiers et de l'artisanat du Morbihan",
            "Chambre d'agriculture de Bretagne",
        ),
        College.ASSOCIATION: (
            "Association des commerçants de Lorient centre",
            "Ressourcerie du pays de Lorient",
            "Conseil de développement du pays de Lorient",
        ),
        College.COMPANY: (
            "Criée de Lorient Keroman",
            "Biocoop du Scorff",
            "Brasserie artisanale du Blavet",
            "Chantier naval du Ter",
        ),
        College.INHABITANT: ("Conseil de quartier de Merville", "Conseil citoyen de Kervénanec"),
        College.ELECTED: ("Ville de Lorient — adjointe au commerce",),
        College.OTHER: ("Université Bretagne Sud",),
    },
    roadmap=RoadmapSpec(
        vision=(
            "En 2030, Lorient s'appuie sur son port et sur son cœur de ville pour produire et "
            "consommer local : une économie maritime et alimentaire qui boucle ses flux, "
            "un centre-ville commerçant, sobre et vivant."
        ),
        synthesis=(
            "Les séminaires ont montré la force des filières de la mer et la fragilité du "
            "commerce de centre-ville face aux zones périphériques."
        ),
        governance="Comité de pilotage présidé par la maire ; groupe de travail réuni à chaque "
        "séminaire ; point d'étape trimestriel en conseil municipal.",
        partnerships="Lorient Agglomération, CCI du Morbihan, AudéLor, Chambre d'agriculture.",
        axes=(
            "Relocaliser l'alimentation et les circuits courts",
            "Faire du port un moteur d'économie circulaire",
            "Redonner envie de consommer en centre-ville",
        ),
        actions=(
            ActionSpec(
                0,
                "Créer une halle des producteurs du pays de Lorient",
                "Ville de Lorient",
                Horizon.MEDIUM,
                ActionStatus.IN_PROGRESS,
                20,
                450_000,
            ),
            ActionSpec(
                0,
                "Servir 50 % de produits locaux dans la restauration scolaire",
                "Ville de Lorient",
                Horizon.SHORT,
                ActionStatus.IN_PROGRESS,
                40,
                80_000,
            ),
            ActionSpec(
                0,
                "Valoriser les coproduits de la pêche de Keroman",
                "Lorient Agglomération",
                Horizon.LONG,
                ActionStatus.PLANNED,
                needs_engineering_support=True,
            ),
            ActionSpec(
                1,
                "Ouvrir une plateforme de réemploi des matériaux de la construction navale",
                "Lorient Agglomération",
                Horizon.MEDIUM,
                ActionStatus.PLANNED,
                budget_eur=220_000,
            ),
            ActionSpec(
                1,
                "Recenser les flux de matières des entreprises de la zone portuaire",
                "AudéLor",
                Horizon.SHORT,
                ActionStatus.DONE,
                100,
                25_000,
            ),
            ActionSpec(
                2,
                "Ouvrir une boutique à l'essai pour les créateurs locaux",
                "Ville de Lorient",
                Horizon.SHORT,
                ActionStatus.IN_PROGRESS,
                60,
                35_000,
            ),
            ActionSpec(
                2,
                "Accompagner la rénovation énergétique des locaux commerciaux",
                "CCI du Morbihan",
                Horizon.MEDIUM,
                ActionStatus.PLANNED,
                budget_eur=150_000,
            ),
        ),
    ),
)

SAINT_DIE = TerritorySpec(
    code="88413",
    domain="saint-die-des-vosges.demo.invalid",
    places=("Hôtel de ville de Saint-Dié-des-Vosges", "Espace François-Mitterrand, Saint-Dié"),
    elu=Person(
        "adjointe.transition@saint-die-des-vosges.demo.invalid",
        "Martine",
        "Thiriet",
        "Adjointe au maire chargée de la transition écologique",
    ),
    agent=Person(
        "referent@saint-die-des-vosges.demo.invalid",
        "Aurélie",
        "Claudel",
        "Chargée de mission développement durable",
    ),
    lead_consultant=CONSULTANT_EAST,
    group_size=18,
    # Two members left mid-year and one joined: the group is not perfectly stable.
    leavers=2,
    late_joiners=1,
    schedules_next_seminar=True,
    organisations={
        College.LOCAL_STAFF: (
            "Ville de Saint-Dié-des-Vosges — service commerce",
            "Agglomération de Saint-Dié-des-Vosges — service environnement",
        ),
        College.STATE: ("Sous-préfecture de Saint-Dié-des-Vosges", "DDT des Vosges"),
        College.PLANNING_AGENCY: ("PETR du pays de la Déodatie",),
        College.CHAMBER: (
            "CCI des Vosges",
            "Chambre de métiers et de l'artisanat des Vosges",
            "Chambre d'agriculture des Vosges",
        ),
        College.ASSOCIATION: (
            "Union des commerçants déodatiens",
            "Repair café de la Déodatie",
            "Association du Festival international de géographie",
        ),
        College.COMPANY: (
            "Scierie de la haute Meurthe",
            "Fromagerie coopérative des Vosges",
            "Menuiserie Claudon et fils",
        ),
        College.INHABITANT: ("Conseil citoyen de Kellermann",),
        College.ELECTED: ("Ville de Saint-Dié-des-Vosges — conseiller délégué au commerce",),
        College.OTHER: ("IUT de Saint-Dié-des-Vosges", "Lycée Jules-Ferry"),
    },
    roadmap=RoadmapSpec(
        vision=(
            "La Déodatie valorise sa forêt et ses savoir-faire : une filière bois locale, "
            "un centre-ville rénové et une consommation tournée vers les produits vosgiens."
        ),
        synthesis=(
            "Le groupe de travail a fait de la ressource forestière le fil rouge de la "
            "démarche, de la construction au chauffage des équipements publics."
        ),
        governance="Comité de pilotage animé par l'adjointe à la transition écologique ; "
        "revue des actions deux fois par an avec l'agglomération.",
        partnerships="Agglomération de Saint-Dié-des-Vosges, PETR du pays de la Déodatie, "
        "Office national des forêts, CCI des Vosges.",
        axes=(
            "Structurer une filière bois locale, de la forêt au bâtiment",
            "Rénover le centre-ville et ses logements",
        ),
        actions=(
            ActionSpec(
                0,
                "Créer un groupement d'achat de bois d'œuvre local pour la construction publique",
                "Agglomération de Saint-Dié-des-Vosges",
                Horizon.MEDIUM,
                ActionStatus.PLANNED,
                needs_engineering_support=True,
            ),
            ActionSpec(
                0,
                "Organiser un salon annuel des entreprises du bois de la Déodatie",
                "CCI des Vosges",
                Horizon.SHORT,
                ActionStatus.DONE,
                100,
                18_000,
            ),
            ActionSpec(
                0,
                "Chauffer les équipements publics au bois-énergie local",
                "Ville de Saint-Dié-des-Vosges",
                Horizon.LONG,
                ActionStatus.IN_PROGRESS,
                25,
                1_200_000,
            ),
            ActionSpec(
                1,
                "Lancer une opération programmée d'amélioration de l'habitat en centre-ville",
                "Ville de Saint-Dié-des-Vosges",
                Horizon.MEDIUM,
                ActionStatus.IN_PROGRESS,
                30,
                600_000,
            ),
            ActionSpec(
                1,
                "Ouvrir un guichet unique de la rénovation énergétique",
                "Agglomération de Saint-Dié-des-Vosges",
                Horizon.SHORT,
                ActionStatus.PLANNED,
                budget_eur=90_000,
            ),
            ActionSpec(
                1,
                "Réduire la vacance commerciale de la rue Thiers",
                "Union des commerçants déodatiens",
                Horizon.SHORT,
                ActionStatus.PAUSED,
                10,
            ),
        ),
    ),
)

BOURG_EN_BRESSE = TerritorySpec(
    code="200071751",
    domain="bourg-en-bresse.demo.invalid",
    places=("Siège de Grand Bourg Agglomération, Bourg-en-Bresse", "Hôtel de ville de Bourg"),
    elu=Person("president@bourg-en-bresse.demo.invalid", "Jean-Luc", "Perret", "Président"),
    agent=Person(
        "referent@bourg-en-bresse.demo.invalid",
        "Karim",
        "Saïdi",
        "Directeur du développement économique",
    ),
    lead_consultant=CONSULTANT_EAST,
    group_size=19,
    leavers=0,
    late_joiners=0,
    schedules_next_seminar=True,
    organisations={
        College.LOCAL_STAFF: (
            "Grand Bourg Agglomération — direction du développement économique",
            "Ville de Bourg-en-Bresse — service commerce",
        ),
        College.STATE: ("Préfecture de l'Ain", "DDT de l'Ain"),
        College.PLANNING_AGENCY: ("CAUE de l'Ain",),
        College.CHAMBER: (
            "CCI de l'Ain",
            "Chambre de métiers et de l'artisanat de l'Ain",
            "Chambre d'agriculture de l'Ain",
        ),
        College.ASSOCIATION: (
            "Association des commerçants de Bourg-en-Bresse",
            "Comité interprofessionnel de la volaille de Bresse",
            "Agence locale de l'énergie et du climat de l'Ain",
        ),
        College.COMPANY: (
            "Ferme maraîchère de la Reyssouze",
            "Imprimerie coopérative bressane",
            "Transports bressans",
        ),
        College.INHABITANT: ("Conseil citoyen de la Reyssouze",),
        College.ELECTED: ("Commune de Viriat — maire adjoint", "Commune de Péronnas — adjointe"),
        College.OTHER: ("Lycée agricole des Sardières",),
    },
    roadmap=RoadmapSpec(
        vision=(
            "Le bassin de Bourg-en-Bresse fait de son agriculture et de ses PME les piliers "
            "d'une économie circulaire et d'une alimentation de proximité."
        ),
        synthesis=(
            "Les acteurs économiques ont identifié des synergies de flux entre entreprises "
            "et un fort potentiel de la restauration collective pour les producteurs locaux."
        ),
        governance="Comité de pilotage présidé par le président de l'agglomération, avec "
        "les maires des communes-centres ; club d'entreprises associé.",
        partnerships="Chambre d'agriculture de l'Ain, CCI de l'Ain, ALEC 01, ADEME.",
        axes=(
            "Une alimentation de proximité, de la ferme à l'assiette",
            "Une économie circulaire entre entreprises",
            "Un centre-ville sobre et attractif",
        ),
        actions=(
            ActionSpec(
                0,
                "Élaborer un projet alimentaire territorial avec la chambre d'agriculture",
                "Grand Bourg Agglomération",
                Horizon.SHORT,
                ActionStatus.IN_PROGRESS,
                50,
                60_000,
            ),
            ActionSpec(
                0,
                "Créer une légumerie pour la restauration collective",
                "Grand Bourg Agglomération",
                Horizon.MEDIUM,
                ActionStatus.PLANNED,
                budget_eur=700_000,
                needs_engineering_support=True,
            ),
            ActionSpec(
                0,
                "Soutenir les points de vente collectifs de producteurs",
                "Chambre d'agriculture de l'Ain",
                Horizon.SHORT,
                ActionStatus.IN_PROGRESS,
                20,
            ),
            ActionSpec(
                1,
                "Animer un club d'écologie industrielle et territoriale",
                "CCI de l'Ain",
                Horizon.SHORT,
                ActionStatus.IN_PROGRESS,
                35,
                40_000,
            ),
            ActionSpec(
                1,
                "Ouvrir une recyclerie à côté de la déchèterie",
                "Grand Bourg Agglomération",
                Horizon.SHORT,
                ActionStatus.DONE,
                100,
                300_000,
            ),
            ActionSpec(
                2,
                "Accompagner les commerçants dans la baisse de leurs consommations d'énergie",
                "CCI de l'Ain",
                Horizon.SHORT,
                ActionStatus.PLANNED,
            ),
            ActionSpec(
                2,
                "Développer la logistique urbaine à vélo",
                "Ville de Bourg-en-Bresse",
                Horizon.MEDIUM,
                ActionStatus.PLANNED,
                budget_eur=120_000,
            ),
            ActionSpec(
                2,
                "Lancer une monnaie locale complémentaire",
                "Association des commerçants de Bourg-en-Bresse",
                Horizon.MEDIUM,
                ActionStatus.ABANDONED,
            ),
        ),
    ),
)

BEAUVAISIS = TerritorySpec(
    code="200067999",
    domain="beauvaisis.demo.invalid",
    places=(
        "Hôtel de l'agglomération du Beauvaisis, Beauvais",
        "Maladrerie Saint-Lazare, Beauvais",
    ),
    elu=Person(
        "vice-presidente.transition@beauvaisis.demo.invalid",
        "Françoise",
        "Delattre",
        "Vice-présidente chargée de la transition écologique",
    ),
    agent=Person(
        "referent@beauvaisis.demo.invalid", "Lucie", "Vasseur", "Chargée de mission Plan climat"
    ),
    lead_consultant=PROJECT_LEAD,
    group_size=16,
    leavers=0,
    late_joiners=0,
    # Its third seminar has no date yet: not every calendar is settled.
    schedules_next_seminar=False,
    organisations={
        College.LOCAL_STAFF: (
            "Agglomération du Beauvaisis — direction de l'environnement",
            "Ville de Beauvais — service commerce et artisanat",
        ),
        College.STATE: ("Préfecture de l'Oise", "DDT de l'Oise"),
        College.PLANNING_AGENCY: ("Oise-la-Vallée, agence d'urbanisme",),
        College.CHAMBER: (
            "CCI de l'Oise",
            "Chambre de métiers et de l'artisanat des Hauts-de-France",
            "Chambre d'agriculture de l'Oise",
        ),
        College.ASSOCIATION: (
            "Union des commerçants du cœur de Beauvais",
            "Ressourcerie du Beauvaisis",
            "Terre de liens Hauts-de-France",
        ),
        College.COMPANY: (
            "Légumerie du Beauvaisis",
            "Ferme urbaine de Saint-Jean",
            "Atelier vélo solidaire beauvaisien",
        ),
        College.INHABITANT: ("Conseil citoyen de Saint-Jean",),
        College.ELECTED: ("Commune d'Allonne — maire", "Ville de Beauvais — adjointe au commerce"),
        College.OTHER: ("UniLaSalle Beauvais",),
    },
    roadmap=RoadmapSpec(
        vision=(
            "Le Beauvaisis devient un territoire nourricier pour ses habitants, où les "
            "déchets sont des ressources et où le cœur de ville reste le lieu des échanges."
        ),
        synthesis=(
            "La démarche a fait émerger une ambition agricole forte, portée par les "
            "communes rurales de l'agglomération et par UniLaSalle."
        ),
        governance="Comité de pilotage animé par la vice-présidente ; commission "
        "environnement de l'agglomération informée à chaque étape.",
        partnerships="Chambre d'agriculture de l'Oise, Terre de liens, UniLaSalle, ADEME.",
        axes=("Nourrir le Beauvaisis", "Faire des déchets une ressource"),
        actions=(
            ActionSpec(
                0,
                "Installer des maraîchers sur des terres agricoles publiques",
                "Agglomération du Beauvaisis",
                Horizon.MEDIUM,
                ActionStatus.IN_PROGRESS,
                30,
                250_000,
            ),
            ActionSpec(
                0,
                "Créer un marché de producteurs en soirée",
                "Ville de Beauvais",
                Horizon.SHORT,
                ActionStatus.DONE,
                100,
                15_000,
            ),
            ActionSpec(
                0,
                "Introduire des produits locaux dans les cantines des communes",
                "Agglomération du Beauvaisis",
                Horizon.SHORT,
                ActionStatus.PLANNED,
            ),
            ActionSpec(
                1,
                "Généraliser le compostage de proximité",
                "Agglomération du Beauvaisis",
                Horizon.SHORT,
                ActionStatus.IN_PROGRESS,
                45,
                70_000,
            ),
            ActionSpec(
                1,
                "Créer une matériauthèque de réemploi pour le bâtiment",
                "Ressourcerie du Beauvaisis",
                Horizon.MEDIUM,
                ActionStatus.PLANNED,
                budget_eur=180_000,
                needs_engineering_support=True,
            ),
        ),
    ),
)

TERRITORIES = (LORIENT, SAINT_DIE, BOURG_EN_BRESSE, BEAUVAISIS)
TEAM = (
    (DIRECTOR, "directeur"),
    (PROJECT_LEAD, "chef_projet"),
    (CONSULTANT_WEST, "consultant"),
    (CONSULTANT_EAST, "consultant"),
)
# Notes: the latest seminar of one territory awaits ANCT's review, another
# territory's latest seminar has no note yet (the "notes due" panels show it).
NOTE_SUBMITTED_IN = LORIENT.code
NOTE_MISSING_IN = BEAUVAISIS.code


# --- Working groups ----------------------------------------------------------------

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Pauline", "Élodie", "Anne",
    "Sophie", "Marion", "Laure", "Nadia", "Yasmine", "Aurélie", "Céline", "Hélène", "Mathilde",
    "Agnès", "Lucas", "Hugo", "Louis", "Nicolas", "Julien", "Maxime", "Antoine", "Pierre",
    "Mehdi", "Karim", "Olivier", "Stéphane", "François", "Benoît", "Romain", "Guillaume",
    "Vincent", "Yann", "Bruno", "Gilles",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Robert", "Richard", "Petit", "Durand", "Leroy", "Simon",
    "Laurent", "Lefebvre", "Michel", "Garcia", "Bertrand", "Roux", "Fournier", "Morel",
    "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Perrin", "Morin",
    "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier", "Le Goff", "Hamon", "Colin",
    "Renaud", "Barbier", "Arnaud", "Schmitt", "Benoît", "N'Diaye", "Nguyen", "Da Silva",
)  # fmt: skip
# A working group mixes every college; taken in this order, a group of 15 to 20
# has local staff, State services, chambers, associations, companies and inhabitants.
COLLEGE_CYCLE = (
    College.LOCAL_STAFF, College.STATE, College.CHAMBER, College.ASSOCIATION, College.COMPANY,
    College.INHABITANT, College.PLANNING_AGENCY, College.ASSOCIATION, College.COMPANY,
    College.ELECTED, College.CHAMBER, College.LOCAL_STAFF, College.ASSOCIATION,
    College.COMPANY, College.OTHER, College.STATE, College.INHABITANT, College.CHAMBER,
    College.ASSOCIATION, College.COMPANY, College.ELECTED,
)  # fmt: skip


@dataclass(frozen=True)
class MemberSpec:
    first_name: str
    last_name: str
    organisation: str
    college: str
    email: str
    phone: str
    joins_late: bool = False
    leaves: bool = False


def working_groups(*, rng: random.Random) -> dict[str, list[MemberSpec]]:
    """Members per territory code; names are unique across all groups."""
    names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    groups, drawn = {}, 0
    for spec in TERRITORIES:
        size = spec.group_size + spec.late_joiners
        members = []
        for index in range(size):
            first, last = names[drawn]
            drawn += 1
            college = COLLEGE_CYCLE[index % len(COLLEGE_CYCLE)]
            members.append(
                MemberSpec(
                    first_name=first,
                    last_name=last,
                    organisation=rng.choice(spec.organisations[college]),
                    college=college,
                    email=f"{slugify(first)}.{slugify(last)}@{spec.domain}",
                    # 01 99 00 xx xx is reserved for fiction by the telecoms regulator.
                    phone=f"01 99 00 {drawn // 100:02d} {drawn % 100:02d}",
                    joins_late=index >= spec.group_size,
                    # The leavers are taken among ordinary members, not the first
                    # ones (the local staff who run the group).
                    leaves=spec.group_size - spec.leavers <= index < spec.group_size,
                )
            )
        groups[spec.code] = members
    return groups


# --- Seminar notes -------------------------------------------------------------------

NOTE_SUMMARIES = {
    ("immersion", None): (
        "Rencontre des référents et visite du territoire. Premiers enjeux repérés : "
        "{stakes}. Le groupe de travail local est constitué."
    ),
    ("local", 1): (
        "Le groupe a croisé les projections à dix ans avec les actions du dernier mandat. "
        "Vulnérabilités principales : {stakes}."
    ),
    ("local", 2): (
        "Cartographie des forces vives : associations et entreprises ont présenté leurs "
        "initiatives. Trois pistes d'action émergent ; enjeux mis en avant : {stakes}."
    ),
    ("intersite", 1): (
        "Les quatre territoires ont croisé leurs ressources et leurs angles morts. "
        "Point commun de l'analyse SWOT : {stakes}."
    ),
}
STAKES = {
    LORIENT.code: "les circuits courts de la pêche et le commerce de centre-ville",
    SAINT_DIE.code: "la filière bois et la vacance commerciale",
    BOURG_EN_BRESSE.code: "l'alimentation de proximité et l'écologie industrielle",
    BEAUVAISIS.code: "l'agriculture nourricière et le réemploi des déchets",
    None: "l'économie circulaire comme levier commun des villes moyennes",
}


def note_summary(*, kind: str, number: int | None, territory_code: str | None) -> str:
    return NOTE_SUMMARIES[(kind, number)].format(stakes=STAKES[territory_code])


def pdf_escape(text: str) -> bytes:
    # Helvetica with WinAnsiEncoding is cp1252: accents and dashes come out right.
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def note_pdf(*, title: str, lines: list[str]) -> bytes:
    """A one-page PDF written by hand: enough for viewers and pdftotext, no dependency."""
    body = [b"BT", b"/F1 15 Tf", b"18 TL", b"56 780 Td", b"(" + pdf_escape(title) + b") Tj"]
    body += [b"/F1 11 Tf", b"15 TL", b"T*"]
    for line in lines:
        for part in textwrap.wrap(line, 90) or [""]:
            body.append(b"T* (" + pdf_escape(part) + b") Tj")
    body.append(b"ET")
    stream = b"\n".join(body)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
