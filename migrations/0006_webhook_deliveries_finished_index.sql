-- migrate: no-transaction
-- The worker's housekeeping (webhooks/housekeeping.py) deletes finished
-- deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS, oldest first, in
-- small batches: this index finds them without reading the pending ones or
-- the whole table. Built concurrently: deliveries are written all the time.
CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_deliveries_finished_idx
    ON webhook_deliveries (finished_at) WHERE status <> 'pending';
