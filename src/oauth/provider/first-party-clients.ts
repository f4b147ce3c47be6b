import { PROVIDER_ROUTES } from './routes.js';

/**
 * Gatehouse's own account and admin pages sign users in through the same authorization
 * endpoint and login page as any application (authorization code + PKCE), as this static,
 * first-party client. It is not a registered application: it never appears among a user's
 * connected apps, is never asked consent for, and gets no tokens (its code is checked and
 * consumed in-process, see account/account-session.service.ts).
 */
export const ACCOUNT_CLIENT_ID = 'gatehouse-account';

export const ACCOUNT_CALLBACK_PATH = '/account/callback';
export const SIGNED_OUT_PATH = '/account/signed-out';

export function accountClientMetadata(issuer: string): Record<string, unknown> {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'your Gatehouse account',
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${ACCOUNT_CALLBACK_PATH}`],
    post_logout_redirect_uris: [`${issuer}${SIGNED_OUT_PATH}`],
    token_endpoint_auth_method: 'none',
    scope: 'openid',
    api_scope: '',
    gatehouse_client_type: 'first-party',
    introspection_allowed: false,
  };
}

/** The account pages' sign-out link: oidc-provider's end-session page, then the signed-out page. */
export function accountSignOutUrl(issuer: string): string {
  const url = new URL(`${issuer}${PROVIDER_ROUTES.end_session}`);
  url.searchParams.set('client_id', ACCOUNT_CLIENT_ID);
  url.searchParams.set('post_logout_redirect_uri', `${issuer}${SIGNED_OUT_PATH}`);
  return url.href;
}
