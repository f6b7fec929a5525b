/** Live run events from /ws/runs/{id}/, folded into a status per node (pure reducer + a hook). */
import { useEffect, useReducer } from 'react';
import type { RunStatus, StepStatus } from '../api/sluice';

export interface LiveRun {
  status: RunStatus | 'connecting' | 'lost';
  steps: Record<string, { status: StepStatus; attempts: number }>;
  output?: unknown;
  error?: unknown;
}

export type RunEvent =
  | { type: 'run.snapshot'; status: RunStatus; steps: { node_id: string; status: StepStatus; attempts: number }[] }
  | { type: 'run.started' }
  | { type: 'run.finished'; status: RunStatus; output?: unknown; error?: unknown }
  | { type: string; node_id?: string; status?: StepStatus; attempts?: number }
  | { type: 'socket.lost' };

export const initialLiveRun: LiveRun = { status: 'connecting', steps: {} };

export function foldRunEvent(state: LiveRun, event: RunEvent): LiveRun {
  if (event.type === 'run.snapshot' && 'steps' in event) {
    const steps: LiveRun['steps'] = {};
    for (const step of event.steps) steps[step.node_id] = { status: step.status, attempts: step.attempts };
    return { ...state, status: event.status, steps: { ...steps, ...finishedOnly(state.steps) } };
  }
  if (event.type === 'run.started') return { ...state, status: 'running' };
  if (event.type === 'run.finished' && 'status' in event && event.status) {
    const finished = event as { status: RunStatus; output?: unknown; error?: unknown };
    return { ...state, status: finished.status, output: finished.output, error: finished.error };
  }
  if (event.type === 'socket.lost') return state.status === 'connecting' || state.status === 'running' ? { ...state, status: 'lost' } : state;
  if (event.type.startsWith('step.') && 'node_id' in event && event.node_id && event.status) {
    return {
      ...state,
      steps: { ...state.steps, [event.node_id]: { status: event.status, attempts: event.attempts ?? 0 } },
    };
  }
  return state;
}

const TERMINAL_STEPS = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/** Events that arrived before the snapshot are newer than it when they are terminal. */
function finishedOnly(steps: LiveRun['steps']): LiveRun['steps'] {
  return Object.fromEntries(Object.entries(steps).filter(([, s]) => TERMINAL_STEPS.has(s.status)));
}

export function isTerminal(status: LiveRun['status']): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** Subscribes to one run's events while `runId` is set. */
export function useRunEvents(runId: string | null): LiveRun {
  const [state, dispatch] = useReducer(
    (s: LiveRun, e: RunEvent | { type: 'reset' }) => (e.type === 'reset' ? initialLiveRun : foldRunEvent(s, e as RunEvent)),
    initialLiveRun,
  );
  useEffect(() => {
    dispatch({ type: 'reset' });
    if (!runId) return undefined;
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/runs/${runId}/`);
    let closedByUs = false;
    socket.onmessage = (message) => {
      try {
        dispatch(JSON.parse(String(message.data)) as RunEvent);
      } catch {
        /* not an event */
      }
    };
    socket.onclose = () => {
      if (!closedByUs) dispatch({ type: 'socket.lost' });
    };
    return () => {
      closedByUs = true;
      socket.close();
    };
  }, [runId]);
  return state;
}
