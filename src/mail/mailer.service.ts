import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { renderMessage } from './mail-renderer.js';
import { composeMessage, type MessageInput, type MessageKind } from './messages.js';

/** Attempts per message and the wait before each retry: bounded, about 3 s at worst. */
export const SEND_ATTEMPTS = 3;
const BACKOFF_MS = [500, 2000];

export interface Envelope {
  to: string;
  kind: MessageKind;
  input: Omit<MessageInput, 'issuer'>;
}

/**
 * Sends Gatehouse's email: over SMTP (`SMTP_URL`) with nodemailer, or, with no SMTP server
 * configured (a fresh machine), as RFC 5322 `.eml` files under `DATA_DIR/outbox/`, logging the
 * link once so a developer can follow it.
 *
 * Sending never fails the action that asked for it: a failure is retried a few times and
 * logged, and the person can ask again (a new link supersedes the lost one). Callers use
 * {@link queue}, which answers at once: the page does not wait for the mail server, and a
 * request for an address that has no account takes as long as one for an address that has.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private readonly transport: Transporter;
  private readonly outbox: boolean;
  private readonly pending = new Set<Promise<boolean>>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.outbox = !config.mail.smtpUrl;
    this.transport = config.mail.smtpUrl
      ? nodemailer.createTransport(config.mail.smtpUrl)
      : // buffer: the message's RFC 5322 bytes, to write out as an .eml file.
        nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** Sends in the background; see {@link send}. */
  queue(envelope: Envelope): void {
    const sending = this.send(envelope).catch((error: unknown) => {
      // A bug (a template that does not render): logged with its stack, the request unharmed.
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : error);
      return false;
    });
    this.pending.add(sending);
    void sending.finally(() => this.pending.delete(sending));
  }

  /** Whether the message went out (or into the outbox). Never throws. */
  async send(envelope: Envelope): Promise<boolean> {
    const rendered = renderMessage(
      composeMessage(envelope.kind, { ...envelope.input, issuer: this.config.issuer }),
    );
    const message = { from: this.config.mail.from, to: envelope.to, ...rendered };
    for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
      try {
        const info = (await this.transport.sendMail(message)) as { message?: Buffer };
        if (this.outbox) {
          await this.writeToOutbox(envelope, info.message ?? Buffer.alloc(0));
        }
        return true;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (attempt === SEND_ATTEMPTS) {
          this.logger.error(
            `${envelope.kind} mail to ${envelope.to} not sent after ${attempt} attempts: ${reason}`,
          );
          return false;
        }
        this.logger.warn(
          `${envelope.kind} mail to ${envelope.to}: attempt ${attempt} failed (${reason}); retrying`,
        );
        await sleep(BACKOFF_MS[attempt - 1]);
      }
    }
    return false;
  }

  /** Waits for the messages still being sent (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.settled();
    this.transport.close();
  }

  private async writeToOutbox(envelope: Envelope, eml: Buffer): Promise<void> {
    const dir = this.config.mail.outboxDir;
    await mkdir(dir, { recursive: true });
    const file = join(
      dir,
      `${new Date().toISOString().replace(/[:.]/g, '-')}-${envelope.kind}-${randomBytes(4).toString('hex')}.eml`,
    );
    await writeFile(file, eml, { mode: 0o600 });
    const link = envelope.input.link ? ` ${envelope.input.link}` : '';
    this.logger.log(
      `${envelope.kind} mail to ${envelope.to} written to ${file} (no SMTP_URL)${link}`,
    );
  }
}
