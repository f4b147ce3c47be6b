import { Module } from '@nestjs/common';
import { AccountModule } from '../account/account.module.js';
import { CsrfService } from '../common/csrf.service.js';
import { ProviderModule } from '../oauth/provider/provider.module.js';
import { AdminApiController } from './admin-api.controller.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminPagesController } from './admin-pages.controller.js';
import { AdminUserGuard } from './admin-user.guard.js';
import { InvitationsApiController } from './invitations-api.controller.js';
import { PeopleModule } from '../people/people.module.js';

/** Administration: /admin pages (browser session) and the /api/admin management API (tokens). */
@Module({
  imports: [AccountModule, ProviderModule, PeopleModule],
  controllers: [
    AdminPagesController,
    AdminAuditController,
    AdminApiController,
    InvitationsApiController,
  ],
  providers: [AdminUserGuard, CsrfService],
})
export class AdminModule {}
