import { describe, expect, it } from 'vitest';
import { attemptsText, callModel, describeTry, formatCost, formatMs, formatTokens } from './callFormat';

describe('model call figures', () => {
  it('reads milliseconds, costs and tokens', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(12.4)).toBe('12 ms');
    expect(formatMs(1534)).toBe('1.53 s');
    expect(formatCost(null)).toBe('—');
    expect(formatCost('0.00000000')).toBe('0');
    expect(formatCost('0.00012345')).toBe('0.000123');
    expect(formatCost('0.00000012')).toBe('0.00000012');
    expect(formatCost('12.50000000')).toBe('12.50');
    expect(formatTokens({ input_tokens: 1200, output_tokens: 5, tokens_estimated: false })).toBe('1,200 in · 5 out');
    expect(formatTokens({ input_tokens: 8, output_tokens: 5, tokens_estimated: true })).toBe('8 in · 5 out (estimated)');
  });

  it('says which model answered, after how many attempts and failovers', () => {
    expect(callModel({ provider: 'anthropic', model: 'secondary', profile: 'default' })).toBe('anthropic · secondary');
    expect(callModel({ provider: '', model: '', profile: 'default' })).toBe('no target answered (profile default)');
    expect(attemptsText({ attempts: 1, failovers: 0 })).toBe('1 attempt, 0 failovers');
    expect(attemptsText({ attempts: 2, failovers: 1 })).toBe('2 attempts, 1 failover');
    expect(describeTry({ target: 0, provider: 'openai', model: 'primary', status: 'error', error: 'HTTP 503', latency_ms: 4.2 })).toBe(
      'target 1 (openai · primary): error — HTTP 503 (4 ms)',
    );
    expect(describeTry({ target: 1, provider: 'openai', model: 'm', status: 'skipped', error: 'circuit breaker open' })).toBe(
      'target 2 (openai · m): skipped — circuit breaker open',
    );
  });
});
