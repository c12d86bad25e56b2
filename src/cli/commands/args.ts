import { UsageError } from '../command.js';
import type { ParsedValues } from '../command.js';

/** A string option's value, or undefined when absent. */
export function str(values: ParsedValues, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option's values ([] when absent). */
export function list(values: ParsedValues, key: string): string[] {
  const v = values[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** A whole-number option within [min, max], or undefined when absent; bad values are usage errors. */
export function intOption(values: ParsedValues, key: string, min: number, max: number): number | undefined {
  const s = str(values, key);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${key}: expected a whole number from ${min} to ${max}, got ${s}`);
  }
  return n;
}
