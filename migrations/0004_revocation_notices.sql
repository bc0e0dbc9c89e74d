-- Revocation notices (issue 17): an app sets, in the portal, a URL that hears
-- `authorization.revoked` whenever a person revokes it. The URL is kept as a
-- subscription of the app alone: user_id NULL, events {authorization.revoked},
-- at most one live per app. Its deliveries then go through the same queue,
-- signature, retries, 410 and disabling as every subscription's, and a
-- person's revocation, which ends that person's subscriptions, leaves it be.
ALTER TABLE webhook_subscriptions ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_app_level_check
    CHECK (user_id IS NOT NULL OR events = ARRAY['authorization.revoked']);
CREATE UNIQUE INDEX IF NOT EXISTS webhook_subscriptions_app_notice_key
    ON webhook_subscriptions (client_id) WHERE user_id IS NULL AND ended_at IS NULL;
-- The developer portal lists an app's recent deliveries, of every subscription.
CREATE INDEX IF NOT EXISTS webhook_subscriptions_client_idx ON webhook_subscriptions (client_id);
