/**
 * The scope registry: every scope Gatehouse knows, with the sentence the consent page shows.
 * Discovery, client registration, consent and the resource guard all read it.
 */
export const SCOPES = {
  // Neutral words: the pages carry the operator's product name (BRAND_NAME), not ours.
  openid: 'Sign you in with your account',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using the app',
  'drive.read': 'See the files in your Drive',
  'drive.write': 'Create, change and delete files in your Drive',
  admin: 'Manage applications and users, and read the audit trail (administrators only)',
} as const;

export type Scope = keyof typeof SCOPES;

/** Scopes about the user's identity, served by the authorization server itself (OIDC Core §5.4). */
export const IDENTITY_SCOPES: Scope[] = ['openid', 'profile', 'email', 'offline_access'];

/** Scopes of the API (the Drive and the admin API), on access tokens audience-bound to it (RFC 8707). */
export const API_SCOPES: Scope[] = ['drive.read', 'drive.write', 'admin'];

/**
 * Scopes an application gets only when registered for them explicitly, and a user can grant
 * only if they hold the role: `admin` is for administrators' tools.
 */
export const PRIVILEGED_SCOPES: Scope[] = ['admin'];

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

export function describeScope(scope: string): string {
  return isScope(scope) ? SCOPES[scope] : scope;
}

/** The resource indicator of the built-in API (RFC 8707 §2). */
export function apiResource(issuer: string): string {
  return `${issuer}/api`;
}
