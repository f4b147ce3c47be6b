import * as oidc from 'openid-client';
import type { NewTestClient, TestApp, TestClient, TestUser } from './test-app.js';
import { formAction, hiddenField, UserAgent, type Visit } from './user-agent.js';

/** An openid-client Configuration for one of the test app's clients, allowed to use http. */
export async function discover(app: TestApp, client: TestClient): Promise<oidc.Configuration> {
  const auth = client.clientSecret ? oidc.ClientSecretBasic(client.clientSecret) : oidc.None();
  return oidc.discovery(new URL(app.issuer), client.clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(
  config: oidc.Configuration,
  client: TestClient,
  params: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: client.redirectUri,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** Signs in on the page `visit` shows, returning the next visit (consent or the callback). */
export async function signIn(ua: UserAgent, visit: Visit, user: TestUser): Promise<Visit> {
  expectPage(visit, 'Sign in');
  return ua.postForm(formAction(visit.body), {
    _csrf: hiddenField(visit.body, '_csrf'),
    email: user.email,
    password: user.password,
  });
}

/**
 * Opens one of Gatehouse's own pages (`/account`, `/admin/...`) signed out, signs in on the
 * login page it leads to, and returns where that lands (the page asked for, normally).
 */
export async function signInAt(ua: UserAgent, user: TestUser, path: string): Promise<Visit> {
  return signIn(ua, await ua.get(path), user);
}

export async function consent(ua: UserAgent, visit: Visit, answer: 'Allow' | 'Deny' = 'Allow') {
  expectPage(visit, 'wants to access your account');
  const action = answer === 'Allow' ? formAction(visit.body) : formAction(visit.body, 'Deny');
  return ua.postForm(action, { _csrf: hiddenField(visit.body, '_csrf') });
}

export function expectPage(visit: Visit, text: string): void {
  if (visit.status !== 200 || !visit.body.includes(text)) {
    throw new Error(
      `expected a page with "${text}", got ${visit.status} at ${visit.url}${visit.location ? ` -> ${visit.location}` : ''}\n${visit.body.slice(0, 2000)}`,
    );
  }
}

export interface CompletedFlow {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  request: AuthorizationRequest;
  callback: URL;
}

/**
 * The whole authorization code flow as a user would do it: sign in (if needed), consent (if
 * asked), come back to the client with a code, and redeem it with PKCE.
 */
export async function runCodeFlow(
  ua: UserAgent,
  config: oidc.Configuration,
  client: TestClient,
  user: TestUser,
  params: Record<string, string> = {},
): Promise<CompletedFlow> {
  const request = await authorizationRequest(config, client, params);
  const callback = await approve(ua, request, user);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  });
  return { tokens, request, callback };
}

export interface NewClientFlow extends CompletedFlow {
  client: TestClient;
  config: oidc.Configuration;
  /** The user agent the flow ran in: signed in, with the consent given. */
  ua: UserAgent;
}

/**
 * Registers a client (`client` is its type, or its type and more), discovers the server for it,
 * and runs the whole code flow by `user` in a new user agent (see `runCodeFlow`). `params` go in
 * the authorization request over the defaults (e.g. another `redirect_uri`).
 */
export async function codeFlowWithNewClient(
  app: TestApp,
  user: TestUser,
  client: NewTestClient | NewTestClient['type'],
  params: Record<string, string> = {},
): Promise<NewClientFlow> {
  const registered = await app.createClient(typeof client === 'string' ? { type: client } : client);
  const config = await discover(app, registered);
  const ua = new UserAgent(app.issuer);
  const flow = await runCodeFlow(ua, config, registered, user, params);
  return { ...flow, client: registered, config, ua };
}

/** Drives the browser part of a flow: sign in if asked, allow if asked; returns the callback. */
export async function approve(
  ua: UserAgent,
  request: AuthorizationRequest,
  user: TestUser,
): Promise<URL> {
  let visit = await ua.get(request.url.href);
  if (visit.status === 200 && visit.body.includes('<h1 id="page-title">Sign in</h1>')) {
    visit = await signIn(ua, visit, user);
  }
  if (visit.status === 200 && visit.body.includes('wants to access your account')) {
    visit = await consent(ua, visit);
  }
  if (!visit.location) {
    throw new Error(
      `flow did not return to the client: ${visit.status} ${visit.url}\n${visit.body.slice(0, 1500)}`,
    );
  }
  return new URL(visit.location);
}

export { oidc };
