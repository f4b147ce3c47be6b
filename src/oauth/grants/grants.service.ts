import { Injectable } from '@nestjs/common';
import type { Actor } from '../../audit/audit-event.js';
import { AuditLog } from '../../audit/audit-log.service.js';
import { OidcPayloadStore } from '../../tokens/oidc-payload.store.js';
import { grantKey, RevocationList } from '../../tokens/revocation-list.js';
import { ClientStore } from '../clients/client.store.js';

/** One stored authorization of an application by a user, as the connected-apps page needs it. */
export interface AccountGrant {
  grantId: string;
  /** The Grant row's key (see revocations/revocation-list.ts `grantKey`). */
  grantKey: string;
  clientId: string;
  /** Every scope granted: identity scopes and the API's. */
  scopes: string[];
  /** When the user first allowed it (ms since the epoch). */
  issuedAt: number;
}

/** The part of oidc-provider's Grant payload that says what was granted. */
interface GrantPayload {
  iat?: number;
  openid?: { scope?: string };
  resources?: Record<string, string>;
  rejected?: { openid?: { scope?: string }; resources?: Record<string, string> };
}

/** Every scope in the identity part and the resource parts of a grant (or its `rejected`). */
function scopesOf(part: Omit<GrantPayload, 'iat' | 'rejected'> | undefined): string[] {
  return [
    ...(part?.openid?.scope ?? '').split(' '),
    ...Object.values(part?.resources ?? {}).flatMap((scope) => scope.split(' ')),
  ].filter(Boolean);
}

/** The grants (a user's authorizations of an application) that the adapter stores. */
@Injectable()
export class GrantsService {
  constructor(
    private readonly payloads: OidcPayloadStore,
    private readonly clients: ClientStore,
    private readonly revocations: RevocationList,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The live grants of one account, for applications that still exist (Gatehouse's own account
   * pages are no registered application, so their sign-ins are not listed).
   */
  async listForAccount(accountId: string): Promise<AccountGrant[]> {
    const grants = await this.payloads.liveGrants(accountId, Date.now());
    const registered = await this.clients.existing([...new Set(grants.map((g) => g.client_id))]);
    return grants
      .filter((row) => registered.has(row.client_id))
      .map((row) => {
        const payload = JSON.parse(row.payload) as GrantPayload;
        const rejected = new Set(scopesOf(payload.rejected));
        const scopes = scopesOf(payload).filter((scope) => !rejected.has(scope));
        return {
          grantId: row.grant_id,
          grantKey: row.id,
          clientId: row.client_id,
          scopes: [...new Set(scopes)],
          issuedAt: (payload.iat ?? 0) * 1000,
        };
      });
  }

  /**
   * Takes back everything `accountId` allowed `clientId`: each grant, and every code, refresh
   * token and access token issued under it, at once and for both token formats (JWTs through
   * the revocation list, recorded first). The next authorization asks for consent again.
   * Returns how many grants there were. `actor`: who did it (the user, or an admin), for the
   * audit trail.
   */
  async revokeApp(
    accountId: string,
    clientId: string,
    actor: Actor = { id: accountId },
  ): Promise<number> {
    const grantIds = await this.payloads.grantIds(accountId, clientId);
    for (const grantId of grantIds) {
      await this.revocations.revoke('grant', grantKey(grantId));
    }
    if (grantIds.length > 0) {
      // The Grant row's own grant_id is its id, so this takes the grant with its tokens.
      await this.payloads.deleteByGrants(grantIds);
      await this.audit.record({
        event: 'grant.revoked',
        outcome: 'success',
        actor,
        clientId,
        details: { account_id: accountId, reason: 'app_revoked', grants: grantIds.length },
      });
    }
    return grantIds.length;
  }

  /**
   * The id of the live grant this account gave this client, if any: consent is remembered
   * across sessions, not only within the browser session that gave it.
   */
  async currentGrantId(accountId: string, clientId: string): Promise<string | undefined> {
    return this.payloads.currentGrantId(accountId, clientId, Date.now());
  }

  /** The id of the grant with this key (see `grantKey`), if it still exists. */
  grantIdForKey(key: string): Promise<string | undefined> {
    return this.payloads.grantIdForKey(key);
  }
}
