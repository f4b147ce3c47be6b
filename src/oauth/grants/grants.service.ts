import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, MoreThan, type Repository } from 'typeorm';
import type { Actor } from '../../audit/audit-event.js';
import { AuditLog } from '../../audit/audit-log.service.js';
import { OidcPayloadEntity } from '../adapter/oidc-payload.entity.js';
import { grantKey, RevocationList } from '../revocations/revocation-list.js';

/** The grants (a user's authorizations of an application) that the adapter stores. */
@Injectable()
export class GrantsService {
  private readonly payloads: Repository<OidcPayloadEntity>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: RevocationList,
    private readonly audit: AuditLog,
  ) {
    this.payloads = dataSource.getRepository(OidcPayloadEntity);
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
    const grants = await this.payloads.find({
      select: { grantId: true },
      where: { kind: 'Grant', accountId, clientId },
    });
    const grantIds = grants.map((grant) => grant.grantId).filter((id) => id !== null);
    for (const grantId of grantIds) {
      await this.revocations.revoke('grant', grantKey(grantId));
    }
    if (grantIds.length > 0) {
      // The Grant row's own grant_id is its id, so this takes the grant with its tokens.
      await this.dataSource.transaction(async (manager) => {
        for (const grantId of grantIds) {
          await manager.delete(OidcPayloadEntity, { grantId });
        }
      });
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
    const row = await this.payloads.findOne({
      select: { grantId: true },
      where: { kind: 'Grant', accountId, clientId, expiresAt: MoreThan(Date.now()) },
      order: { expiresAt: 'DESC' },
    });
    return row?.grantId ?? undefined;
  }
}
