import { useEffect, useState } from 'react';
import { apiFetch, errorMessage, isAbortError } from '../api/client';
import type { Me } from '../api/types';

export type MeState =
  | { status: 'loading' }
  | { status: 'ready'; me: Me }
  | { status: 'error'; message: string };

function isMe(value: unknown): value is Me {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.username === 'string' && typeof record.is_staff === 'boolean';
}

/** The signed-in user from GET /api/v1/me/. */
export function useMe(): MeState {
  const [state, setState] = useState<MeState>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    apiFetch<unknown>('/api/v1/me/', { signal: controller.signal })
      .then((body) => {
        if (!isMe(body)) throw new Error('Unexpected response from /api/v1/me/');
        setState({ status: 'ready', me: body });
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted && !isAbortError(err)) setState({ status: 'error', message: errorMessage(err) });
      });
    return () => controller.abort();
  }, []);

  return state;
}
