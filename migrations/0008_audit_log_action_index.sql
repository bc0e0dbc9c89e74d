-- migrate: no-transaction
-- The admin's audit log filters by event type, newest first: without this
-- index a rare event (app.suspended) is found by reading every newer row of
-- the whole log. Built concurrently: the log is written to all the time.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_action_id_idx ON audit_log (action, id DESC);
