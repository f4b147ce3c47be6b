import { PASSWORD_MAX_LENGTH, passwordProblem } from './password-policy.js';

describe('passwordProblem (NIST SP 800-63B §5.1.1.2)', () => {
  it.each([
    'correct horse battery staple',
    'a-very-memorable-password',
    'Tr0ub4dor&3',
    'x'.repeat(3) + 'qz!8Lm#vR2', // no composition rules: only guessability counts
  ])('accepts %p', async (password) => {
    await expect(passwordProblem(password)).resolves.toBeUndefined();
  });

  it('refuses fewer than 8 characters and more than 256', async () => {
    await expect(passwordProblem('Zq8!kLm')).resolves.toBe('Use at least 8 characters.');
    await expect(passwordProblem('w'.repeat(PASSWORD_MAX_LENGTH + 1))).resolves.toBe(
      'Use at most 256 characters.',
    );
  });

  it.each([
    ['a common password', 'password1', 'This is a commonly used password.'],
    ['a keyboard row', 'qwertyuiop', 'This is a frequently used password.'],
    ['repetition', 'aaaaaaaaaaaa', 'Repeated characters like "aaa" are easy to guess.'],
  ])('refuses %s, saying why', async (_label, password, warning) => {
    await expect(passwordProblem(password)).resolves.toBe(
      `This password is too easy to guess. ${warning} Try a longer phrase of several unrelated words.`,
    );
  });

  it("refuses a password made of the person's own email or name", async () => {
    const email = 'zorblax.quintero@example.com';
    expect(await passwordProblem('zorblaxquintero')).toBeUndefined();
    await expect(passwordProblem('zorblaxquintero', [email])).resolves.toBe(
      'This password is too easy to guess. There should not be any personal or page related data. Try a longer phrase of several unrelated words.',
    );
    expect(await passwordProblem(email, [email, 'Zorblax Quintero'])).toMatch(/personal/);
  });
});
