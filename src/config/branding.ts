import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';

/** What the pages (and the OpenAPI document) show of the organisation running Gatehouse. */
export interface Branding {
  /** BRAND_NAME: in every page's header and title. */
  name: string;
  /** Where the header's logo is loaded from: BRAND_LOGO_URL, or our path for BRAND_LOGO_FILE. */
  logoUrl?: string;
  /** BRAND_LOGO_FILE resolved under DATA_DIR, served at {@link BRAND_LOGO_PATH}. */
  logoFile?: { path: string; contentType: string };
  /** BRAND_ACCENT: the background of buttons, as #rrggbb. */
  accent: string;
  /** The text on the accent: black or white, whichever reads better (WCAG 2.2 §1.4.3). */
  accentText: string;
  supportEmail?: string;
  supportUrl?: string;
  termsUrl?: string;
  privacyUrl?: string;
}

export const DEFAULT_ACCENT = '#1f5fbf';
/** Where a BRAND_LOGO_FILE is served. */
export const BRAND_LOGO_PATH = '/assets/brand-logo';

const LOGO_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** Links shown to everyone: http(s) only, so no `javascript:` URL reaches a page. */
const webUrl = (https: boolean) =>
  z
    .string()
    .optional()
    .refine(
      (value) => {
        if (value === undefined) {
          return true;
        }
        try {
          const url = new URL(value);
          return https ? url.protocol === 'https:' : ['http:', 'https:'].includes(url.protocol);
        } catch {
          return false;
        }
      },
      {
        message: https
          ? 'must be an https:// URL (pages load images over https only)'
          : 'must be an http(s):// URL',
      },
    );

export const brandingEnv = {
  BRAND_NAME: z
    .string()
    .regex(/^[^\p{Cc}<>]{1,60}$/u, 'must be 1 to 60 characters, without < > or control characters')
    .default('Gatehouse'),
  // The CSP allows images from 'self' and https: only (common/security-headers.ts).
  BRAND_LOGO_URL: webUrl(true),
  BRAND_LOGO_FILE: z
    .string()
    .optional()
    .refine((value) => value === undefined || extname(value).toLowerCase() in LOGO_TYPES, {
      message: `must be a ${Object.keys(LOGO_TYPES).join(', ')} file under DATA_DIR`,
    }),
  BRAND_ACCENT: z
    .string()
    .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour such as #1f5fbf or #c50')
    .default(DEFAULT_ACCENT),
  SUPPORT_EMAIL: z
    .string()
    .regex(
      /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/,
      'must be an email address such as help@example.com',
    )
    .optional(),
  SUPPORT_URL: webUrl(false),
  TERMS_URL: webUrl(false),
  PRIVACY_URL: webUrl(false),
};

type BrandingEnv = z.output<z.ZodObject<typeof brandingEnv>>;

/**
 * The branding from its variables. A logo file must lie under DATA_DIR (no `..` out of it) and
 * exist: a missing one stops the start, like any bad variable.
 */
export function brandingFrom(e: BrandingEnv, dataDir: string): Branding | string {
  if (e.BRAND_LOGO_URL && e.BRAND_LOGO_FILE) {
    return 'BRAND_LOGO_FILE: give either BRAND_LOGO_URL or BRAND_LOGO_FILE, not both';
  }
  let logoFile: Branding['logoFile'];
  if (e.BRAND_LOGO_FILE) {
    const path = resolve(dataDir, e.BRAND_LOGO_FILE);
    const inside = relative(dataDir, path);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      return `BRAND_LOGO_FILE: must be a file under DATA_DIR (${dataDir})`;
    }
    if (!existsSync(path) || !statSync(path).isFile()) {
      return `BRAND_LOGO_FILE: ${path} does not exist`;
    }
    logoFile = { path, contentType: LOGO_TYPES[extname(path).toLowerCase()] };
  }
  const accent = expandHex(e.BRAND_ACCENT);
  return {
    name: e.BRAND_NAME.trim(),
    logoUrl: logoFile ? BRAND_LOGO_PATH : e.BRAND_LOGO_URL,
    logoFile,
    accent,
    accentText: readableTextOn(accent),
    supportEmail: e.SUPPORT_EMAIL,
    supportUrl: e.SUPPORT_URL,
    termsUrl: e.TERMS_URL,
    privacyUrl: e.PRIVACY_URL,
  };
}

/** #abc → #aabbcc, lower case. */
function expandHex(hex: string): string {
  const digits = hex.slice(1).toLowerCase();
  return `#${digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits}`;
}

/** WCAG 2.2 relative luminance of #rrggbb. */
export function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.2 contrast ratio of two colours. */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/**
 * White or black text on `background`, whichever contrasts more. One of the two always
 * reaches 4.5:1 (WCAG 2.2 §1.4.3), whatever the accent.
 */
export function readableTextOn(background: string): string {
  const white = '#ffffff';
  // Pure black: with any grey darker than it, a mid-grey accent would fall short of 4.5:1.
  const black = '#000000';
  return contrast(background, white) >= contrast(background, black) ? white : black;
}
