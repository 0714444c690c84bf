from django.db import migrations

# The path proposed by the prestataire of «Villes moyennes et transition
# écologique» (2020), which ANCT uses as its default: an immersion day, four
# local seminars per territory and four intersite seminars, placed in months
# counted from the Fabrique's start. Source: the launch-committee deck (2020).
NAME = "Parcours type des Fabriques Prospectives"
STEPS = [
    ("immersion", 1, "Journée d'immersion",
     "Rencontre des référents, premiers enjeux, composition du groupe de travail", 1, 1),
    ("local", 1, "Croiser projections et actions réalisées",
     "État des lieux des vulnérabilités vues de l'horizon +10 ans ; bilan des actions du "
     "dernier mandat", 2, 4),
    ("local", 2, "Cartographier les forces vives de la transition",
     "Témoignages d'associations et d'entreprises", 5, 7),
    ("local", 3, "Trouver les bons leviers pour amplifier le mouvement",
     "Initiatives d'autres territoires ; revisiter trois dispositifs en cours", 8, 10),
    ("local", 4, "Bien doser le niveau d'ambition",
     "Exercice de projection à +6 ans ; construction de la feuille de route", 11, 12),
    ("intersite", 1, "Identifier ressources et angles morts",
     "Mise en dialogue des territoires ; analyse SWOT", 4, 5),
    ("intersite", 2, "Interroger le positionnement de la collectivité",
     "Cartographie consolidée des acteurs ; acteurs nationaux à rencontrer", 8, 9),
    ("intersite", 3, "Renforcer l'articulation local / national",
     "Échange avec des opérateurs nationaux ; première version du manifeste", 10, 11),
    ("intersite", 4, "Partager les acquis de la démarche",
     "Mise en discussion du manifeste avec d'autres collectivités", 12, 12),
]


def create_default_template(apps, schema_editor):
    SeminarTemplate = apps.get_model("seminars", "SeminarTemplate")
    SeminarTemplateStep = apps.get_model("seminars", "SeminarTemplateStep")
    template, created = SeminarTemplate.objects.get_or_create(
        name=NAME,
        defaults={
            "is_default": True,
            "description": "Journée d'immersion, 4 séminaires locaux par territoire et "
            "4 séminaires intersites sur douze mois.",
        },
    )
    if not created:
        return
    SeminarTemplateStep.objects.bulk_create(
        SeminarTemplateStep(
            template=template, kind=kind, number=number, title=title, content=content,
            first_month=first, last_month=last,
        )
        for kind, number, title, content, first, last in STEPS
    )


class Migration(migrations.Migration):
    dependencies = [("seminars", "0001_initial")]
    operations = [migrations.RunPython(create_default_template, migrations.RunPython.noop)]
