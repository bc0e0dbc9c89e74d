"""db init brings an existing database to the current schema."""

from stores import postgres

# Indexes an earlier schema made on audit_log, ordered by time; no page reads in that order.
RETIRED = {
    "audit_log_time_idx": "(occurred_at DESC, id DESC)",
    "audit_log_client_idx": "(client_id, occurred_at DESC)",
    "audit_log_subject_idx": "(subject_user_id, occurred_at DESC)",
    "audit_log_actor_idx": "(actor_id, occurred_at DESC)",
}


def audit_indexes(conn) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_log'")
        return {row["indexname"] for row in cur.fetchall()}


def test_db_init_replaces_the_audit_indexes_of_an_earlier_schema(app):
    with app.app_context():
        conn = postgres.get_connection()
        with postgres.transaction(conn) as cur:
            for name, columns in RETIRED.items():
                cur.execute(f"CREATE INDEX {name} ON audit_log {columns}")
        assert set(RETIRED) <= audit_indexes(conn)

        postgres.apply_schema(conn)
        postgres.apply_schema(conn)  # and again: nothing left to do, nothing fails

        assert audit_indexes(conn) == {
            "audit_log_pkey",
            "audit_log_client_id_idx",
            "audit_log_subject_id_idx",
            "audit_log_actor_id_idx",
            # Added by migrations 0008 and 0009, which the test database has been through.
            "audit_log_action_id_idx",
            "audit_log_occurred_at_idx",
        }


def test_every_foreign_key_has_a_whole_index_leading_with_its_column(app):
    # A cascade (deleting a person or an app) finds the referencing rows through such an index;
    # without one it reads the whole table, and a partial index of live rows does not serve it.
    with app.app_context(), postgres.get_connection().cursor() as cur:
        cur.execute(
            """SELECT c.conrelid::regclass::text AS "table", a.attname AS "column"
                 FROM pg_constraint c
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'f'
                  AND NOT EXISTS (SELECT 1 FROM pg_index i
                                   WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
                                     AND i.indpred IS NULL)"""
        )
        unindexed = [f"{row['table']}.{row['column']}" for row in cur.fetchall()]
    assert unindexed == []
