import { Module } from '@nestjs/common';
import { AccountModule } from '../account/account.module.js';
import { CsrfService } from '../common/csrf.service.js';
import { ProviderModule } from '../oauth/provider/provider.module.js';
import { PeopleModule } from '../people/people.module.js';
import { AdminApiController } from './admin-api.controller.js';
import { AdminAuditController } from './admin-audit.controller.js';
import { AdminPagesController } from './admin-pages.controller.js';
import { AdminUserGuard } from './admin-user.guard.js';
import { AdminUsersApiController } from './admin-users-api.controller.js';
import { AdminUsersPagesController } from './admin-users-pages.controller.js';
import { InvitationsApiController } from './invitations-api.controller.js';

/** Administration: /admin pages (browser session) and the /api/admin management API (tokens). */
@Module({
  imports: [AccountModule, PeopleModule, ProviderModule],
  controllers: [
    AdminPagesController,
    AdminAuditController,
    AdminApiController,
    AdminUsersApiController,
    AdminUsersPagesController,
    InvitationsApiController,
  ],
  providers: [AdminUserGuard, CsrfService],
})
export class AdminModule {}
