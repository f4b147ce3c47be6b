import { Module } from '@nestjs/common';
import { CsrfService } from '../common/csrf.service.js';
import { ProviderModule } from '../oauth/provider/provider.module.js';
import { PeopleModule } from '../people/people.module.js';
import { AccountSecondFactorsController } from './account-second-factors.controller.js';
import { PasskeysModule } from '../identity/passkeys/passkeys.module.js';
import { AccountPasskeysController } from './account-passkeys.controller.js';
import { AccountSecurityController } from './account-security.controller.js';
import { AccountEmailController } from './account-email.controller.js';
import { AccountSession } from './account-session.service.js';
import { AccountSessionsController } from './account-sessions.controller.js';
import { AccountController } from './account.controller.js';
import { ConnectedApps } from './connected-apps.service.js';
import { HomeController } from './home.controller.js';
import { PersonalAccessTokensController } from './personal-access-tokens.controller.js';
import { PersonalAccessTokens } from './personal-access-tokens.service.js';
import { SecurityPage } from './security-page.js';

/** The signed-in user's pages under /account (and the session the admin pages reuse). */
@Module({
  imports: [PeopleModule, PasskeysModule, ProviderModule],
  controllers: [
    AccountController,
    AccountEmailController,
    AccountPasskeysController,
    AccountSecurityController,
    AccountSecondFactorsController,
    AccountSessionsController,
    PersonalAccessTokensController,
    HomeController,
  ],
  providers: [AccountSession, ConnectedApps, PersonalAccessTokens, CsrfService, SecurityPage],
  exports: [AccountSession, ConnectedApps],
})
export class AccountModule {}
