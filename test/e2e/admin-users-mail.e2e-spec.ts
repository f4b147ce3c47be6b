import { UsersService } from '../../src/identity/users.service.js';
import { linkIn, MailServer } from '../support/mail-server.js';
import { expectPage, signInAt } from '../support/oauth-client.js';
import { pageText, snapshot, submitForm } from '../support/people.js';
import { TestApp, type TestUser } from '../support/test-app.js';
import { hiddenField, UserAgent } from '../support/user-agent.js';

const PASSWORD = 'quartz meadow tugboat saffron';

/** /admin/users' actions that send mail: inviting someone, sending a password reset. */
describe('Administration pages: invitations and password resets', () => {
  let mail: MailServer;
  let app: TestApp;
  let admin: TestUser;
  let ua: UserAgent;

  beforeAll(async () => {
    mail = await MailServer.start();
    app = await TestApp.start({ SMTP_URL: mail.url });
    admin = await app.createUser({ admin: true, email: 'aaa-admin@example.com' });
    ua = new UserAgent(app.issuer);
    expectPage(await signInAt(ua, admin, '/admin/users'), 'Users');
  });

  afterAll(async () => {
    await app.close();
    await mail.close();
  });

  it('invites an address from the users page; the person accepts and is an administrator', async () => {
    const list = await ua.get('/admin/users');
    expect(list.body).toContain('<summary>Invite someone</summary>');
    const sent = await submitForm(ua, list, {
      email: 'Newcomer@Example.com',
      name: 'Newt',
      admin: 'yes',
    });
    expect(sent.status).toBe(200);
    expect(pageText(sent)).toMatch(
      /An invitation was sent to newcomer@example\.com; its link works until \d{4}-\d\d-\d\d\./,
    );
    const link = linkIn(await mail.waitFor('newcomer@example.com', /invited/), app.issuer);
    const person = new UserAgent(app.issuer);
    const page = await person.get(link);
    expectPage(page, 'Accept invitation');
    expect(page.body).toContain('value="Newt"');
    expectPage(await submitForm(person, page, { name: 'Newt', password: PASSWORD }), 'Welcome');
    const created = (await app.app.get(UsersService).findByEmail('newcomer@example.com'))!;
    expect([created.isAdmin, created.emailVerifiedAt !== null]).toEqual([true, true]);
  });

  it('refuses an address that has an account, or none at all, keeping what was typed', async () => {
    const existing = await app.createUser();
    const before = await snapshot(app);
    for (const [email, problem] of [
      [existing.email, `a user with email ${existing.email} already exists`],
      ['not an address', 'email must be a valid address'],
    ]) {
      const refused = await submitForm(ua, await ua.get('/admin/users'), { email, name: 'Kept' });
      expect(refused.status).toBe(400);
      expect(pageText(refused)).toContain(problem);
      expect(refused.body).toContain('value="Kept"');
      expect(refused.body).toMatch(/<details class="invite" open>/);
    }
    expect(await snapshot(app)).toEqual(before);
  });

  it('sends a password reset after a confirmation; the user sets a new password by the link', async () => {
    const user = await app.createUser();
    const userPage = await ua.get(`/admin/users/${user.id}`);
    const csrf = hiddenField(userPage.body, '_csrf');
    const confirm = await ua.postForm(`/admin/users/${user.id}/send-reset`, { _csrf: csrf });
    expectPage(confirm, `Send ${user.email} a link to set a new password?`);
    // Nothing sent on the first step.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mail.messagesTo(user.email)).toEqual([]);
    const done = await submitForm(ua, confirm, { confirmed: 'yes' });
    expect(pageText(done)).toContain(`A link to set a new password was sent to ${user.email}.`);
    const link = linkIn(
      await mail.waitFor(user.email, /Reset your Gatehouse password/),
      app.issuer,
    );
    const person = new UserAgent(app.issuer);
    const reset = await submitForm(person, await person.get(link), { password: PASSWORD });
    expect(reset.status).toBe(200);
    const users = app.app.get(UsersService);
    expect((await users.authenticate(user.email, PASSWORD))?.id).toBe(user.id);
    expect(await users.authenticate(user.email, user.password)).toBeNull();
  });

  it('refuses to send a reset to a disabled user', async () => {
    const user = await app.createUser();
    await app.app.get(UsersService).setDisabled(user.id, Date.now());
    const csrf = hiddenField((await ua.get(`/admin/users/${user.id}`)).body, '_csrf');
    const refused = await ua.postForm(`/admin/users/${user.id}/send-reset`, {
      _csrf: csrf,
      confirmed: 'yes',
    });
    expect(refused.status).toBe(400);
    expect(pageText(refused)).toContain(`${user.email} is disabled: enable them first.`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mail.messagesTo(user.email)).toEqual([]);
  });
});
