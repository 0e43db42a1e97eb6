"""The database refuses any UPDATE of an integrity entry (append-only, whatever path tries).

DELETE stays possible so that an attempt can be erased with its log (a person's data, a
flushed test database); a removed entry or tail is detected by the chain and its stored head.
"""

from django.db import migrations

TABLE = "verification_integrityentry"

SQLITE_UP = f"""
CREATE TRIGGER integrity_entry_no_update BEFORE UPDATE ON {TABLE}
BEGIN SELECT RAISE(ABORT, 'the integrity log is append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS integrity_entry_no_update;"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION integrity_entry_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the integrity log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER integrity_entry_no_update BEFORE UPDATE ON {TABLE}
FOR EACH ROW EXECUTE FUNCTION integrity_entry_refuse_update();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS integrity_entry_no_update ON {TABLE};
DROP FUNCTION IF EXISTS integrity_entry_refuse_update();
"""


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("verification", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
