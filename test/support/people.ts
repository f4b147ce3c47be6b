import { DataSource } from 'typeorm';
import { expectPage } from './oauth-client.js';
import type { TestApp } from './test-app.js';
import { formAction, hiddenField, UserAgent, type Visit } from './user-agent.js';

/** Opens a page with a form and submits it with its CSRF token and `fields`. */
export async function fillIn(
  ua: UserAgent,
  path: string,
  fields: Record<string, string>,
  title?: string,
): Promise<Visit> {
  const page = await ua.get(path);
  if (title) {
    expectPage(page, title);
  }
  return submitForm(ua, page, fields);
}

/** Submits the (first) form of a page already open. */
export function submitForm(ua: UserAgent, page: Visit, fields: Record<string, string>) {
  return ua.postForm(formAction(page.body), { _csrf: hiddenField(page.body, '_csrf'), ...fields });
}

/** Rows of the tables the people flows write, to show a refused request changed nothing. */
export async function snapshot(app: TestApp): Promise<unknown> {
  const db = app.app.get(DataSource);
  const [users, links, payloads] = await Promise.all([
    db.query(
      'SELECT id, email, name, password_hash, is_admin, email_verified_at FROM users ORDER BY id',
    ),
    db.query('SELECT token_hash, used_at FROM email_links ORDER BY token_hash'),
    db.query(
      "SELECT kind, id FROM oidc_payloads WHERE kind IN ('Session', 'Grant', 'RefreshToken') ORDER BY kind, id",
    ),
  ]);
  return { users, links, payloads };
}

/** The text of a page without its markup, for asserting what a person reads. */
export function pageText(visit: Visit): string {
  return visit.body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
