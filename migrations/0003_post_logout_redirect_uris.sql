-- RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0, issue 15): where
-- an app may have the browser sent back after it signs a person out. Matched
-- exactly, as redirect URIs are; an app that registers none is never
-- redirected to, and the person sees the "you are signed out" page.
ALTER TABLE clients ADD COLUMN IF NOT EXISTS post_logout_redirect_uris text[] NOT NULL DEFAULT '{}';
