import { describe, expect, it } from 'vitest';
import type { MetricsRow } from '../api/sluice';
import { chartRows, errorRate, filtersQuery, groupLabel, hasLatency, rangeProblem, readFilters, totals } from './metricsData';

const row = (extra: Partial<MetricsRow>): MetricsRow => ({
  calls: 0,
  errors: 0,
  failovers: 0,
  input_tokens: 0,
  output_tokens: 0,
  cost: '0',
  latency_ms_p50: null,
  latency_ms_p95: null,
  ...extra,
});

describe('metrics filters', () => {
  it('reads the grouping and dates from the address, dropping what it does not know', () => {
    expect(readFilters(new URLSearchParams(''))).toEqual({ group_by: 'model', since: '', until: '' });
    expect(readFilters(new URLSearchParams('group_by=day&since=2025-01-01&until=soon'))).toEqual({ group_by: 'day', since: '2025-01-01', until: '' });
    expect(readFilters(new URLSearchParams('group_by=colour')).group_by).toBe('model');
  });

  it('writes only what differs from the defaults, and refuses an empty range', () => {
    expect(filtersQuery({ group_by: 'model', since: '', until: '' }).toString()).toBe('');
    expect(filtersQuery({ group_by: 'user', since: '2025-01-01', until: '2025-02-01' }).toString()).toBe('group_by=user&since=2025-01-01&until=2025-02-01');
    expect(rangeProblem({ group_by: 'model', since: '2025-02-01', until: '2025-02-01' })).toMatch(/after/);
    expect(rangeProblem({ group_by: 'model', since: '2025-02-01', until: '' })).toBeNull();
  });
});

describe('metrics shaping', () => {
  const results = [
    row({ workflow: 'Claims', calls: 3, errors: 1, failovers: 2, input_tokens: 30, output_tokens: 12, cost: '0.00120000', latency_ms_p50: 40, latency_ms_p95: 95.5 }),
    row({ workflow: null, calls: 1, input_tokens: 8, output_tokens: 5, cost: '0.00030000', latency_ms_p50: 20, latency_ms_p95: 20 }),
  ];

  it('labels each group, naming what an empty key means', () => {
    const rows = chartRows(results, 'workflow');
    expect(rows.map((r) => r.label)).toEqual(['Claims', '(not in a workflow)']);
    expect(groupLabel('model', null)).toBe('(no model answered)');
    expect(rows[0]).toMatchObject({ calls: 3, errors: 1, failovers: 2, input_tokens: 30, output_tokens: 12, cost: 0.0012, costText: '0.00120000', p50: 40, p95: 95.5 });
  });

  it('adds the groups up (costs as numbers) and gives the error rate', () => {
    const sum = totals(chartRows(results, 'workflow'));
    expect(sum).toMatchObject({ calls: 4, errors: 1, failovers: 2, input_tokens: 38, output_tokens: 17 });
    expect(sum.cost).toBeCloseTo(0.0015, 10);
    expect(errorRate(sum)).toBe('25%');
    expect(errorRate({ calls: 30, errors: 1 })).toBe('3.3%');
    expect(errorRate({ calls: 0, errors: 0 })).toBe('—');
  });

  it('charts latency only where some group has one', () => {
    expect(hasLatency(chartRows(results, 'workflow'))).toBe(true);
    expect(hasLatency(chartRows([row({ model: null, calls: 2, errors: 2 })], 'model'))).toBe(false);
  });
});
