import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { ConflictError, NotFoundError, UserInputError } from '../common/errors.js';
import type { UserEntity } from '../identity/user.entity.js';
import { UsersService } from '../identity/users.service.js';
import { OidcPayloadStore } from '../tokens/oidc-payload.store.js';
import { UserAccess } from './user-access.service.js';

/** What an administrator (API, CLI) may change of a user in one go. */
export interface UserChanges {
  name?: string | null;
  admin?: boolean;
  disabled?: boolean;
}

/**
 * The id a deleted user's audit events keep: one per deletion, shared by all their events, and
 * random, so nothing that still knows the id (a backup, another system's logs) can link it back.
 */
export function deletedUserPseudonym(): string {
  return `deleted-user:${randomBytes(16).toString('hex')}`;
}

/**
 * What happens to a person over time, by an administrator or themselves: disabled (and every
 * access taken away at once), enabled, renamed, made or no longer an admin, given a password,
 * deleted with all they held. Every change is audited. Whoever acts may not lock themselves
 * out, and the last administrator who can sign in stays one.
 */
@Injectable()
export class UserLifecycle {
  constructor(
    private readonly users: UsersService,
    private readonly access: UserAccess,
    private readonly payloads: OidcPayloadStore,
    private readonly audit: AuditLog,
  ) {}

  /** A user by id or email. @throws NotFoundError */
  async find(idOrEmail: string): Promise<UserEntity> {
    const user = idOrEmail.includes('@')
      ? await this.users.findByEmail(idOrEmail)
      : await this.users.findById(idOrEmail);
    if (!user) {
      throw new NotFoundError(
        `no user with ${idOrEmail.includes('@') ? 'email' : 'id'} ${idOrEmail}`,
      );
    }
    return user;
  }

  /** Signs the user out everywhere and revokes everything they hold; they cannot sign in. */
  async disable(userId: string, actor: Actor): Promise<UserEntity> {
    const user = await this.find(userId);
    this.refuseOnSelf(user, actor, 'disable');
    await this.keepAnAdmin(user, 'disable');
    if (user.disabledAt === null) {
      // First the flag, so that no new sign-in slips in while the access is taken away.
      await this.users.setDisabled(user.id, Date.now());
      const revoked = await this.access.revokeEverything(user.id, actor, 'user disabled');
      await this.record('user.disabled', user, actor, { ...revoked });
    }
    return this.find(user.id);
  }

  async enable(userId: string, actor: Actor): Promise<UserEntity> {
    const user = await this.find(userId);
    if (user.disabledAt !== null) {
      await this.users.setDisabled(user.id, null);
      await this.record('user.enabled', user, actor);
    }
    return this.find(user.id);
  }

  async setAdmin(userId: string, admin: boolean, actor: Actor): Promise<UserEntity> {
    const user = await this.find(userId);
    if (user.isAdmin && !admin) {
      this.refuseOnSelf(user, actor, 'remove the admin role of');
      await this.keepAnAdmin(user, 'remove the admin role of');
    }
    if (user.isAdmin !== admin) {
      await this.users.setAdmin(user.id, admin);
      await this.record('user.updated', user, actor, { admin });
    }
    return this.find(user.id);
  }

  async rename(userId: string, name: string | null, actor: Actor): Promise<UserEntity> {
    const user = await this.find(userId);
    if (user.name !== name) {
      await this.users.rename(user.id, name);
      await this.record('user.updated', user, actor, { name_changed: true });
    }
    return this.find(user.id);
  }

  /** Several changes; each is checked before any is made. */
  async update(userId: string, changes: UserChanges, actor: Actor): Promise<UserEntity> {
    const user = await this.find(userId);
    if (changes.admin === false && user.isAdmin) {
      this.refuseOnSelf(user, actor, 'remove the admin role of');
      await this.keepAnAdmin(user, 'remove the admin role of');
    }
    if (changes.disabled === true) {
      this.refuseOnSelf(user, actor, 'disable');
      await this.keepAnAdmin(user, 'disable');
    }
    if (changes.name !== undefined) {
      await this.rename(user.id, changes.name, actor);
    }
    if (changes.admin !== undefined) {
      await this.setAdmin(user.id, changes.admin, actor);
    }
    if (changes.disabled === true) {
      await this.disable(user.id, actor);
    }
    if (changes.disabled === false) {
      await this.enable(user.id, actor);
    }
    return this.find(user.id);
  }

