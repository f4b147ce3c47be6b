import { renderMessage } from './mail-renderer.js';
import { composeMessage, type MessageKind } from './messages.js';

const issuer = 'https://id.example.com';
const link = 'https://id.example.com/password/reset/abc';

describe('email messages', () => {
  const withLink: MessageKind[] = [
    'verify_email',
    'signup_existing',
    'reset_password',
    'invitation',
    'change_email',
  ];

  it.each(withLink)(
    '%s: names Gatehouse, has exactly one link, says why and what if not you',
    (kind) => {
      const message = composeMessage(kind, { link, validFor: '30 minutes', issuer });
      expect(message.subject).toContain('Gatehouse');
      expect(message.why).toMatch(/^You got this email because/);
      expect(message.notYou).toMatch(/^If (it was not you|you were not expecting it)/);
      const { text, html } = renderMessage(message);
      expect(text.startsWith('Gatehouse\n')).toBe(true);
      expect(text.match(/https:\/\/id\.example\.com\/password\/reset\/abc/g)).toHaveLength(1);
      expect(html).toContain(`<a href="${link}"`);
      expect(text).toContain(message.why);
      expect(text).toContain(message.notYou);
    },
  );

  it('a link message without a link is a bug', () => {
    expect(() => composeMessage('reset_password', { issuer })).toThrow('needs a link');
  });

  it('notices have no action link', () => {
    const notice = composeMessage('password_changed', { issuer });
    expect(notice.action).toBeUndefined();
    expect(renderMessage(notice).html).not.toContain('<a ');
  });

  it('says how long a link works', () => {
    const { text } = renderMessage(
      composeMessage('reset_password', { link, validFor: '30 minutes', issuer }),
    );
    expect(text).toContain('The link works once, for 30 minutes.');
  });

  it('escapes in HTML, not in plain text', () => {
    const message = composeMessage('email_changed', { issuer, newEmail: 'a&b<x>@example.com' });
    const { text, html } = renderMessage(message);
    expect(text).toContain('a&b<x>@example.com');
    expect(html).toContain('a&amp;b&lt;x&gt;@example.com');
    expect(html).not.toContain('<x>');
  });

  it('leaves no runs of blank lines in plain text', () => {
    const { text } = renderMessage(composeMessage('password_changed', { issuer }));
    expect(text).not.toMatch(/\n\n\n/);
  });

  it.each(['passkey_added', 'passkey_removed'] as const)(
    '%s: a notice naming the passkey, without a link to follow',
    (kind) => {
      const message = composeMessage(kind, { issuer, passkeyName: 'Work laptop' });
      expect(message.subject).toContain('passkey');
      expect(message.paragraphs[0]).toContain('"Work laptop"');
      expect(message.action).toBeUndefined();
      expect(message.notYou).toMatch(/^If it was not you/);
    },
  );
});
