/** The value types of the configuration schema (infra/config.ts): coercion from environment strings lives here. */
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90`, `90s`, `15m`, `24h` or `7d` → seconds. */
export const durationSeconds = z
  .string()
  .trim()
  .regex(/^\d+(s|m|h|d)?$/, 'expected a duration such as 90, 90s, 15m, 24h or 7d')
  .transform((text) => {
    const unit = /[smhd]$/.test(text) ? text.slice(-1) : 's';
    return Number.parseInt(text, 10) * (DURATION_UNITS[unit] ?? 1);
  })
  .pipe(z.number().int().min(1, 'must be at least one second'));

export const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const onOff = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'].includes(v), 'expected on or off')
  .transform((v) => ['on', 'true', '1', 'yes'].includes(v));

export const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `expected a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`,
    );

/** `https://shop.example.com`: a scheme, a host and an optional port, nothing after (browsers send it so in Origin). */
export const origin = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const parsed = new URL(v);
      const bare = parsed.pathname === '/' && !parsed.search && !parsed.hash && !parsed.username;
      return ['http:', 'https:'].includes(parsed.protocol) && bare && !v.endsWith('#') && !v.endsWith('?');
    } catch {
      return false;
    }
  }, 'expected an http:// or https:// origin: scheme://host[:port], no path')
  .transform((v) => new URL(v).origin);
