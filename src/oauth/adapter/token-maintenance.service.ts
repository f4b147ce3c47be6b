import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, LessThanOrEqual } from 'typeorm';
import { OidcPayloadEntity } from './oidc-payload.entity.js';

/** Housekeeping for the adapter's table: expired rows are dead weight (reads ignore them). */
@Injectable()
export class TokenMaintenanceService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Deletes every expired session, interaction, code, token and grant; returns how many. */
  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.dataSource
      .getRepository(OidcPayloadEntity)
      .delete({ expiresAt: LessThanOrEqual(now) });
    return result.affected ?? 0;
  }
}
