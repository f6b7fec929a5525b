/** How model calls' figures read: milliseconds, tokens, cost, tries. */
import type { ModelTry, StepModelCall } from '../api/sluice';

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en');
}

const COST = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });

/** A decimal string in the price table's currency; "—" where the model has no price. */
export function formatCost(cost: string | number | null | undefined): string {
  if (cost === null || cost === undefined || cost === '') return '—';
  const value = Number(cost);
  if (!Number.isFinite(value)) return String(cost);
  if (value === 0) return '0';
  return value >= 1 ? value.toFixed(2) : COST.format(value);
}

/** "412 in · 38 out", with "(estimated)" when the provider reported no usage. */
export function formatTokens(call: Pick<StepModelCall, 'input_tokens' | 'output_tokens' | 'tokens_estimated'>): string {
  const text = `${formatCount(call.input_tokens)} in · ${formatCount(call.output_tokens)} out`;
  return call.tokens_estimated ? `${text} (estimated)` : text;
}

/** "openai · gpt-4o-mini", or what was asked for when no target answered. */
export function callModel(call: Pick<StepModelCall, 'provider' | 'model' | 'profile'>): string {
  if (!call.provider && !call.model) return `no target answered (profile ${call.profile})`;
  return `${call.provider} · ${call.model}`;
}

/** "2 attempts, 1 failover". */
export function attemptsText(call: Pick<StepModelCall, 'attempts' | 'failovers'>): string {
  const attempts = `${call.attempts} attempt${call.attempts === 1 ? '' : 's'}`;
  const failovers = `${call.failovers} failover${call.failovers === 1 ? '' : 's'}`;
  return `${attempts}, ${failovers}`;
}

/** One try in words: "target 1 (openai · primary): error — HTTP 503 (12 ms)". */
export function describeTry(t: ModelTry): string {
  const latency = t.latency_ms !== undefined && t.latency_ms !== null ? ` (${formatMs(t.latency_ms)})` : '';
  const error = t.error ? ` — ${t.error}` : '';
  return `target ${t.target + 1} (${t.provider} · ${t.model}): ${t.status}${error}${latency}`;
}
