// What a real single-page app does, without a library: PKCE, state, the code exchange and an API call,
// every request to the server cross-origin. The page's query says which server and app (the test's).

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

function callbackUrl() {
  return new URL("callback.html", location.href).href.split("?")[0];
}

async function startSignIn() {
  const query = new URLSearchParams(location.search);
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem("flow", JSON.stringify({
    server: query.get("server"), clientId: query.get("client_id"), verifier, state,
  }));
  const authorize = new URL(query.get("server") + "/oauth/authorize");
  authorize.search = new URLSearchParams({
    response_type: "code", client_id: query.get("client_id"), redirect_uri: callbackUrl(),
    scope: "read:profile", state, code_challenge: challenge, code_challenge_method: "S256",
  });
  location.assign(authorize.href);
}

async function finishSignIn() {
  const out = document.getElementById("result");
  try {
    const flow = JSON.parse(sessionStorage.getItem("flow"));
    const query = new URLSearchParams(location.search);
    if (query.get("state") !== flow.state) throw new Error("state mismatch");
    const tokenResponse = await fetch(flow.server + "/oauth/token", {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams({
        grant_type: "authorization_code", code: query.get("code"), redirect_uri: callbackUrl(),
        client_id: flow.clientId, code_verifier: flow.verifier,
      }),
    });
    const tokens = await tokenResponse.json();
    // A JSON request with a bearer token: not a "simple" request, so the browser sends a preflight first.
    const me = await fetch(flow.server + "/api/v1/me", {
      headers: {"Authorization": "Bearer " + tokens.access_token, "Content-Type": "application/json"},
    });
    const noToken = await fetch(flow.server + "/api/v1/me");
    out.textContent = JSON.stringify({
      token_status: tokenResponse.status,
      token_type: tokens.token_type,
      me_status: me.status,
      me: await me.json(),
      remaining: me.headers.get("RateLimit-Remaining"),
      no_token_status: noToken.status,
      no_token_challenge: noToken.headers.get("WWW-Authenticate"),
    });
  } catch (error) {
    out.textContent = JSON.stringify({error: String(error)});
  }
  out.dataset.done = "1";
}

async function probeTokenEndpoint() {
  const out = document.getElementById("result");
  const server = new URLSearchParams(location.search).get("server");
  const results = {};
  try {
    const response = await fetch(server + "/oauth/token", {method: "POST", body: new URLSearchParams({grant_type: "x"})});
    results.token = "read: " + response.status;
  } catch (error) {
    results.token = "blocked: " + error;
  }
  const metadata = await fetch(server + "/.well-known/oauth-protected-resource");
  results.metadata = (await metadata.json()).resource;
  out.textContent = JSON.stringify(results);
  out.dataset.done = "1";
}
