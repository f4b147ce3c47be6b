// A single-page app signing in with Gatehouse, as "OAuth 2.0 for Browser-Based Applications"
// describes it: a public client, the authorization code flow with PKCE (S256) and state, tokens
// kept in memory only (never in localStorage, where any script on the origin could read
// them), rotating refresh tokens. Plain browser APIs, no library.
//
// Register it, then open it with its client_id (the app stores nothing else between visits):
//   npm run cli -- clients:create --name "Example SPA" --type spa \
//     --redirect-uri http://localhost:3000/examples/spa
//   http://localhost:3000/examples/spa?client_id=<client_id>

const issuer = window.location.origin;
const redirectUri = `${issuer}/examples/spa`;
const scope = 'openid offline_access drive.read';

const $ = (id) => document.getElementById(id);
const show = (text) => {
  $('output').textContent = text;
};

// In memory only: a reload signs the user out, which is the price of not storing tokens.
let tokens;

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

async function discovery() {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  return response.json();
}

async function signIn() {
  const clientId = sessionStorage.getItem('client_id');
  if (!clientId) {
    show('Open this page with ?client_id=<the SPA client id> first.');
    return;
  }
  const { authorization_endpoint: authorize } = await discovery();
  const verifier = random();
  const state = random();
  // Only for the round trip to the sign-in page; removed as soon as it is back.
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
  const challenge = base64url(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
  );
  const url = new URL(authorize);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    // offline_access (a refresh token) is granted only with an explicit consent prompt.
    prompt: 'consent',
  }).toString();
  window.location.assign(url.href);
}

async function tokenRequest(params) {
  const { token_endpoint: endpoint } = await discovery();
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: sessionStorage.getItem('client_id'), ...params }),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`${body.error}: ${body.error_description ?? ''}`);
  }
  return body;
}

async function completeSignIn(query) {
  const saved = JSON.parse(sessionStorage.getItem('pkce') ?? 'null');
  sessionStorage.removeItem('pkce');
  // Leave no code or state in the address bar or the history.
  window.history.replaceState(null, '', redirectUri);
  if (query.get('error')) {
    show(`Sign-in ended: ${query.get('error')} ${query.get('error_description') ?? ''}`);
    return;
  }
  if (!saved || query.get('state') !== saved.state) {
    show('This sign-in response was not started here (state mismatch); ignored.');
    return;
  }
  tokens = await tokenRequest({
    grant_type: 'authorization_code',
    code: query.get('code'),
    redirect_uri: redirectUri,
    code_verifier: saved.verifier,
  });
  signedIn();
}

function signedIn() {
  const claims = tokens.id_token
    ? JSON.parse(atob(tokens.id_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
    : {};
  $('status').textContent = `Signed in as ${claims.sub ?? 'you'} (scope: ${tokens.scope}).`;
  for (const id of ['list-files', 'refresh', 'sign-out']) {
    $(id).disabled = false;
  }
  $('sign-in').disabled = true;
}

async function listFiles() {
  const response = await fetch(`${issuer}/api/drive/files`, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  if (response.status === 401) {
    show(
      `The access token was refused (${response.headers.get('www-authenticate')}). Refresh, or sign in again.`,
    );
    return;
  }
  const { files } = await response.json();
  show(
    `${files.length} file(s) in your Drive${files.length ? `:\n${files.map((f) => `- ${f.name}`).join('\n')}` : '.'}`,
  );
}

async function refresh() {
  // The refresh token rotates: the old one is dead from here on (a replay revokes everything).
  tokens = {
    ...tokens,
    ...(await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })),
  };
  show('Tokens refreshed: new access token, new refresh token.');
}

async function signOut() {
  const { revocation_endpoint: revoke } = await discovery();
  await fetch(revoke, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: sessionStorage.getItem('client_id'),
      token: tokens.refresh_token,
    }),
  });
  tokens = undefined;
  window.location.assign(redirectUri);
}

const run = (work) => () => work().catch((error) => show(`Error: ${error.message}`));
$('sign-in').addEventListener('click', run(signIn));
$('list-files').addEventListener('click', run(listFiles));
$('refresh').addEventListener('click', run(refresh));
$('sign-out').addEventListener('click', run(signOut));

const query = new URLSearchParams(window.location.search);
if (query.get('client_id')) {
  sessionStorage.setItem('client_id', query.get('client_id'));
  window.history.replaceState(null, '', redirectUri);
}
if (query.get('code') || query.get('error')) {
  run(() => completeSignIn(query))();
}
