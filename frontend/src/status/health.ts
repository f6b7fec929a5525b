/** What GET /healthz returns (200 when healthy, 503 when not). */
export interface HealthResponse {
  status: 'ok' | 'fail';
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export type Overall = 'healthy' | 'degraded';

export interface HealthRow {
  /** The key as the server sent it, e.g. "database". */
  name: string;
  /** Display label, e.g. "Database". */
  label: string;
  ok: boolean;
  detail: string;
}

export interface HealthSummary {
  overall: Overall;
  rows: HealthRow[];
  passing: number;
}

/** "database" -> "Database", "object_store" -> "Object store". */
export function checkLabel(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  if (!words) return name;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reduces a /healthz body to what the status panel shows. The set of checks
 * is open-ended; rows keep the server's order. The overall state is healthy
 * only when the server says "ok" and every check passed.
 * Throws when the body is not a health report at all.
 */
export function summariseHealth(body: unknown): HealthSummary {
  if (!isRecord(body) || typeof body.status !== 'string' || !isRecord(body.checks)) {
    throw new Error('Unexpected response from /healthz');
  }
  const rows: HealthRow[] = Object.entries(body.checks).map(([name, check]) => {
    const ok = isRecord(check) && check.ok === true;
    const detail = isRecord(check) && typeof check.detail === 'string' ? check.detail : '';
    return { name, label: checkLabel(name), ok, detail };
  });
  const passing = rows.filter((row) => row.ok).length;
  const overall: Overall = body.status === 'ok' && passing === rows.length ? 'healthy' : 'degraded';
  return { overall, rows, passing };
}

/** e.g. "3 of 4 checks passing." (the badge next to it says Healthy / Degraded). */
export function describeSummary(summary: HealthSummary): string {
  const total = summary.rows.length;
  return `${summary.passing} of ${total} ${total === 1 ? 'check' : 'checks'} passing.`;
}
