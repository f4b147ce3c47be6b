import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, MoreThan, type Repository } from 'typeorm';
import { OidcPayloadEntity } from '../adapter/oidc-payload.entity.js';

/** Reads the grants (a user's authorizations of an application) that the adapter stores. */
@Injectable()
export class GrantsService {
  private readonly payloads: Repository<OidcPayloadEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.payloads = dataSource.getRepository(OidcPayloadEntity);
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
