const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration such as `600`, `90s`, `10m`, `12h` or `30d` into whole seconds.
 * Returns undefined for anything else (callers turn that into a config error).
 */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) {
    return undefined;
  }
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}

/**
 * Like {@link parseDuration}, but `0` (with or without a unit: `0s`, `00h`) is allowed too, for
 * settings where zero turns the thing off (a grace period, a wait).
 */
export function parseDurationOrZero(value: string): number | undefined {
  return /^0+\s*[smhd]?$/.test(value.trim()) ? 0 : parseDuration(value);
}
