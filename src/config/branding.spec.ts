import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contrast, readableTextOn } from './branding.js';
import { ConfigError, loadConfig } from './load-config.js';

describe('branding', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-brand-'));
  writeFileSync(join(dataDir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: dataDir, ...env });

  it('defaults that look finished: the product name, the default accent with white text', () => {
    expect(load({}).brand).toEqual({
      name: 'Gatehouse',
      logoUrl: undefined,
      logoFile: undefined,
      accent: '#1f5fbf',
      accentText: '#ffffff',
      supportEmail: undefined,
      supportUrl: undefined,
      termsUrl: undefined,
      privacyUrl: undefined,
    });
  });

  it('every variable, with a logo file under DATA_DIR served by Gatehouse', () => {
    expect(
      load({
        BRAND_NAME: 'Example ID',
        BRAND_LOGO_FILE: 'logo.svg',
        BRAND_ACCENT: '#FC0',
        SUPPORT_EMAIL: 'help@example.com',
        SUPPORT_URL: 'https://example.com/help',
        TERMS_URL: 'https://example.com/terms',
        PRIVACY_URL: 'https://example.com/privacy',
      }).brand,
    ).toEqual({
      name: 'Example ID',
      logoUrl: '/assets/brand-logo',
      logoFile: { path: join(dataDir, 'logo.svg'), contentType: 'image/svg+xml' },
      accent: '#ffcc00',
      accentText: '#000000',
      supportEmail: 'help@example.com',
      supportUrl: 'https://example.com/help',
      termsUrl: 'https://example.com/terms',
      privacyUrl: 'https://example.com/privacy',
    });
  });

  it.each([
    [{ BRAND_ACCENT: 'blue' }, 'BRAND_ACCENT: must be a hex colour'],
    [{ BRAND_LOGO_URL: 'http://example.com/logo.png' }, 'BRAND_LOGO_URL: must be an https:// URL'],
    [{ TERMS_URL: 'javascript:alert(1)' }, 'TERMS_URL: must be an http(s):// URL'],
    [{ SUPPORT_EMAIL: 'help' }, 'SUPPORT_EMAIL: must be an email address'],
    [{ BRAND_NAME: '<b>x</b>' }, 'BRAND_NAME: must be 1 to 60 characters'],
    [{ BRAND_LOGO_FILE: 'logo.exe' }, 'BRAND_LOGO_FILE: must be a .png'],
    [{ BRAND_LOGO_FILE: '../logo.svg' }, 'BRAND_LOGO_FILE: must be a file under DATA_DIR'],
    [{ BRAND_LOGO_FILE: 'missing.png' }, 'does not exist'],
    [{ BRAND_LOGO_FILE: 'logo.svg', BRAND_LOGO_URL: 'https://example.com/l.png' }, 'not both'],
  ])('refuses %j', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('the text on any accent reaches 4.5:1 (WCAG 2.2 §1.4.3)', () => {
    for (let grey = 0; grey < 256; grey += 5) {
      const hex = grey.toString(16).padStart(2, '0');
      for (const accent of [`#${hex}${hex}${hex}`, `#${hex}0000`, `#00${hex}00`, `#0000${hex}`]) {
        expect([accent, contrast(accent, readableTextOn(accent)) >= 4.5]).toEqual([accent, true]);
      }
    }
  });
});
