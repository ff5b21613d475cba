"""Topics of students' messages as data (issue 10): seeded from the classifier's topics.yaml, edited in the admin."""
from django.db import migrations, models


def seed(apps, schema_editor):
    from tickets.defaults import seed_topics

    seed_topics(apps.get_model("tickets", "Topic"))


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0009_student"),
    ]

    operations = [
        migrations.CreateModel(
            name="Topic",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name", models.SlugField(help_text="As the classifier names it, e.g. payment.", max_length=32, unique=True, verbose_name="name")),
                ("title", models.CharField(blank=True, max_length=120, verbose_name="title")),
                ("position", models.PositiveSmallIntegerField(default=0, help_text="Order in the filters.", verbose_name="position")),
                ("is_active", models.BooleanField(default=True, help_text="Off to hide it from the filters.", verbose_name="active")),
            ],
            options={
                "verbose_name": "topic",
                "verbose_name_plural": "topics",
                "ordering": ["position", "name"],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
