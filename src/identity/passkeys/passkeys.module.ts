import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { MailModule } from '../../mail/mail.module.js';
import { IdentityModule } from '../identity.module.js';
import { PasskeyChallengesStore } from './passkey-challenges.store.js';
import { PasskeyService } from './passkey.service.js';
import { PasskeysStore } from './passkeys.store.js';

/** Passkeys: their table, their ceremonies' challenges and PasskeyService. */
@Module({
  imports: [IdentityModule, AuditModule, MailModule],
  providers: [PasskeysStore, PasskeyChallengesStore, PasskeyService],
  exports: [PasskeyService],
})
export class PasskeysModule {}
