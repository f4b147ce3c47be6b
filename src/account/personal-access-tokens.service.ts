import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { NotFoundError, UserInputError } from '../common/errors.js';
import type { UserEntity } from '../identity/user.entity.js';
import { API_SCOPES, PRIVILEGED_SCOPES } from '../tokens/scopes.js';
import {
  hashPersonalAccessToken,
  PERSONAL_ACCESS_TOKEN_PREFIX,
} from '../tokens/personal-access-token.verifier.js';
import { PersonalAccessTokenStore } from '../tokens/personal-access-token.store.js';

/** The lifetimes offered, in days: every token expires (a forgotten one stops on its own). */
export const TOKEN_LIFETIMES_DAYS = [7, 30, 90, 365] as const;

export interface PersonalAccessToken {
  id: string;
  name: string;
  /** The first characters, to recognise it by (`gat_AbCd`). */
  hint: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt?: Date;
}

export interface NewPersonalAccessToken {
  name: string;
  scopes: string[];
  days: number;
}

/**
 * Personal access tokens: for a user's scripts, without an OAuth client. Named, limited to
 * API scopes the user may hold, always expiring, shown once and stored as a hash, revocable at
 * once, listed with their last use. The resource guard accepts them (personal-access-token.verifier.ts).
 */
@Injectable()
export class PersonalAccessTokens {
  constructor(
    private readonly store: PersonalAccessTokenStore,
    private readonly audit: AuditLog,
  ) {}

  /** The API scopes this user may put on a token: `admin` only for administrators. */
  scopesFor(user: UserEntity): string[] {
    return API_SCOPES.filter(
      (scope) => user.isAdmin || !(PRIVILEGED_SCOPES as string[]).includes(scope),
    );
  }

  async list(userId: string): Promise<PersonalAccessToken[]> {
    const rows = await this.store.listForUser(userId);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      hint: row.hint,
      scopes: row.scope.split(' ').filter(Boolean),
      createdAt: new Date(Number(row.created_at)),
      expiresAt: new Date(Number(row.expires_at)),
      ...(row.last_used_at === null ? {} : { lastUsedAt: new Date(Number(row.last_used_at)) }),
    }));
  }

  /** Returns the token itself: shown now, never again (only its hash is kept). */
  async create(user: UserEntity, input: NewPersonalAccessToken, actor: Actor): Promise<string> {
    const name = input.name.trim();
    const allowed = this.scopesFor(user);
    const scopes = [...new Set(input.scopes)];
    const problems = [
      ...(name.length < 1 || name.length > 100
        ? ['Give the token a name of 1 to 100 characters.']
        : []),
      ...(scopes.length === 0 ? ['Choose at least one scope.'] : []),
      ...scopes
        .filter((scope) => !allowed.includes(scope))
        .map((scope) => `${scope} is not a scope you can give a token.`),
      ...((TOKEN_LIFETIMES_DAYS as readonly number[]).includes(input.days)
        ? []
        : [`Choose how long it lasts: ${TOKEN_LIFETIMES_DAYS.join(', ')} days.`]),
    ];
    if (problems.length) {
      throw new UserInputError(problems.join('\n'));
    }
    const token = `${PERSONAL_ACCESS_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const id = randomUUID();
    await this.store.insert({
      id,
      userId: user.id,
      name,
      tokenHash: hashPersonalAccessToken(token),
      hint: token.slice(0, 8),
      scope: scopes.join(' '),
      createdAt: now,
      expiresAt: now + input.days * 86_400_000,
    });
    await this.audit.record({
      event: 'personal_token.created',
      outcome: 'success',
      actor,
      details: { id, name, scope: scopes.join(' '), days: input.days },
    });
    return token;
  }

  /** Deletes one of the user's tokens: the API refuses it on the next request. */
  async revoke(userId: string, id: string, actor: Actor): Promise<void> {
    if (!(await this.store.deleteForUser(userId, id))) {
      throw new NotFoundError('No such token in your account');
    }
    await this.audit.record({
      event: 'personal_token.revoked',
      outcome: 'success',
      actor,
      details: { id },
    });
  }
}
