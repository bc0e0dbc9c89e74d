// A real relying party: openid-client with its defaults, driven by tests/e2e/test_openid_client.py.
//
//   node relying_party.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI POST_LOGOUT_REDIRECT_URI
//
// Prints one JSON line {"authorization_url": ...}, reads the callback URL the
// browser came back to as one line on stdin, then prints one JSON line with
// what it learned: the ID token's claims (validated by openid-client),
// userinfo, the refreshed ID token's claims and the logout URL. Any failure
// is a message on stderr and exit code 1.
import { createInterface } from "node:readline";
import * as client from "openid-client";

const [issuer, clientId, clientSecret, redirectUri, postLogoutRedirectUri] = process.argv.slice(2);

async function main() {
  // Discovery with the library's defaults (RS256 ID tokens, client_secret_basic);
  // only plain http has to be allowed, the test server being on loopback.
  const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
    execute: [client.allowInsecureRequests],
  });

  const codeVerifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid profile email",
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    nonce,
    state,
  });
  console.log(JSON.stringify({ authorization_url: authorizationUrl.href }));

  const callbackUrl = await oneLine();
  const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  const logoutUrl = client.buildEndSessionUrl(config, {
    id_token_hint: refreshed.id_token,
    post_logout_redirect_uri: postLogoutRedirectUri,
    state: "rp-logout-state",
  });
  console.log(
    JSON.stringify({
      id_token_claims: claims,
      userinfo,
      refreshed_id_token_claims: refreshed.claims(),
      refreshed_access_token_differs: refreshed.access_token !== tokens.access_token,
      logout_url: logoutUrl.href,
    }),
  );
}

function oneLine() {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve, reject) => {
    lines.once("line", (line) => {
      resolve(line.trim()); // first: closing emits "close" at once
      lines.close();
    });
    lines.once("close", () => reject(new Error("stdin closed before the callback URL came")));
  });
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message}${error.cause ? ` (${JSON.stringify(error.cause)})` : ""}`);
  process.exit(1);
});
