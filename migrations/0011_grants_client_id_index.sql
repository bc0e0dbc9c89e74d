-- migrate: no-transaction
-- An index for a foreign key: deleting an app cascades to its grants, revoked ones too, and
-- without one PostgreSQL finds those rows by reading the whole table (the
-- partial indexes cover live rows only). Built concurrently: one index per
-- file, since CONCURRENTLY cannot share a statement string with another.
CREATE INDEX CONCURRENTLY IF NOT EXISTS grants_client_id_all_idx ON grants (client_id);
