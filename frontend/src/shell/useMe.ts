import { createContext, useContext, useEffect, useState } from 'react';
import { apiFetch, errorMessage, isAbortError } from '../api/client';
import type { Me } from '../api/types';

export type MeState =
  | { status: 'loading' }
  | { status: 'ready'; me: Me }
  | { status: 'error'; message: string };

/** The signed-in user as /api/v1/me/ describes them, or null when the answer is not one. */
export function parseMe(value: unknown): Me | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (typeof record.username !== 'string' || typeof record.is_staff !== 'boolean') return null;
  return {
    id: typeof record.id === 'number' ? record.id : 0,
    username: record.username,
    is_staff: record.is_staff,
    is_superuser: record.is_superuser === true,
    teams: Array.isArray(record.teams) ? record.teams.filter((t): t is string => typeof t === 'string') : [],
  };
}

/** The signed-in user from GET /api/v1/me/. */
export function useMe(): MeState {
  const [state, setState] = useState<MeState>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    apiFetch<unknown>('/api/v1/me/', { signal: controller.signal })
      .then((body) => {
        const me = parseMe(body);
        if (!me) throw new Error('Unexpected response from /api/v1/me/');
        setState({ status: 'ready', me });
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted && !isAbortError(err)) setState({ status: 'error', message: errorMessage(err) });
      });
    return () => controller.abort();
  }, []);

  return state;
}

/** The one /api/v1/me/ answer of the page, shared by the header and the pages below it. */
export const MeContext = createContext<MeState>({ status: 'loading' });

export function useMeContext(): MeState {
  return useContext(MeContext);
}

/** The signed-in user once known, else null. */
export function useCurrentUser(): Me | null {
  const state = useMeContext();
  return state.status === 'ready' ? state.me : null;
}
