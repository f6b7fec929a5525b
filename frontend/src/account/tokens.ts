/** API tokens: their state and the create form's expiry, as plain functions. */
import type { ApiToken } from '../api/sluice';

export type TokenStatus = 'active' | 'expired' | 'revoked';

export function tokenStatus(token: Pick<ApiToken, 'expires_at' | 'revoked_at'>, now: Date = new Date()): TokenStatus {
  if (token.revoked_at) return 'revoked';
  if (token.expires_at && new Date(token.expires_at).getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export const MAX_EXPIRY_DAYS = 3650;

/** The expiry field: empty is "never" (null); otherwise a whole number of days from 1 to 3650. */
export function parseExpiryDays(text: string): { ok: true; days: number | null } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, days: null };
  if (!/^\d+$/.test(trimmed)) return { ok: false, message: 'Give the expiry as a whole number of days, or leave it empty' };
  const days = Number(trimmed);
  if (days < 1 || days > MAX_EXPIRY_DAYS) return { ok: false, message: `The expiry must be between 1 and ${MAX_EXPIRY_DAYS} days` };
  return { ok: true, days };
}
