import type { ValueTransformer } from 'typeorm';

/**
 * PostgreSQL returns BIGINT as a string (it may exceed 2^53); our bigints are epoch
 * milliseconds, which never do, so read them back as numbers on every driver.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
