import { startupLines } from './app.startup.js';

describe('startupLines', () => {
  const config = { issuer: 'http://localhost:3000' };

  it('without an administrator: the exact command that creates one, then the URLs', () => {
    expect(startupLines(config, 0)).toEqual([
      'No administrator yet. Create the first one (the password is read from standard input; run it with the same DATA_DIR/DATABASE_URL as the server):',
      '  npm run cli -- users:create --email you@example.com --name "Your Name" --admin --password-stdin',
      'Then sign in: home http://localhost:3000/ · your account http://localhost:3000/account · administration http://localhost:3000/admin/apps',
    ]);
  });

  it('with one: only where to go', () => {
    expect(startupLines(config, 1)).toEqual([
      'Open home http://localhost:3000/ · your account http://localhost:3000/account · administration http://localhost:3000/admin/apps',
    ]);
  });
});
