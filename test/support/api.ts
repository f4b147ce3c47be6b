import { discover, oidc, runCodeFlow } from './oauth-client.js';
import type { TestApp, TestClient, TestUser } from './test-app.js';
import { UserAgent } from './user-agent.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text ('' for an empty body). */
  body: unknown;
}

export interface ApiRequest {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** RFC 9728 §3.1: the metadata URL of the API, which its challenges name (`resource_metadata`). */
export function apiMetadata(issuer: string): string {
  return `${issuer}/.well-known/oauth-protected-resource/api`;
}

/** Calls the app's API over HTTP; `token` goes in `Authorization: Bearer`. */
export async function callApi(
  app: TestApp,
  path: string,
  request: ApiRequest = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.token !== undefined) {
    headers.authorization = `Bearer ${request.token}`;
  }
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(app.url(path), { method: request.method ?? 'GET', headers, body });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return {
    status: response.status,
    headers: response.headers,
    body: json ? JSON.parse(text) : text,
  };
}

export interface UserTokens {
  client: TestClient;
  config: oidc.Configuration;
  tokens: oidc.TokenEndpointResponse;
  accessToken: string;
  refreshToken: string;
}

/**
 * Tokens from the real authorization code flow (sign-in and consent pages, consent asked
 * again) for `scope`, by a new web client unless one is given.
 */
export async function codeFlowTokens(
  app: TestApp,
  user: TestUser,
  scope: string,
  client?: TestClient,
): Promise<{ client: TestClient; config: oidc.Configuration; tokens: oidc.TokenEndpointResponse }> {
  const theClient = client ?? (await app.createClient({ type: 'web' }));
  const config = await discover(app, theClient);
  const { tokens } = await runCodeFlow(new UserAgent(app.issuer), config, theClient, user, {
    scope,
    prompt: 'consent',
  });
  return { client: theClient, config, tokens };
}

/**
 * A user's tokens for the API through the real authorization code flow, with a refresh token:
 * `scope` is the API scopes to ask for.
 */
export async function userApiTokens(
  app: TestApp,
  user: TestUser,
  scope = 'drive.read drive.write',
  client?: TestClient,
): Promise<UserTokens> {
  const flow = await codeFlowTokens(app, user, `openid offline_access ${scope}`, client);
  return {
    ...flow,
    accessToken: flow.tokens.access_token,
    refreshToken: flow.tokens.refresh_token!,
  };
}

/** A client_credentials token for a new service client registered for `scope`. */
export async function serviceToken(
  app: TestApp,
  scope = 'drive.read drive.write',
): Promise<{ client: TestClient; accessToken: string; config: oidc.Configuration }> {
  const client = await app.createClient({ type: 'service', scope });
  const config = await discover(app, client);
  const tokens = await oidc.clientCredentialsGrant(config, { scope });
  return { client, accessToken: tokens.access_token, config };
}

/** A form post to one of the server's endpoints with HTTP Basic client authentication. */
export async function postForm(
  app: TestApp,
  path: string,
  form: Record<string, string>,
  client?: TestClient,
): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client?.clientSecret) {
    const credentials = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  } else if (client) {
    form = { client_id: client.clientId, ...form };
  }
  return callApi(app, path, {
    method: 'POST',
    headers,
    body: new URLSearchParams(form).toString(),
  });
}
