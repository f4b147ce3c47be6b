// A minimal oidc-provider 9 server, the baseline the token-endpoint benchmark compares Gatehouse
// with. It mirrors what Gatehouse configures where the token endpoint is concerned (routes, scopes,
// TTLs, resource indicators with JWT access tokens for `${issuer}/api`, RS256 + ES256 keys,
// refresh-token rotation policy, PKCE) but uses oidc-provider's default in-memory adapter and
// static clients, and no framework around provider.callback().
//
// Environment: PORT (required), HOST (default 127.0.0.1), REFRESH_TOKENS (default 100),
// ACCESS_TOKEN_TTL (seconds, default 600).
// When listening it prints one line to stdout:  BENCH_READY {"issuer":..., "service":{...},
// "web":{...}, "introspector":{...}, "refreshTokens":["...", ...], "apiAccessToken":"..."}  and
// then serves until SIGTERM/SIGINT.
//
// For the resource-server benchmark's introspection scenario it also has what Gatehouse has with
// ACCESS_TOKEN_FORMAT=opaque: a resource-server client allowed to introspect (as `clients:create
// --type service --introspection`: client_credentials, client_secret_basic, and the same
// allowedPolicy) and an opaque access token for the API as the code flow would leave it (a user's
// Grant with openid + drive.read drive.write on `${issuer}/api`, an AccessToken under it),
// created in-process since this server has no sign-in pages.
//
// Why several refresh tokens, each under its own Grant: the default in-memory adapter indexes
// every token issued under a grant in one Map and, on every save, scans the whole Map and spreads
// it into Math.max() -- O(n) per token, so replaying ONE refresh token degrades quadratically
// (measured here: ~840 req/s falling to ~250 req/s after 15k refreshes, and Math.max(...) would
// throw past ~10^5 members). Spreading the load over 100 grants keeps that artefact out of the
// baseline; the per-request work (find token, grant, account; save an opaque access token; sign
// an ID token) is the same as Gatehouse's.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('standalone-provider: PORT must be set');
  process.exit(2);
}
const issuer = `http://${host}:${port}`;
const api = `${issuer}/api`;

// Same defaults as Gatehouse's config (ACCESS_TOKEN_TTL 10m, REFRESH_TOKEN_TTL 30d, ...).
const TTL = {
  accessToken: Number(process.env.ACCESS_TOKEN_TTL ?? 600),
  idToken: 3600,
  refreshToken: 30 * 86400,
  authorizationCode: 60,
  session: 14 * 86400,
  grant: 365 * 86400,
  interaction: 3600,
};
const IDENTITY_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
const API_SCOPES = ['drive.read', 'drive.write'];
const SIGNING_ALGS = ['RS256', 'ES256'];

async function signingKeys() {
  const keys = [];
  for (const alg of SIGNING_ALGS) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    keys.push({
      ...(await exportJWK(privateKey)),
      alg,
      use: 'sig',
      kid: `${alg}-${randomBytes(4).toString('hex')}`,
    });
  }
  return keys;
}

