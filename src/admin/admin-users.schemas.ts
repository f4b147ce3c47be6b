import { z } from 'zod';
import { parseInput } from '../common/parse-input.js';
import { PASSWORD_MAX_LENGTH } from '../identity/password-policy.js';
import type { UserListQuery } from '../identity/users.service.js';

export const UserListQuerySchema = z.strictObject({
  search: z.string().max(320, 'search must be at most 320 characters').optional(),
  limit: z.coerce
    .number()
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(200, 'limit must be at most 200')
    .default(50),
  after: z.string().max(500).optional(),
});

/** The user listing's query parameters (API and page alike), validated: a 400 otherwise. */
export function parseUserListQuery(input: unknown): UserListQuery {
  const q = parseInput(UserListQuerySchema, input);
  return { search: q.search?.trim() || undefined, limit: q.limit, after: q.after };
}

export const UserPatchSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .max(200, 'name must be at most 200 characters')
      .nullable()
      .optional()
      .describe('null or "" removes it'),
    admin: z.boolean({ error: 'admin must be true or false' }).optional(),
    disabled: z
      .boolean({ error: 'disabled must be true or false' })
      .optional()
      .describe('true: signed out everywhere, every authorization and token revoked'),
  })
  .meta({ title: 'UserChanges' });

export const SetPasswordSchema = z
  .strictObject({
    password: z
      .string({ error: 'password is required' })
      .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`),
  })
  .meta({ title: 'NewPassword' });

// Response shapes: documentation only.
const instant = z.string().meta({ format: 'date-time' });

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    admin: z.boolean(),
    disabled: z.boolean(),
    email_verified: z.boolean(),
    disabled_at: instant.nullable(),
    last_sign_in_at: instant.nullable(),
    created_at: instant,
  })
  .meta({ title: 'User' });

export const UserDetailSchema = UserSchema.extend({
  sessions: z.number().int().describe('Browser sessions signed in now'),
  connected_apps: z.array(z.object({ client_id: z.string(), name: z.string() })),
  second_factors: z
    .object({
      authenticator_app: z.boolean(),
      passkeys: z.number().int(),
      recovery_codes_left: z.number().int(),
    })
    .describe('What the user set up; DELETE …/second-factors resets them'),
}).meta({ title: 'UserDetail' });

export const UserPageSchema = z
  .object({
    users: z.array(UserSchema),
    next: z.string().optional().describe('Pass as `after` for the next page'),
  })
  .meta({ title: 'UserPage' });
