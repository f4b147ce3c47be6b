import { Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { OidcPayloadStore } from '../tokens/oidc-payload.store.js';
import { PersonalAccessTokenStore } from '../tokens/personal-access-token.store.js';
import { grantKey, RevocationList } from '../tokens/revocation-list.js';
import { SessionActivityStore } from './session-activity.store.js';

/** What {@link UserAccess.revokeEverything} took away. */
export interface RevokedAccess {
  sessions: number;
  grants: number;
  personalTokens: number;
}

/**
 * Takes a person's access away, at once and everywhere: what a password reset, disabling a user
 * and deleting an account all need. Sessions end (their cookies name nothing any more); every
 * authorization the person gave goes with every code, refresh and access token under it, JWTs
 * included (through the revocation list, recorded first, so no moment exists where the grant is
 * gone but its JWTs still pass); personal access tokens are deleted.
 */
@Injectable()
export class UserAccess {
  constructor(
    private readonly payloads: OidcPayloadStore,
    private readonly personalTokens: PersonalAccessTokenStore,
    private readonly revocations: RevocationList,
    private readonly audit: AuditLog,
    private readonly activity: SessionActivityStore,
  ) {}

  /**
   * Ends the person's browser sessions; `exceptSessionKey`: the row key of one to keep (the
   * session the person is using, for "sign out of all other sessions").
   */
  async endSessions(userId: string, exceptSessionKey?: string): Promise<number> {
    const ended = await this.payloads.deleteSessionsOf(userId, exceptSessionKey);
    await this.activity.deleteForAccount(userId, exceptSessionKey);
    return ended;
  }

  /** Takes back every authorization the person gave any application; how many there were. */
  async revokeAuthorizations(userId: string, actor: Actor, reason: string): Promise<number> {
    const grantIds = await this.payloads.grantIdsOfAccount(userId);
    for (const grantId of grantIds) {
      await this.revocations.revoke('grant', grantKey(grantId));
    }
    await this.payloads.deleteByGrants(grantIds);
    if (grantIds.length > 0) {
      await this.audit.record({
        event: 'grant.revoked',
        outcome: 'success',
        actor,
        details: { account_id: userId, reason, grants: grantIds.length },
      });
    }
    return grantIds.length;
  }

  /** Sessions, authorizations and personal access tokens: all of it. */
  async revokeEverything(userId: string, actor: Actor, reason: string): Promise<RevokedAccess> {
    const grants = await this.revokeAuthorizations(userId, actor, reason);
    const sessions = await this.endSessions(userId);
    const personalTokens = await this.personalTokens.deleteAllForUser(userId);
    return { sessions, grants, personalTokens };
  }
}
