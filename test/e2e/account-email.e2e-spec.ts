import { UsersService } from '../../src/identity/users.service.js';
import { linkIn, MailServer } from '../support/mail-server.js';
import { expectPage, signInAt } from '../support/oauth-client.js';
import { pageText, snapshot, submitForm } from '../support/people.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { formAction, hiddenField, UserAgent, type Visit } from '../support/user-agent.js';

describe('Account: change email and resend verification', () => {
  let mail: MailServer;
  let app: TestApp;

  beforeAll(async () => {
    mail = await MailServer.start();
    app = await TestApp.start({ SMTP_URL: mail.url });
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  async function account(user: TestUser): Promise<{ ua: UserAgent; page: Visit }> {
    const ua = new UserAgent(app.issuer);
    const page = await signInAt(ua, user, '/account');
    expectPage(page, 'Your account');
    return { ua, page };
  }

  function post(ua: UserAgent, page: Visit, action: string, fields: Record<string, string> = {}) {
    return ua.postForm(action, { _csrf: hiddenField(page.body, '_csrf'), ...fields });
  }

  it('moves the account to a new address once it confirms, and tells the old one', async () => {
    const user = await app.createUser({ email: 'old@example.com' });
    const { ua, page } = await account(user);
    expect(page.body).toContain('<label for="new-email">New email</label>');
    const sent = await post(ua, page, '/account/email', { email: 'New@Example.com' });
    expectPage(sent, 'Check your email');
    expect(pageText(sent)).toContain(
      'Your account keeps using old@example.com until you open the link',
    );
    // Nothing changes until the new address confirms.
    expect((await app.app.get(UsersService).findById(user.id))!.email).toBe('old@example.com');

    const message = await mail.waitFor('new@example.com', /Confirm your new email address/);
    const link = linkIn(message, app.issuer);
    const confirm = await ua.get(link);
    expectPage(confirm, 'Confirm your new email address');
    const done = await submitForm(ua, confirm, {});
    expectPage(done, 'Email address changed');
    const moved = (await app.app.get(UsersService).findById(user.id))!;
    expect(moved.email).toBe('new@example.com');
    expect(moved.emailVerifiedAt).not.toBeNull();
    const notice = await mail.waitFor('old@example.com', /email address was changed/);
    expect(notice.text).toContain('Your account now uses new@example.com');

    // Signs in with the new address; the link is used up.
    expectPage(
      await signInAt(new UserAgent(app.issuer), { ...user, email: 'new@example.com' }, '/account'),
      'Your account',
    );
    const reused = await new UserAgent(app.issuer).get(link);
    expect(reused.status).toBe(410);
  });

  it('sends no link for an address another account has, and says the same', async () => {
    const other = await app.createUser();
    const user = await app.createUser();
    const { ua, page } = await account(user);
    const before = await snapshot(app);
    const sent = await post(ua, page, '/account/email', { email: other.email });
    expectPage(sent, 'Check your email');
    expect(await snapshot(app)).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mail.messagesTo(other.email)).toEqual([]);
  });

  it('refuses a malformed address with a 400 on the account page, keeping it', async () => {
    const user = await app.createUser();
    const { ua, page } = await account(user);
    const before = await snapshot(app);
    const refused = await post(ua, page, '/account/email', { email: 'nope@' });
    expect(refused.status).toBe(400);
    expect(pageText(refused)).toContain('Enter a valid email address');
    expect(refused.body).toContain('value="nope@"');
    expect(await snapshot(app)).toEqual(before);
  });

  it('resends the verification email from the account page, superseding the previous link', async () => {
    const user = await app.createUser();
    const { ua, page } = await account(user);
    expect(pageText(page)).toContain('(not confirmed)');
    expect(formAction(page.body)).toBe('/account/email/verification');
    const first = await post(ua, page, '/account/email/verification');
    expectPage(first, 'Check your email');
    const firstLink = linkIn(await mail.waitFor(user.email, /Confirm your email/), app.issuer);
    await post(ua, page, '/account/email/verification');
    const secondLink = linkIn(await mail.waitFor(user.email, /Confirm your email/), app.issuer);
    expect((await ua.get(firstLink)).status).toBe(410);
    expectPage(await submitForm(ua, await ua.get(secondLink), {}), 'Email address confirmed');
    expect(pageText(await ua.get('/account'))).toContain('(confirmed)');
  });

  it('retries a message the mail server refuses for a moment', async () => {
    const user = await app.createUser();
    const { ua, page } = await account(user);
    mail.failNext = 1;
    await post(ua, page, '/account/email/verification');
    const message = await mail.waitFor(user.email, /Confirm your email/);
    expect(mail.failNext).toBe(0);
    expect(linkIn(message, app.issuer)).toMatch(/\/email\/verify\//);
  });
});
