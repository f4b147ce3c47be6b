import type { UserEntity } from '../identity/user.entity.js';

/** A user as the admin API answers and the CLI prints with --json. */
export function describeUser(user: UserEntity) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    admin: user.isAdmin,
    disabled: user.disabledAt !== null,
    email_verified: user.emailVerifiedAt !== null,
    disabled_at: iso(user.disabledAt),
    last_sign_in_at: iso(user.lastSignInAt),
    created_at: user.createdAt.toISOString(),
  };
}

export type UserView = ReturnType<typeof describeUser>;
