import { Module } from '@nestjs/common';
import { AuditLog } from './audit-log.service.js';
import { AuditRetention } from './audit-retention.js';

@Module({ providers: [AuditLog, AuditRetention], exports: [AuditLog] })
export class AuditModule {}
