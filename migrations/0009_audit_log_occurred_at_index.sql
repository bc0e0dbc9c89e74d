-- migrate: no-transaction
-- The admin's audit log and its CSV export filter by a range of days: without
-- this index a range far in the past is found by reading every newer row of
-- the log. ids grow with time, so the range's rows are also an id range.
-- Built concurrently: the log is written to all the time.
CREATE INDEX CONCURRENTLY IF NOT EXISTS audit_log_occurred_at_idx ON audit_log (occurred_at);
