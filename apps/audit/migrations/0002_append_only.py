"""The audit log's head row, and triggers that refuse to change a sealed entry (append-only in
the database itself, not only in the code). Sealing — setting seq and the hashes of an entry
that has none yet — is the one update allowed. PostgreSQL also refuses deleting an entry;
SQLite refuses changes only, because tests empty their tables with DELETE."""

from django.db import migrations

GENESIS = "0" * 64

POSTGRES = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.at = OLD.at AND NEW.actor = OLD.actor
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.source = OLD.source AND NEW.action = OLD.action
       AND NEW.object_type = OLD.object_type AND NEW.object_id = OLD.object_id
       AND NEW.object_repr = OLD.object_repr AND NEW.summary = OLD.summary THEN
        RETURN NEW;  -- sealing: only seq and the hashes are set
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' of entry #'
        || coalesce(OLD.seq::text, 'unsealed') || ' refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
POSTGRES_UNDO = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""
SQLITE = """
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_auditentry
WHEN OLD.seq IS NOT NULL OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.actor_id IS NOT OLD.actor_id
    OR NEW.source IS NOT OLD.source OR NEW.action IS NOT OLD.action OR NEW.object_type IS NOT OLD.object_type
    OR NEW.object_id IS NOT OLD.object_id OR NEW.object_repr IS NOT OLD.object_repr OR NEW.summary IS NOT OLD.summary
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused');
END;
"""
SQLITE_UNDO = "DROP TRIGGER IF EXISTS audit_entry_append_only;"


def forwards(apps, schema_editor):
    apps.get_model("audit", "AuditHead").objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNDO)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UNDO)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
