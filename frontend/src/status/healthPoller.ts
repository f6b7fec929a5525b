import { errorMessage, isAbortError } from '../api/client';
import { summariseHealth, type HealthSummary } from './health';

export interface HealthState {
  /** Last report that arrived (kept while a later poll fails). */
  summary: HealthSummary | null;
  /** When `summary` arrived. */
  checkedAt: Date | null;
  /** Why the latest poll failed; null when it succeeded. */
  error: string | null;
  /** A request is in flight. */
  loading: boolean;
}

export const INITIAL_HEALTH_STATE: HealthState = { summary: null, checkedAt: null, error: null, loading: true };

export interface HealthPollerOptions {
  /** Fetches the /healthz body (a 503 body counts as an answer). */
  load: (signal: AbortSignal) => Promise<unknown>;
  onChange: (state: HealthState) => void;
  intervalMs: number;
  /** A request that takes longer is aborted and reported. */
  timeoutMs: number;
  now?: () => Date;
}

export interface HealthPoller {
  /** Polls at once (dropping a request in flight) and restarts the interval. */
  refresh(): void;
  stop(): void;
}

/**
 * Polls at once, then `intervalMs` after each answer, so requests never
 * overlap. Every change of state goes to `onChange`.
 */
export function startHealthPolling(options: HealthPollerOptions): HealthPoller {
  const now = options.now ?? (() => new Date());
  let state = INITIAL_HEALTH_STATE;
  let stopped = false;
  let current: AbortController | null = null;
  let next: ReturnType<typeof setTimeout> | undefined;

  const update = (patch: Partial<HealthState>) => {
    state = { ...state, ...patch };
    options.onChange(state);
  };

  const poll = async () => {
    clearTimeout(next);
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const timeout = setTimeout(() => controller.abort(), options.timeoutMs);
    if (!state.loading) update({ loading: true });
    try {
      const body = await options.load(controller.signal);
      if (current !== controller) return;
      update({ summary: summariseHealth(body), checkedAt: now(), error: null, loading: false });
    } catch (err) {
      if (current !== controller) return;
      update({ error: isAbortError(err) ? 'the request timed out' : errorMessage(err), loading: false });
    } finally {
      clearTimeout(timeout);
      if (!stopped && current === controller) next = setTimeout(() => void poll(), options.intervalMs);
    }
  };

  void poll();
  return {
    refresh: () => {
      if (!stopped) void poll();
    },
    stop: () => {
      stopped = true;
      clearTimeout(next);
      current?.abort();
      current = null;
    },
  };
}
