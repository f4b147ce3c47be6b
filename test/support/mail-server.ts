import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  from: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server on loopback for the e2e tests: Gatehouse sends to it over SMTP
 * (`SMTP_URL=smtp://127.0.0.1:<port>`), and the tests read what arrived, parsed by mailparser.
 * Plain SMTP on loopback: no STARTTLS offered, no authentication asked.
 */
export class MailServer {
  readonly received: ReceivedMail[] = [];
  private waiters: (() => void)[] = [];
  /** When set, the next `failNext` deliveries are refused with a 451 (to test retries). */
  failNext = 0;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<MailServer> {
    const holder: { self?: MailServer } = {};
    const server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        if (holder.self && holder.self.failNext > 0) {
          holder.self.failNext--;
          stream.resume();
          stream.on('end', () => {
            const error = new Error('try again later') as Error & { responseCode: number };
            error.responseCode = 451;
            callback(error);
          });
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            holder.self?.push(parsed);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    holder.self = new MailServer(server, port);
    return holder.self;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The first message to `to` (after the `after`-th one) matching `subject`, waiting for it. */
  async waitFor(to: string, subject?: RegExp, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(
        (mail) => mail.to === to.toLowerCase() && (!subject || subject.test(mail.subject)),
      );
      if (found) {
        this.received.splice(this.received.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no mail to ${to}${subject ? ` matching ${subject}` : ''}; got: ${this.received.map((m) => `${m.to}: ${m.subject}`).join(', ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Messages to `to` that arrived and were not taken by waitFor. */
  messagesTo(to: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to === to.toLowerCase());
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private push(parsed: ParsedMail): void {
    const to = [parsed.to ?? []]
      .flat()
      .flatMap((address) => address.value.map((v) => v.address ?? ''));
    this.received.push({
      to: (to[0] ?? '').toLowerCase(),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      from: parsed.from?.text ?? '',
      parsed,
    });
    for (const wake of this.waiters.splice(0)) {
      wake();
    }
  }
}

/** The one Gatehouse link (`${issuer}/...`) in a message's plain text. */
export function linkIn(mail: ReceivedMail, issuer: string): string {
  const links = [...mail.text.matchAll(/https?:\/\/\S+/g)]
    .map((m) => m[0])
    .filter((url) => url.startsWith(issuer) && /\/[A-Za-z0-9_-]{43}$/.test(url));
  if (links.length !== 1) {
    throw new Error(`expected one link in:\n${mail.text}`);
  }
  return links[0];
}
