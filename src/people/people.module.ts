import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { SessionActivity } from './session-activity.service.js';
import { SessionActivityStore } from './session-activity.store.js';
import { UserAccess } from './user-access.service.js';
import { UserLifecycle } from './user-lifecycle.service.js';

/**
 * The lifecycle of the people who sign in: what orchestrates identity (users), the token layer
 * (sessions, grants, tokens) and mail — sign-up, invitations, verification, password reset,
 * disabling and deleting.
 */
@Module({
  imports: [AuditModule, IdentityModule, TokensModule],
  providers: [UserAccess, UserLifecycle, SessionActivity, SessionActivityStore],
  exports: [UserAccess, UserLifecycle, SessionActivity],
})
export class PeopleModule {}
