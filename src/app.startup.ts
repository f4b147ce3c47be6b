import type { AppConfig } from './config/app-config.js';

/**
 * What the start-up log says after "listening": where to go, and — while there is no
 * administrator who can sign in — the exact CLI command that creates the first one (the CLI
 * needs the same environment as the server: DATA_DIR, DATABASE_URL).
 */
export function startupLines(config: Pick<AppConfig, 'issuer'>, activeAdmins: number): string[] {
  const { issuer } = config;
  const urls = `home ${issuer}/ · your account ${issuer}/account · administration ${issuer}/admin/apps`;
  if (activeAdmins > 0) {
    return [`Open ${urls}`];
  }
  return [
    'No administrator yet. Create the first one (the password is read from standard input; run it with the same DATA_DIR/DATABASE_URL as the server):',
    `  npm run cli -- users:create --email you@example.com --name "Your Name" --admin --password-stdin`,
    `Then sign in: ${urls}`,
  ];
}
