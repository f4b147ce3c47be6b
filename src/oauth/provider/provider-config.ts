import type { AppConfig } from '../../config/app-config.js';
import type { ViewsService } from '../../common/views.service.js';
import type { UsersService } from '../../identity/users.service.js';
import type { KeyMaterial } from '../../keys/keys.service.js';
import type { GrantsService } from '../grants/grants.service.js';
import { grantKey } from '../../tokens/revocation-list.js';
import { API_SCOPES, apiResource, IDENTITY_SCOPES, SCOPES } from '../../tokens/scopes.js';
import { resourceByIndicator, resourceIndicator } from '../../tokens/resources.js';
import { claimsFor } from './account-claims.js';
import { errorPage } from './corrections/error-page.js';
import { spareFirstPartyNativeApps } from './corrections/first-party-native-consent.js';
import { devicePages } from './device-pages.js';
import {
  addConsentCheck,
  basePolicy,
  invalidScope,
  invalidTarget,
  type ClientMetadata,
  type Configuration,
  type InteractionPolicy,
  type KoaContextWithOIDC,
} from './engine.js';
import { ACCOUNT_CLIENT_ID, accountClientMetadata } from './first-party-clients.js';
import { PROVIDER_ROUTES } from './routes.js';

export interface ProviderDependencies {
  config: AppConfig;
  keys: KeyMaterial;
  adapter: (name: string) => unknown;
  users: UsersService;
  grants: GrantsService;
  views: ViewsService;
}

/** Application types whose users consent at every authorization. */
const ALWAYS_ASK = new Set(['native', 'device']);

/** Asymmetric only: the stored client secret is a hash, so HMAC algorithms could never work. */
const SIGNING_ALGS = ['RS256', 'ES256'] as const;

/**
 * oidc-provider's configuration: what Gatehouse offers and refuses. Each choice cites the
 * rule that asks for it.
 */
