import { useCallback, useEffect, useRef, useState } from 'react';
import { apiFetch } from '../api/client';
import { INITIAL_HEALTH_STATE, startHealthPolling, type HealthPoller, type HealthState } from './healthPoller';

export type { HealthState } from './healthPoller';

// The signed-in twin of /healthz: same report, always 200, so a degraded system
// does not fill the console with failed requests.
export const HEALTH_URL = '/api/v1/health/';
export const HEALTH_POLL_MS = 10_000;
const REQUEST_TIMEOUT_MS = 8_000;

/** /healthz now and every 10 s; `refresh` polls at once. */
export function useHealth() {
  const [state, setState] = useState<HealthState>(INITIAL_HEALTH_STATE);
  const poller = useRef<HealthPoller | null>(null);

  useEffect(() => {
    const started = startHealthPolling({
      // A 503 still carries the report: it is how /healthz says "degraded".
      load: (signal) => apiFetch<unknown>(HEALTH_URL, { acceptStatus: [503], signal }),
      onChange: setState,
      intervalMs: HEALTH_POLL_MS,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
    poller.current = started;
    return () => {
      started.stop();
      poller.current = null;
    };
  }, []);

  const refresh = useCallback(() => poller.current?.refresh(), []);
  return { state, refresh };
}
