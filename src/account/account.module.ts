import { Module } from '@nestjs/common';
import { CsrfService } from '../common/csrf.service.js';
import { ProviderModule } from '../oauth/provider/provider.module.js';
import { PeopleModule } from '../people/people.module.js';
import { AccountEmailController } from './account-email.controller.js';
import { AccountSession } from './account-session.service.js';
import { AccountController } from './account.controller.js';
import { ConnectedApps } from './connected-apps.service.js';
import { PersonalAccessTokensController } from './personal-access-tokens.controller.js';
import { PersonalAccessTokens } from './personal-access-tokens.service.js';

/** The signed-in user's pages under /account (and the session the admin pages reuse). */
@Module({
  imports: [ProviderModule, PeopleModule],
  controllers: [AccountController, AccountEmailController, PersonalAccessTokensController],
  providers: [AccountSession, ConnectedApps, PersonalAccessTokens, CsrfService],
  exports: [AccountSession],
})
export class AccountModule {}