export function providerConfiguration(deps: ProviderDependencies): Configuration {
  const { config, views } = deps;
  const api = apiResource(config.issuer);

  return {
    adapter: deps.adapter as Configuration['adapter'],
    // Gatehouse's own account pages (see first-party-clients.ts); applications live in the
    // database and are read by the adapter.
    clients: [accountClientMetadata(config.issuer) as ClientMetadata],
    jwks: { keys: deps.keys.signing },
    cookies: {
      keys: deps.keys.cookie,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    routes: PROVIDER_ROUTES,
    scopes: IDENTITY_SCOPES,
    // API scopes are granted through the resource server below, but clients discover them here
    // (the engine itself would list only the scopes above: corrections/discovery-scopes.ts).
    discovery: { scopes_supported: Object.keys(SCOPES) },
    claims: {
      openid: ['sub'],
      profile: ['name', 'updated_at'],
      email: ['email', 'email_verified'],
    },
    // The ID token carries the claims of the scopes granted (email, email_verified, name), not
    // just `sub`: a relying party learns whether the address is confirmed without a userinfo
    // call. OIDC Core §5.4 allows both; the userinfo endpoint answers the same claims.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      const user = await deps.users.findById(sub);
      // A disabled user is nobody: their sessions, refresh tokens and codes stop working.
      if (!user || user.disabledAt !== null) {
        return undefined;
      }
      return {
        accountId: user.id,
        emailVerified: user.emailVerifiedAt !== null,
        claims: () => claimsFor(user) as { sub: string },
      };
    },

    // Only the authorization code flow: implicit and hybrid responses leak tokens through the
    // front channel (RFC 9700 §2.1.2), and the password grant is not implemented at all.
    responseTypes: ['code'],
    // PKCE for every client, S256 only (RFC 9700 §2.1.1; oidc-provider 9 knows no `plain`).
    pkce: { required: () => true },
    // Redirect URIs are compared exactly; OpenID Connect requires the parameter anyway.
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
    extraClientMetadata: {
      properties: [
        'gatehouse_client_type',
        'introspection_allowed',
        'api_scope',
        'previous_secret_hash',
        'first_party',
      ],
    },

    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken,
      ClientCredentials: (_ctx, token) =>
        token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken,
      AuthorizationCode: config.ttl.authorizationCode,
      IdToken: config.ttl.idToken,
      Interaction: config.ttl.interaction,
      DeviceCode: config.ttl.deviceCode,
      Session: config.ttl.session,
      Grant: config.ttl.grant,
      RefreshToken: (ctx, _token, client) => {
        // A browser app's refresh tokens live at most SPA_REFRESH_TOKEN_TTL from the first one
        // (an absolute lifetime: rotation hands on what is left, it never extends it), after
        // which its user signs in again (draft-ietf-oauth-browser-based-apps §6.1.4).
        const spa = extraMetadata(client, 'gatehouse_client_type') === 'spa';
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        const ttl = spa
          ? (rotated?.remainingTTL ?? Math.min(config.ttl.refreshToken, config.ttl.spaRefreshToken))
          : config.ttl.refreshToken;
        // No refresh token outlives the authorization (grant) it was issued under.
        const grantExp = ctx?.oidc?.entities.Grant?.exp;
        const grantLeft = grantExp ? grantExp - Math.floor(Date.now() / 1000) : undefined;
        return grantLeft === undefined ? ttl : Math.max(1, Math.min(ttl, grantLeft));
      },
    },
    // Public clients rotate their refresh token on every use and a replayed one revokes the
    // grant (RFC 9700 §4.14.2); confidential clients authenticate, so they rotate late in life.
    rotateRefreshToken(ctx) {
      const { RefreshToken: refreshToken, Client: client } = ctx.oidc.entities;
      if (!refreshToken || !client) {
        return false;
      }
      return client.clientAuthMethod === 'none' || refreshToken.ttlPercentagePassed() >= 70;
    },
    // Consent belongs to the account, not to a browser session: look the grant up by account
    // and client when this session has none, so a second sign-in is not asked again.
    async loadExistingGrant(ctx) {
      const clientId = ctx.oidc.client!.clientId;
      const accountId = ctx.oidc.session!.accountId;
      // A native app or a device cannot prove it is the app it claims to be (anyone can use
      // its client_id), so its user is asked every time (RFC 8252 §8.6, RFC 8628 §5.4): only
      // the consent just given counts.
      // The operator's own apps (registered --first-party) are exempt.
      if (
        ALWAYS_ASK.has(String(extraMetadata(ctx.oidc.client!, 'gatehouse_client_type'))) &&
        extraMetadata(ctx.oidc.client!, 'first_party') !== true
      ) {
        const given = ctx.oidc.result?.consent?.grantId;
        return given ? ctx.oidc.provider.Grant.find(given) : undefined;
      }
      const grantId =
        ctx.oidc.result?.consent?.grantId ??
        ctx.oidc.session!.grantIdFor(clientId) ??
        (accountId ? await deps.grants.currentGrantId(accountId, clientId) : undefined);
      const grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      // Gatehouse's own pages are first-party: the user is never asked to consent to them.
      if (clientId === ACCOUNT_CLIENT_ID && accountId && !grant) {
        const firstParty = new ctx.oidc.provider.Grant({ clientId, accountId });
        firstParty.addOIDCScope('openid');
        await firstParty.save();
        return firstParty;
      }
      return grant;
    },

    // A JWT access token is checked without the database, so it must say which authorization it
    // belongs to for a revoked one to be refused (see revocations/revocation-list.ts). It names
    // the grant by its key, not by its id. `iat_ms` is when it was issued, to the millisecond:
    // `iat` has whole seconds, too coarse to tell a token issued just after a revocation (say,
    // refreshed after a scope was taken back) from one issued just before it.
    extraTokenClaims(_ctx, token) {
      const jwt =
        (token.kind === 'AccessToken' || token.kind === 'ClientCredentials') &&
        token.resourceServer?.accessTokenFormat === 'jwt';
      if (!jwt) {
        return undefined;
      }
      const grantId = token.kind === 'AccessToken' ? token.grantId : undefined;
      return { iat_ms: Date.now(), ...(grantId ? { gid: grantKey(grantId) } : {}) };
    },

    interactions: {
      policy: interactionPolicyFor(config),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 8628, for `device` applications: user codes of 8 consonants (base-20: no vowels,
      // so no 0/O or 1/I look-alikes and no words), shown as XXXX-XXXX; case and dashes are
      // ignored when typed. See device-pages.ts and device/device-flow.middleware.ts.
      deviceFlow: {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        ...devicePages(views),
      },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      introspection: {
        enabled: true,
        // Introspection is internal (RFC 7662 §4): only registered resource servers may call it.
        allowedPolicy: (_ctx, client) => extraMetadata(client, 'introspection_allowed') === true,
      },
      resourceIndicators: {
        enabled: true,
        // Tokens are audience-bound to one resource of the registry (RFC 8707, tokens/
        // resources.ts: the API, the MCP server...); a request that names no resource but asks
        // for API scopes means the API.
        defaultResource: (ctx, _client, oneOf) => {
          if (oneOf) {
            return oneOf;
          }
          // A service's only resource is the API.
          if (isClientCredentials(ctx)) {
            return api;
          }
          const wantsApi = requestedScopes(ctx).some((s) => (API_SCOPES as string[]).includes(s));
          return wantsApi ? api : undefined!;
        },
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator, client) => {
          const resource = resourceByIndicator(config.issuer, indicator);
          if (!resource) {
            throw invalidTarget();
          }
          // What the client was registered for (`api_scope`), of what this resource knows.
          const apiScope = extraMetadata(client, 'api_scope');
          const registered = typeof apiScope === 'string' ? apiScope.split(' ') : [];
          const allowed = registered.filter((scope) =>
            (resource.scopes as readonly string[]).includes(scope),
          );
          if (isClientCredentials(ctx)) {
            // No user consents here, so asking for more than the service was registered for
            // is an error, not a silent downgrade (RFC 6749 §5.2 invalid_scope).
            const refused = requestedScopes(ctx).find((scope) => !allowed.includes(scope));
            if (refused) {
              throw invalidScope('requested scope is not allowed', refused);
            }
          }
          return {
            scope: allowed.join(' '),
            audience: resourceIndicator(config.issuer, resource),
            accessTokenTTL: config.ttl.accessToken,
            accessTokenFormat: config.accessTokenFormat,
            ...(config.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
          };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.type = 'html';
          // Signing out of Gatehouse's own pages is signing out of Gatehouse: no second name.
          const client = ctx.oidc.client;
          const clientName =
            client?.clientId === ACCOUNT_CLIENT_ID ? undefined : client?.clientName;
          ctx.body = views.render('logout', { form, clientName });
        },
        postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = views.render('logged-out', { clientName: ctx.oidc.client?.clientName });
        },
      },
    },
    // Browser apps may call the token, userinfo and revocation endpoints only from the origins
    // of their own registered redirect URIs; never `*`.
    clientBasedCORS(_ctx, origin, client) {
      return (
        extraMetadata(client, 'gatehouse_client_type') === 'spa' &&
        (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin)
      );
    },
    renderError: errorPage(views),
  };
}

