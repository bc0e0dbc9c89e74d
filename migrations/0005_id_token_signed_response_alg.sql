-- How each app's ID tokens are signed (OpenID Connect Registration 1.0 §2,
-- id_token_signed_response_alg; issue 15): RS256 for every app unless it opts
-- in to ES256, for which oauth/signing_keys.py keeps an EC P-256 key beside the
-- RSA one. Never "none" or an HMAC.
ALTER TABLE clients ADD COLUMN IF NOT EXISTS id_token_signed_response_alg text NOT NULL DEFAULT 'RS256'
    CHECK (id_token_signed_response_alg IN ('RS256', 'ES256'));
