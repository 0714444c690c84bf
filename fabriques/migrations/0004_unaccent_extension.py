from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """The public catalogue's full-text search ignores accents on PostgreSQL
    (fabriques.search). CreateExtension operations do nothing on other
    databases, so SQLite development set-ups are unaffected."""

    dependencies = [("fabriques", "0003_transitions")]

    operations = [UnaccentExtension()]