  /**
   * A password set by an administrator (or the CLI): the policy applies, and the user's sessions
   * end (whoever knew the old one is signed out). @throws UserInputError with the reason
   */
  async setPassword(userId: string, password: string, actor: Actor): Promise<void> {
    const user = await this.find(userId);
    await this.users.setPassword(user.id, password);
    const sessions = await this.access.endSessions(user.id);
    await this.record('user.password_set', user, actor, { sessions_ended: sessions });
  }

  /**
   * The person changes their own password: the current one must be right, the policy applies,
   * and every other session of theirs ends (`keepSessionKey`: the one they are using).
   * @throws UserInputError saying what is wrong; nothing changes then
   */
  async changeOwnPassword(
    user: UserEntity,
    passwords: { current: string; next: string },
    actor: Actor,
    keepSessionKey?: string,
  ): Promise<void> {
    await this.checkPassword(user, passwords.current);
    await this.users.setPassword(user.id, passwords.next);
    const sessions = await this.access.endSessions(user.id, keepSessionKey);
    await this.record('user.password_set', user, actor, { self: true, sessions_ended: sessions });
  }

  /** The person deletes their own account, confirmed with their password (see delete()). */
  async deleteOwnAccount(user: UserEntity, password: string, actor: Actor): Promise<void> {
    await this.checkPassword(user, password);
    await this.delete(user.id, actor, { self: true });
  }

  private async checkPassword(user: UserEntity, password: string): Promise<void> {
    if (!password || !(await this.users.authenticate(user.email, password))) {
      throw new UserInputError('Your current password is not correct.');
    }
  }

  /**
   * Deletes the user and all they held: sessions, authorizations and every token under them
   * (JWTs included), personal tokens, Drive files (the foreign keys cascade). Their audit events
   * stay, naming a pseudonym instead. `self`: the person deletes their own account.
   */
  async delete(userId: string, actor: Actor, { self = false } = {}): Promise<void> {
    const user = await this.find(userId);
    if (!self) {
      this.refuseOnSelf(user, actor, 'delete');
    }
    await this.keepAnAdmin(user, 'delete');
    await this.access.revokeEverything(user.id, actor, self ? 'account deleted' : 'user deleted');
    await this.payloads.deleteAllOfAccount(user.id);
    await this.users.delete(user.id);
    const pseudonym = deletedUserPseudonym();
    await this.audit.pseudonymize(user.id, user.email, pseudonym);
    await this.audit.record({
      event: 'user.deleted',
      outcome: 'success',
      actor: self ? { id: pseudonym, ip: actor.ip } : actor,
      details: { user: pseudonym, self },
    });
  }

  /** Live browser sessions of the user, for the admin's view. */
  countSessions(userId: string): Promise<number> {
    return this.payloads.countSessionsOf(userId, Date.now());
  }

  private refuseOnSelf(user: UserEntity, actor: Actor, what: string): void {
    if (user.id === actor.id) {
      throw new ConflictError(`You cannot ${what} yourself; ask another administrator.`);
    }
  }

  private async keepAnAdmin(user: UserEntity, what: string): Promise<void> {
    if (user.isAdmin && user.disabledAt === null && (await this.users.countActiveAdmins()) <= 1) {
      throw new ConflictError(
        `You cannot ${what} ${user.email}: they are the last administrator. Make someone else an administrator first.`,
      );
    }
  }

  private async record(
    event: 'user.disabled' | 'user.enabled' | 'user.updated' | 'user.password_set',
    user: UserEntity,
    actor: Actor,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.audit.record({
      event,
      outcome: 'success',
      actor,
      details: { user_id: user.id, email: user.email, ...details },
    });
  }
}
