from django.db import migrations

# The four transitions a Fabrique can address are reference data every
# installation needs, so they come with the schema.
CODES = ["ecologique", "demographique", "economique", "action_publique"]


def create_transitions(apps, schema_editor):
    Transition = apps.get_model("fabriques", "Transition")
    for code in CODES:
        Transition.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("fabriques", "0002_initial")]
    operations = [migrations.RunPython(create_transitions, migrations.RunPython.noop)]
