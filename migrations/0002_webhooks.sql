-- Webhooks (issue 17): subscriptions, the outbox of events, and the delivery queue.
--
-- REST Hooks: an app subscribes a URL for one person it holds a grant from.
-- A subscription of that (user, app) pair ends (ended_at) when the app
-- deletes it, the URL answers 410 Gone, or the person's grant is revoked;
-- an ended row is kept only for the deliveries that point at it. One that
-- failed for 24 hours is disabled instead (disabled_at, disabled_reason), so
-- the app sees why; subscribing the same URL again turns it back on. The
-- secret that signs deliveries is sealed with AES-GCM (stores.sealing),
-- bound to the subscription's id.
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id                uuid PRIMARY KEY,
    user_id           bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id         text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    url               text NOT NULL CHECK (length(url) <= 2048),
    events            text[] NOT NULL CHECK (cardinality(events) > 0),
    secret_ciphertext bytea NOT NULL,
    secret_nonce      bytea NOT NULL CHECK (length(secret_nonce) = 12),
    created_at        timestamptz NOT NULL DEFAULT now(),
    failing_since     timestamptz,
    disabled_at       timestamptz,
    disabled_reason   text NOT NULL DEFAULT '',
    ended_at          timestamptz,
    end_reason        text CHECK (end_reason IN ('deleted', 'gone', 'revoked'))
);
-- The same URL twice for one pair is one subscription.
CREATE UNIQUE INDEX IF NOT EXISTS webhook_subscriptions_pair_url_key
    ON webhook_subscriptions (user_id, client_id, url) WHERE ended_at IS NULL;
CREATE INDEX IF NOT EXISTS webhook_subscriptions_user_idx ON webhook_subscriptions (user_id) WHERE ended_at IS NULL;

-- The outbox: an event is written in the transaction of the change it
-- reports, with one delivery per subscription that wants it, so a change
-- that rolls back leaves neither. A change nobody subscribed to writes no
-- row. Workers take due deliveries with SELECT ... FOR UPDATE SKIP LOCKED
-- and hold the row while they POST (webhooks/worker.py).
CREATE TABLE IF NOT EXISTS webhook_events (
    id              uuid PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type            text NOT NULL,
    data            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    subscription_id  uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text NOT NULL DEFAULT '',
    finished_at      timestamptz,
    UNIQUE (event_id, subscription_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due_idx
    ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id DESC);