/**
 * The reason of the consent prompt that stops an authorization while the person has not
 * confirmed their address: the consent page then shows "Confirm your email address".
 */
export const EMAIL_NOT_VERIFIED = 'email_not_verified';

/**
 * oidc-provider's prompts, with two changes: native apps are asked at every authorization
 * (RFC 8252 §8.6) except first-party ones (corrections/first-party-native-consent.ts); and with
 * `SIGNUP=open`, where anyone can claim any address, no application gets a code (so no token)
 * for an account whose address is unconfirmed. Gatehouse's own account pages are exempt: that
 * is where the person asks for a new link. Invited users are confirmed by accepting; in the
 * other modes every account came from an administrator.
 */
function interactionPolicyFor(config: AppConfig): InteractionPolicy {
  const policy = spareFirstPartyNativeApps(
    basePolicy(),
    (ctx) => extraMetadata(ctx.oidc.client!, 'first_party') === true,
  );
  if (config.signup === 'open') {
    addConsentCheck(
      policy,
      EMAIL_NOT_VERIFIED,
      'the end-user has not confirmed their email address',
      (ctx) =>
        ctx.oidc.client?.clientId !== ACCOUNT_CLIENT_ID &&
        (ctx.oidc.account as { emailVerified?: boolean } | undefined)?.emailVerified === false,
    );
  }
  return policy;
}

/** Our extra client metadata; oidc-provider keeps it under its registered (snake_case) name. */
function extraMetadata(
  client: object,
  name: 'api_scope' | 'introspection_allowed' | 'gatehouse_client_type' | 'first_party',
): unknown {
  return (client as Record<string, unknown>)[name];
}

function isClientCredentials(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
}

function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const scope = ctx.oidc.params?.scope;
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}
