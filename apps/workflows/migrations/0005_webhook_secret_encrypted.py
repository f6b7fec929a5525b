"""Webhook signing secrets move into the vault's encryption: existing ones are encrypted."""

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from apps.vault import crypto

    Webhook = apps.get_model("workflows", "Webhook")
    for hook in Webhook.objects.exclude(secret=""):
        Webhook.objects.filter(pk=hook.pk).update(secret=crypto.encrypt(hook.secret))


class Migration(migrations.Migration):
    dependencies = [("workflows", "0004_creators_rights")]

    operations = [
        migrations.AlterField(model_name="webhook", name="secret", field=models.TextField(blank=True)),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
