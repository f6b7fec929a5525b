"""Rights on the workflows that existed before per-object permissions: each creator keeps every right."""

from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.db import migrations

ACTIONS = {"workflow": ("view", "change", "run", "publish", "rollback", "delete", "share"),
           "prompt": ("view", "change", "publish", "rollback", "delete", "share")}["workflow"]


def grant_creators(apps, schema_editor):
    # The permission rows are normally made after migrating; make them now to refer to them.
    config = apps.get_app_config("workflows")
    config.models_module = True  # the historical app config stands in for the real one here
    create_contenttypes(config, apps=apps, verbosity=0)
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Model = apps.get_model("workflows", "Workflow")
    Rights = apps.get_model("workflows", "WorkflowUserPermission")
    content_type = ContentType.objects.get(app_label="workflows", model="workflow")
    permissions = list(Permission.objects.filter(content_type=content_type, codename__in=[f"{a}_workflow" for a in ACTIONS]))
    rows = [
        Rights(content_object_id=obj_id, user_id=user_id, permission=permission)
        for obj_id, user_id in Model.objects.filter(created_by__isnull=False).values_list("id", "created_by_id")
        for permission in permissions
    ]
    Rights.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_workflow_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_creators, migrations.RunPython.noop)]
