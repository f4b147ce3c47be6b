import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type ExpiringRows, PurgesExpiredRows } from '../database/expired-rows.js';
import { AuditLog } from './audit-log.service.js';

/** Audit events are kept AUDIT_RETENTION (365 days by default), then purged. */
@Injectable()
@PurgesExpiredRows()
export class AuditRetention implements ExpiringRows {
  constructor(
    private readonly audit: AuditLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  purgeExpired(now: number): Promise<number> {
    return this.audit.deleteBefore(now - this.config.auditRetention * 1000);
  }
}
