import type { UserEntity } from '../../identity/user.entity.js';

/** Standard claims (OIDC Core §5.1) for a user; which ones a client sees depends on scopes. */
export function claimsFor(user: UserEntity): Record<string, unknown> {
  return {
    sub: user.id,
    email: user.email,
    // True once the person confirmed the address by an emailed link (or accepted an invitation).
    email_verified: user.emailVerifiedAt !== null,
    ...(user.name ? { name: user.name } : {}),
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
  };
}
