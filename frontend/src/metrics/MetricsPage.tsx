import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { errorMessage } from '../api/client';
import { type Metrics, api, fieldErrors } from '../api/sluice';
import { formatCost, formatCount, formatMs } from '../models/callFormat';
import { ErrorNotice } from '../ui/format';
import {
  type ChartRow,
  GROUPS,
  type MetricsFilters,
  chartRows,
  errorRate,
  filtersQuery,
  hasLatency,
  rangeProblem,
  readFilters,
  totals,
} from './metricsData';
import './metrics.css';

const COLOURS = {
  input: '#0b5cb3',
  output: '#7aa7e0',
  cost: '#2f9e5b',
  p50: '#3b82e6',
  p95: '#0b3a6e',
  errors: '#c83a3a',
  failovers: '#e0a030',
};

interface Series {
  key: keyof ChartRow;
  name: string;
  colour: string;
  stack?: string;
}

/** A bar chart of some of each group's figures (the table below has every figure too). */
function BarPanel(props: { title: string; rows: ChartRow[]; series: Series[]; format: (value: number) => string; counts?: boolean }) {
  const { title, rows, series, format, counts = false } = props;
  const height = Math.max(180, Math.min(rows.length, 12) * 28 + 90);
  return (
    <figure className="panel metrics-chart" aria-label={title}>
      <figcaption className="panel__title">{title}</figcaption>
      <div style={{ width: '100%', height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12 }} interval={0} />
            <YAxis tick={{ fontSize: 12 }} tickFormatter={(v: number) => format(v)} width={64} allowDecimals={!counts} />
            <Tooltip formatter={(value) => format(Number(value))} />
            {series.length > 1 && <Legend />}
            {series.map((s) => (
              <Bar key={String(s.key)} dataKey={s.key} name={s.name} fill={s.colour} stackId={s.stack} maxBarSize={72} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function Filters({ filters, onChange }: { filters: MetricsFilters; onChange: (next: MetricsFilters) => void }) {
  return (
    <div className="filters" role="search" aria-label="Metrics filters">
      <label className="field">
        <span className="field__label">Group by</span>
        <select className="field__input" value={filters.group_by} onChange={(e) => onChange({ ...filters, group_by: e.target.value as MetricsFilters['group_by'] })}>
          {GROUPS.map((g) => (
            <option key={g.group} value={g.group}>
              {g.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field__label">From</span>
        <input className="field__input" type="date" value={filters.since} onChange={(e) => onChange({ ...filters, since: e.target.value })} />
      </label>
      <label className="field">
        <span className="field__label">Before</span>
        <input className="field__input" type="date" value={filters.until} onChange={(e) => onChange({ ...filters, until: e.target.value })} />
      </label>
    </div>
  );
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

export function MetricsPage() {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const key = filtersQuery(filters).toString();
  const [data, setData] = useState<Metrics | null>(null);
  const [error, setError] = useState<string | null>(null);
  const problem = rangeProblem(filters);

  useEffect(() => {
    if (problem) return undefined;
    let live = true;
    setError(null);
    api
      .llmMetrics({ group_by: filters.group_by, since: filters.since, until: filters.until })
      .then((result) => live && setData(result))
      .catch((err) => live && setError(fieldErrors(err) ?? errorMessage(err)));
    return () => {
      live = false;
    };
  }, [key, problem]);

  // The rows for the grouping asked for (the previous answer's until the new one comes).
  const rows = useMemo(() => (data ? chartRows(data.results, data.group_by) : []), [data]);
  const sum = totals(rows);
  const groupLabel = GROUPS.find((g) => g.group === (data?.group_by ?? filters.group_by))?.label ?? 'Group';
  const loading = !data && !error && !problem;

  return (
    <main id="main" className="page page--wide" tabIndex={-1}>
      <div className="page__header">
        <h1 className="page__title">Model metrics</h1>
      </div>
      <p className="muted">
        Every recorded model call you may see (those of runs you may see, and your own tests): tokens, cost from the price table, latency and
        errors. “Before” is exclusive.
      </p>
      <Filters filters={filters} onChange={(next) => setParams(filtersQuery(next))} />
      <ErrorNotice message={problem ?? error} />
      {loading && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {data && (
        <>
          <ul className="counts metrics-totals" aria-label="Totals">
            <li>
              <strong>{formatCount(sum.calls)}</strong> {plural(sum.calls, 'call')}
            </li>
            <li>
              <strong>{formatCount(sum.input_tokens)}</strong> tokens in · <strong>{formatCount(sum.output_tokens)}</strong> out
            </li>
            <li>
              cost <strong>{formatCost(sum.cost)}</strong>
            </li>
            <li>
              <strong>{formatCount(sum.errors)}</strong> {plural(sum.errors, 'error')} ({errorRate(sum)})
            </li>
            <li>
              <strong>{formatCount(sum.failovers)}</strong> {plural(sum.failovers, 'failover')}
            </li>
          </ul>
          {rows.length === 0 ? (
            <p className="muted panel">No model calls in this range yet.</p>
          ) : (
            <>
              <div className="metrics-charts">
                <BarPanel
                  title="Tokens"
                  rows={rows}
                  format={formatCount}
                  counts
                  series={[
                    { key: 'input_tokens', name: 'Input tokens', colour: COLOURS.input, stack: 'tokens' },
                    { key: 'output_tokens', name: 'Output tokens', colour: COLOURS.output, stack: 'tokens' },
                  ]}
                />
                {sum.cost > 0 ? (
                  <BarPanel title="Cost" rows={rows} format={formatCost} series={[{ key: 'cost', name: 'Cost', colour: COLOURS.cost }]} />
                ) : (
                  <section className="panel metrics-chart" aria-label="Cost">
                    <h2 className="panel__title">Cost</h2>
                    <p className="muted">No cost yet: none of these calls’ models has a price in the price table.</p>
                  </section>
                )}
                {hasLatency(rows) && (
                  <BarPanel
                    title="Latency"
                    rows={rows}
                    format={formatMs}
                    series={[
                      { key: 'p50', name: 'p50', colour: COLOURS.p50 },
                      { key: 'p95', name: 'p95', colour: COLOURS.p95 },
                    ]}
                  />
                )}
                <BarPanel
                  title="Errors and failovers"
                  rows={rows}
                  format={formatCount}
                  counts
                  series={[
                    { key: 'errors', name: 'Errors', colour: COLOURS.errors },
                    { key: 'failovers', name: 'Failovers', colour: COLOURS.failovers },
                  ]}
                />
              </div>
              <div className="panel panel--flush">
                <table className="table metrics-table">
                  <caption className="sr-only">Model calls by {groupLabel.toLowerCase()}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{groupLabel}</th>
                      <th scope="col" className="num">
                        Calls
                      </th>
                      <th scope="col" className="num">
                        Errors
                      </th>
                      <th scope="col" className="num">
                        Failovers
                      </th>
                      <th scope="col" className="num">
                        Tokens in
                      </th>
                      <th scope="col" className="num">
                        Tokens out
                      </th>
                      <th scope="col" className="num">
                        Cost
                      </th>
                      <th scope="col" className="num">
                        Latency p50
                      </th>
                      <th scope="col" className="num">
                        Latency p95
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.label} data-testid={`metrics-row-${r.label}`}>
                        <th scope="row" className="table__code">
                          {r.label}
                        </th>
                        <td className="num">{formatCount(r.calls)}</td>
                        <td className="num">
                          {formatCount(r.errors)} <span className="muted">({errorRate(r)})</span>
                        </td>
                        <td className="num">{formatCount(r.failovers)}</td>
                        <td className="num">{formatCount(r.input_tokens)}</td>
                        <td className="num">{formatCount(r.output_tokens)}</td>
                        <td className="num" title={r.costText}>
                          {formatCost(r.costText)}
                        </td>
                        <td className="num">{formatMs(r.p50)}</td>
                        <td className="num">{formatMs(r.p95)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </main>
  );
}

export default MetricsPage;
