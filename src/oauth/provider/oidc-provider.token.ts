/** Injection token for the configured oidc-provider instance. */
export const OIDC_PROVIDER = Symbol('OIDC_PROVIDER');
