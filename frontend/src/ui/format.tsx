/** Small shared display helpers: status pills, times, JSON blocks. */

export function StatusPill({ status }: { status: string | null | undefined }) {
  const value = status ?? 'never run';
  return <span className={`pill status--${value.replace(/\s/g, '-')}`}>{value}</span>;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function duration(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return '—';
  const ms = new Date(end).getTime() - new Date(start).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function JsonBlock({ value, label }: { value: unknown; label?: string }) {
  const text = value === undefined ? '—' : JSON.stringify(value, null, 2);
  return (
    <pre className="json-block" aria-label={label} tabIndex={0}>
      {text}
    </pre>
  );
}

/** Previous / next for a paginated list. */
export function Pager(props: { page: number; pages?: number; hasPrevious: boolean; hasNext: boolean; onPage: (page: number) => void }) {
  const { page, pages, hasPrevious, hasNext, onPage } = props;
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button button--secondary button--small" disabled={!hasPrevious} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page}
        {pages ? ` of ${pages}` : ''}
      </span>
      <button type="button" className="button button--secondary button--small" disabled={!hasNext} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

/** A server or network error, announced to screen readers. */
export function ErrorNotice({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="notice notice--error" role="alert">
      {message}
    </p>
  );
}
