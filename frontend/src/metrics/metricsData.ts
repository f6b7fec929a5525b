/** The metrics page's filters (kept in the address) and the aggregates shaped for its table and charts. */
import type { MetricsGroup, MetricsRow } from '../api/sluice';

export const GROUPS: readonly { group: MetricsGroup; label: string }[] = [
  { group: 'model', label: 'Model' },
  { group: 'workflow', label: 'Workflow' },
  { group: 'user', label: 'User' },
  { group: 'day', label: 'Day' },
];

export interface MetricsFilters {
  group_by: MetricsGroup;
  /** ISO dates (yyyy-mm-dd) or ''; `until` is exclusive, as the API reads it. */
  since: string;
  until: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The filters in the address, with anything unknown dropped (the default grouping is by model). */
export function readFilters(params: URLSearchParams): MetricsFilters {
  const group = params.get('group_by') ?? '';
  const since = params.get('since') ?? '';
  const until = params.get('until') ?? '';
  return {
    group_by: GROUPS.some((g) => g.group === group) ? (group as MetricsGroup) : 'model',
    since: DATE.test(since) ? since : '',
    until: DATE.test(until) ? until : '',
  };
}

/** The address's query for the filters (the defaults left out). */
export function filtersQuery(filters: MetricsFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.group_by !== 'model') params.set('group_by', filters.group_by);
  if (filters.since) params.set('since', filters.since);
  if (filters.until) params.set('until', filters.until);
  return params;
}

/** A problem with the date range, or null. */
export function rangeProblem(filters: MetricsFilters): string | null {
  if (filters.since && filters.until && filters.until <= filters.since) return '“Before” must be after “From”.';
  return null;
}

/** What an empty group key means for each grouping. */
const NONE: Record<MetricsGroup, string> = {
  model: '(no model answered)',
  workflow: '(not in a workflow)',
  user: '(no user)',
  day: '(no day)',
};

export function groupKey(row: MetricsRow, groupBy: MetricsGroup): string | null {
  const value = row[groupBy];
  return value === undefined || value === null || value === '' ? null : String(value);
}

export function groupLabel(groupBy: MetricsGroup, key: string | null): string {
  return key ?? NONE[groupBy];
}

/** One group, with numbers for the charts. */
export interface ChartRow {
  label: string;
  calls: number;
  errors: number;
  failovers: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
  /** The cost as the server sent it (a decimal string), for the table. */
  costText: string;
  p50: number | null;
  p95: number | null;
}

function num(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function latency(value: unknown): number | null {
  return value === null || value === undefined || !Number.isFinite(Number(value)) ? null : Number(value);
}

export function chartRows(results: readonly MetricsRow[], groupBy: MetricsGroup): ChartRow[] {
  return results.map((row) => ({
    label: groupLabel(groupBy, groupKey(row, groupBy)),
    calls: num(row.calls),
    errors: num(row.errors),
    failovers: num(row.failovers),
    input_tokens: num(row.input_tokens),
    output_tokens: num(row.output_tokens),
    cost: num(row.cost),
    costText: row.cost ?? '0',
    p50: latency(row.latency_ms_p50),
    p95: latency(row.latency_ms_p95),
  }));
}

export interface Totals {
  calls: number;
  errors: number;
  failovers: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

/** Every group together (latency percentiles do not add up, so there are none). */
export function totals(rows: readonly ChartRow[]): Totals {
  return rows.reduce<Totals>(
    (sum, r) => ({
      calls: sum.calls + r.calls,
      errors: sum.errors + r.errors,
      failovers: sum.failovers + r.failovers,
      input_tokens: sum.input_tokens + r.input_tokens,
      output_tokens: sum.output_tokens + r.output_tokens,
      cost: sum.cost + r.cost,
    }),
    { calls: 0, errors: 0, failovers: 0, input_tokens: 0, output_tokens: 0, cost: 0 },
  );
}

/** "3.2%": errors as a share of calls. */
export function errorRate(row: Pick<ChartRow, 'calls' | 'errors'>): string {
  if (!row.calls) return '—';
  const rate = (row.errors * 100) / row.calls;
  return `${rate >= 10 || rate === 0 ? rate.toFixed(0) : rate.toFixed(1)}%`;
}

/** Whether any group has a latency to chart (calls that never reached a model have none). */
export function hasLatency(rows: readonly ChartRow[]): boolean {
  return rows.some((r) => r.p50 !== null || r.p95 !== null);
}