const service = { clientId: 'bench-service', clientSecret: randomBytes(32).toString('base64url') };
const web = {
  clientId: 'bench-web',
  clientSecret: randomBytes(32).toString('base64url'),
  redirectUri: 'https://app.example.com/callback',
};
const introspector = {
  clientId: 'bench-introspector',
  clientSecret: randomBytes(32).toString('base64url'),
};
const accountId = 'bench-account';
const refreshTokenCount = Number(process.env.REFRESH_TOKENS ?? 100);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: service.clientId,
      client_secret: service.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: web.clientId,
      client_secret: web.clientSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [web.redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: IDENTITY_SCOPES.join(' '),
    },
    {
      client_id: introspector.clientId,
      client_secret: introspector.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      introspection_allowed: true,
    },
  ],
  // As Gatehouse: only clients registered as resource servers may introspect.
  extraClientMetadata: { properties: ['introspection_allowed'] },
  jwks: { keys: await signingKeys() },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  routes: {
    authorization: '/oauth/authorize',
    token: '/oauth/token',
    userinfo: '/oauth/userinfo',
    jwks: '/oauth/jwks',
    end_session: '/oauth/logout',
    introspection: '/oauth/introspect',
    revocation: '/oauth/revoke',
    pushed_authorization_request: '/oauth/par',
  },
  scopes: IDENTITY_SCOPES,
  claims: { openid: ['sub'], profile: ['name', 'updated_at'], email: ['email', 'email_verified'] },
  findAccount(_ctx, sub) {
    return { accountId: sub, claims: () => ({ sub }) };
  },
  responseTypes: ['code'],
  pkce: { required: () => true },
  allowOmittingSingleRegisteredRedirectUri: false,
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  enabledJWA: {
    idTokenSigningAlgValues: SIGNING_ALGS,
    userinfoSigningAlgValues: SIGNING_ALGS,
    introspectionSigningAlgValues: SIGNING_ALGS,
    authorizationSigningAlgValues: SIGNING_ALGS,
    requestObjectSigningAlgValues: SIGNING_ALGS,
    clientAuthSigningAlgValues: SIGNING_ALGS,
  },
  ttl: {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? TTL.accessToken,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? TTL.accessToken,
    AuthorizationCode: TTL.authorizationCode,
    IdToken: TTL.idToken,
    Interaction: TTL.interaction,
    Session: TTL.session,
    Grant: TTL.grant,
    RefreshToken: TTL.refreshToken,
  },
  // Same policy as Gatehouse: confidential clients rotate only after 70% of the lifetime.
  rotateRefreshToken(ctx) {
    const { RefreshToken: refreshToken, Client: client } = ctx.oidc.entities;
    if (!refreshToken || !client) {
      return false;
    }
    return client.clientAuthMethod === 'none' || refreshToken.ttlPercentagePassed() >= 70;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    introspection: {
      enabled: true,
      allowedPolicy: (_ctx, client) => client.introspection_allowed === true,
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, _client, oneOf) => {
        if (oneOf) {
          return oneOf;
        }
        const requested = ctx.oidc.params?.scope;
        const scope = typeof requested === 'string' ? requested.split(' ') : [];
        return scope.some((s) => API_SCOPES.includes(s)) ? api : undefined;
      },
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resourceIndicator) => {
        if (resourceIndicator !== api) {
          throw new errors.InvalidTarget();
        }
        return {
          scope: API_SCOPES.join(' '),
          audience: api,
          accessTokenTTL: TTL.accessToken,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});
provider.on('server_error', (_ctx, error) => console.error('server_error', error));

// Refresh tokens as a user would get them from the code flow (scope openid offline_access, no
// API resource): a Grant plus a RefreshToken bound to it, created in-process.
const client = await provider.Client.find(web.clientId);
const refreshTokens = [];
for (let i = 0; i < refreshTokenCount; i++) {
  const grant = new provider.Grant({ accountId, clientId: web.clientId });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  refreshTokens.push(
    await new provider.RefreshToken({
      accountId,
      client,
      grantId,
      scope: 'openid offline_access',
      gty: 'authorization_code',
      authTime: Math.floor(Date.now() / 1000),
      expiresWithSession: false,
    }).save(),
  );
}

// An opaque access token for the API, as the code flow with scope `openid drive.read
// drive.write` leaves it when the resource's accessTokenFormat is opaque.
const apiGrant = new provider.Grant({ accountId, clientId: web.clientId });
apiGrant.addOIDCScope('openid');
apiGrant.addResourceScope(api, API_SCOPES.join(' '));
const apiAccessToken = await new provider.AccessToken({
  accountId,
  client,
  grantId: await apiGrant.save(),
  gty: 'authorization_code',
  scope: API_SCOPES.join(' '),
  expiresWithSession: false,
  resourceServer: {
    audience: api,
    scope: API_SCOPES.join(' '),
    accessTokenTTL: TTL.accessToken,
    accessTokenFormat: 'opaque',
    identifier: () => api,
  },
}).save();

const server = createServer(provider.callback());
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => {
  const ready = { issuer, service, web, introspector, refreshTokens, apiAccessToken };
  process.stdout.write(`BENCH_READY ${JSON.stringify(ready)}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    // A clean exit (not death by signal) lets --cpu-prof write its profile.
    process.exit(0);
  });
}
