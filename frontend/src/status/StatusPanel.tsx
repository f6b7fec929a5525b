import { describeSummary, type HealthRow } from './health';
import { HEALTH_POLL_MS, useHealth, type HealthState } from './useHealth';
import './status.css';

type BadgeTone = 'ok' | 'warn' | 'fail' | 'neutral';

function badgeFor(state: HealthState): { tone: BadgeTone; label: string } {
  if (state.error) return { tone: 'fail', label: 'Unavailable' };
  if (!state.summary) return { tone: 'neutral', label: 'Checking…' };
  return state.summary.overall === 'healthy' ? { tone: 'ok', label: 'Healthy' } : { tone: 'warn', label: 'Degraded' };
}

/** What the polite live region says; it only changes when the state does. */
function announcement(state: HealthState): string {
  if (state.error) return state.error;
  if (!state.summary) return 'Waiting for the first report.';
  return describeSummary(state.summary);
}

function formatTime(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function CheckState({ ok }: { ok: boolean }) {
  return (
    <span className={`pill pill--${ok ? 'ok' : 'fail'}`}>
      <span aria-hidden="true">{ok ? '✓' : '✕'}</span> {ok ? 'OK' : 'Fail'}
    </span>
  );
}

function ChecksTable({ rows }: { rows: HealthRow[] }) {
  if (rows.length === 0) return <p className="muted">The server reported no checks.</p>;
  return (
    <table className="checks">
      <caption className="sr-only">Health checks</caption>
      <thead>
        <tr>
          <th scope="col" className="checks__col-name">
            Check
          </th>
          <th scope="col" className="checks__col-state">
            State
          </th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.name} className={row.ok ? undefined : 'checks__row--fail'}>
            <th scope="row">{row.label}</th>
            <td>
              <CheckState ok={row.ok} />
            </td>
            <td className="checks__detail">{row.detail || <span className="muted">No detail</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface StatusViewProps {
  state: HealthState;
  isStaff: boolean;
  onRefresh: () => void;
}

/** The panel for a given state; no fetching, so it renders the same anywhere. */
export function StatusView({ state, isStaff, onRefresh }: StatusViewProps) {
  const badge = badgeFor(state);
  return (
    <section className="panel status" aria-labelledby="status-title" aria-busy={state.loading && !state.summary}>
      <div className="panel__header">
        <h2 id="status-title" className="panel__title">
          System status
        </h2>
        <button type="button" className="button button--secondary button--small" onClick={onRefresh}>
          Check now
        </button>
      </div>

      <p className="status__summary" role="status" aria-live="polite">
        <span className={`badge badge--${badge.tone}`}>{badge.label}</span>
        <span className="status__summary-text">{announcement(state)}</span>
      </p>

      {state.summary && <ChecksTable rows={state.summary.rows} />}

      <p className="status__meta muted">
        {state.checkedAt
          ? `${state.error ? 'Last successful check' : 'Last checked'} at ${formatTime(state.checkedAt)}.`
          : 'Not checked yet.'}{' '}
        Refreshes every {Math.round(HEALTH_POLL_MS / 1000)} s.
      </p>

      <nav className="panel__footer" aria-label="System links">
        <ul className="link-list">
          <li>
            <a href="/api/docs/">API docs</a>
          </li>
          {isStaff && (
            <li>
              <a href="/admin/">Admin</a>
            </li>
          )}
        </ul>
      </nav>
    </section>
  );
}

export function StatusPanel({ isStaff }: { isStaff: boolean }) {
  const { state, refresh } = useHealth();
  return <StatusView state={state} isStaff={isStaff} onRefresh={refresh} />;
}
