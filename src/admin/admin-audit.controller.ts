import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminPage } from '../account/page-access.decorators.js';
import { AUDIT_EVENTS, AUDIT_OUTCOMES } from '../audit/audit-event.js';
import { AuditLog } from '../audit/audit-log.service.js';
import { UserInputError } from '../common/errors.js';
import { ViewsService } from '../common/views.service.js';
import { parseAuditQuery } from './admin.schemas.js';

/** /admin/audit: the audit trail for administrators, newest first, with filters and pages. */
@AdminPage()
@ApiExcludeController()
@Controller('admin')
export class AdminAuditController {
  constructor(
    private readonly audit: AuditLog,
    private readonly views: ViewsService,
  ) {}

  @Get('audit')
  async auditTrail(@Query() query: Record<string, unknown>, @Res() reply: FastifyReply) {
    // An empty filter field in the form means "any".
    const filled = Object.fromEntries(
      Object.entries(query).filter(([, value]) => value !== '' && value !== undefined),
    );
    let problem: string | undefined;
    let page: Awaited<ReturnType<AuditLog['list']>> = { events: [] };
    try {
      page = await this.audit.list(
        parseAuditQuery({
          ...filled,
          since: toInstant(filled.since),
          until: toInstant(filled.until),
        }),
      );
    } catch (error) {
      if (!(error instanceof UserInputError)) {
        throw error;
      }
      problem = error.message;
    }
    const older = page.next
      ? `/admin/audit?${new URLSearchParams({ ...(filled as Record<string, string>), after: page.next }).toString()}`
      : undefined;
    return this.views.send(
      reply,
      'admin-audit',
      {
        events: page.events,
        filters: filled,
        problem,
        older,
        eventNames: Object.keys(AUDIT_EVENTS),
        outcomes: AUDIT_OUTCOMES,
      },
      problem ? 400 : 200,
    );
  }
}

/** A `datetime-local` form value (no zone) is taken as UTC, as the page shows times. */
function toInstant(value: unknown): unknown {
  return typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/.test(value)
    ? `${value}${value.length === 16 ? ':00' : ''}Z`
    : value;
}
