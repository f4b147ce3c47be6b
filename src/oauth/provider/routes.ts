/**
 * Where oidc-provider's endpoints live. Clients find them through discovery; these paths are
 * ours to choose and are documented in the README.
 */
export const PROVIDER_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  userinfo: '/oauth/userinfo',
  jwks: '/oauth/jwks',
  end_session: '/oauth/logout',
  introspection: '/oauth/introspect',
  revocation: '/oauth/revoke',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/device',
  device_authorization: '/oauth/device/auth',
} as const;

const PREFIXES = [
  '/oauth/',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
];

/** The device verification page and its sub-paths (`/device/<uid>/...` after sign-in). */
const DEVICE = /^\/device(?:[/?]|$)/;

/** Whether a request path belongs to oidc-provider rather than to a Nest controller. */
export function isProviderPath(url: string): boolean {
  return PREFIXES.some((prefix) => url.startsWith(prefix)) || DEVICE.test(url);
}
