import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { Mailer } from '../../src/mail/mailer.service.js';
import { fillIn } from '../support/people.js';
import { TestApp } from '../support/test-app.js';
import { UserAgent } from '../support/user-agent.js';

/** Collects what the app logs. */
class Lines implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown) => void this.lines.push(String(message));
  error = (message: unknown) => void this.lines.push(String(message));
  warn = (message: unknown) => void this.lines.push(String(message));
  debug = () => undefined;
  verbose = () => undefined;
  fatal = () => undefined;
}

describe('Mail without SMTP_URL: the outbox', () => {
  let app: TestApp;
  const logger = new Lines();

  beforeAll(async () => {
    app = await TestApp.start({ LOG_LEVEL: 'log' }, [], logger);
  });

  afterAll(async () => {
    await app.close();
  });

  it('writes each message as an .eml file under DATA_DIR/outbox and logs its link once', async () => {
    const user = await app.createUser();
    await fillIn(new UserAgent(app.issuer), '/password/forgot', { email: user.email });
    await app.app.get(Mailer).settled();

    const outbox = join(app.environment.DATA_DIR, 'outbox');
    const files = readdirSync(outbox).filter((file) => file.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(outbox, files[0]));
    const parsed = await simpleParser(eml);
    expect(parsed.subject).toBe('Reset your Gatehouse password');
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe(user.email);
    const link = /http:\/\/\S+\/password\/reset\/[\w-]{43}/.exec(parsed.text ?? '')![0];
    expect(typeof parsed.html === 'string' && parsed.html.includes(link)).toBe(true);

    const logged = logger.lines.filter((line) => line.includes(link));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(join(outbox, files[0]));
  });
});
