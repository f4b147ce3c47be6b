import { Module } from '@nestjs/common';
import { Mailer } from './mailer.service.js';

/** Outgoing email (SMTP or the outbox folder). */
@Module({ providers: [Mailer], exports: [Mailer] })
export class MailModule {}
