import { describe, expect, it } from 'vitest';
import { parseExpiryDays, tokenStatus } from './tokens';

describe('tokenStatus', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  it('is revoked once revoked, whatever its expiry', () => {
    expect(tokenStatus({ revoked_at: '2025-05-01T00:00:00Z', expires_at: '2030-01-01T00:00:00Z' }, now)).toBe('revoked');
  });
  it('is expired from its expiry on, and active before it or without one', () => {
    expect(tokenStatus({ revoked_at: null, expires_at: '2025-06-01T12:00:00Z' }, now)).toBe('expired');
    expect(tokenStatus({ revoked_at: null, expires_at: '2025-06-01T12:00:01Z' }, now)).toBe('active');
    expect(tokenStatus({ revoked_at: null, expires_at: null }, now)).toBe('active');
  });
});

describe('parseExpiryDays', () => {
  it('reads empty as never and whole days in range', () => {
    expect(parseExpiryDays('')).toEqual({ ok: true, days: null });
    expect(parseExpiryDays('  30 ')).toEqual({ ok: true, days: 30 });
    expect(parseExpiryDays('3650')).toEqual({ ok: true, days: 3650 });
  });
  it('refuses fractions, negatives, zero, words and too long', () => {
    for (const text of ['1.5', '-3', '0', 'soon', '3651']) expect(parseExpiryDays(text).ok).toBe(false);
  });
});
