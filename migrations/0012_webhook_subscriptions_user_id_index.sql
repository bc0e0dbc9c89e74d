-- migrate: no-transaction
-- An index for a foreign key: deleting a person cascades to their webhook subscriptions, and
-- without one PostgreSQL finds those rows by reading the whole table (the
-- partial indexes cover live rows only). Built concurrently: one index per
-- file, since CONCURRENTLY cannot share a statement string with another.
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_subscriptions_user_id_idx ON webhook_subscriptions (user_id);
