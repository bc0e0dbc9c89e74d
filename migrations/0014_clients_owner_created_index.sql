-- migrate: no-transaction
-- My apps shows one developer's apps newest first, a page at a time, each
-- page continuing from the last app of the one before (portal/developer/my_apps.py):
-- this index finds a page and counts the developer's apps without reading
-- the apps before it or another developer's. Built concurrently, one index per file.
CREATE INDEX CONCURRENTLY IF NOT EXISTS clients_owner_created_idx ON clients (owner_id, created_at DESC, client_id DESC);
