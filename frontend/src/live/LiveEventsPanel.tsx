import { useEffect, useRef, useState } from 'react';
import { apiFetch } from '../api/client';
import {
  LIVE_CHECK_TIMEOUT_MS,
  LIVE_EVENTS_PATH,
  liveEventsUrl,
  openBrowserSocket,
  runLiveCheck,
  type LiveCheckOutcome,
  type LiveCheckPhase,
} from './liveCheck';
import './live.css';

export const LIVE_CHECK_URL = '/api/v1/live-check/';

export type LiveState =
  | { kind: 'idle' }
  | { kind: 'running'; phase: LiveCheckPhase }
  | { kind: 'done'; outcome: LiveCheckOutcome };

export function liveMessage(state: LiveState): string {
  switch (state.kind) {
    case 'idle':
      return 'Not run yet.';
    case 'running':
      return state.phase === 'connecting'
        ? `Connecting to ${LIVE_EVENTS_PATH}…`
        : 'Waiting for the event from the worker…';
    case 'done':
      return state.outcome.ok
        ? `Event from worker ${state.outcome.worker} arrived in ${state.outcome.roundTripMs} ms`
        : `Live check failed: ${state.outcome.error}`;
  }
}

function tone(state: LiveState): string {
  if (state.kind !== 'done') return 'neutral';
  return state.outcome.ok ? 'ok' : 'fail';
}

interface LiveEventsViewProps {
  state: LiveState;
  onTest: () => void;
}

export function LiveEventsView({ state, onTest }: LiveEventsViewProps) {
  const running = state.kind === 'running';
  return (
    <section className="panel live" aria-labelledby="live-title">
      <div className="panel__header">
        <h2 id="live-title" className="panel__title">
          Live events
        </h2>
      </div>
      <p className="muted">
        Sends a test event from the API through a worker back to this page over the WebSocket, and times the round
        trip. Gives up after {Math.round(LIVE_CHECK_TIMEOUT_MS / 1000)} s.
      </p>
      {/* aria-disabled rather than disabled keeps focus on the button while it runs. */}
      <button
        type="button"
        className="button button--primary"
        aria-disabled={running}
        aria-describedby="live-result"
        onClick={running ? undefined : onTest}
      >
        Test live events
      </button>
      <p id="live-result" className={`live__result live__result--${tone(state)}`} role="status" aria-live="polite">
        {liveMessage(state)}
      </p>
    </section>
  );
}

export function LiveEventsPanel() {
  const [state, setState] = useState<LiveState>({ kind: 'idle' });
  const running = useRef<AbortController | null>(null);

  // Leaving the page mid-check closes the socket and cancels the request.
  useEffect(() => () => running.current?.abort(), []);

  const test = async () => {
    if (running.current) return;
    const controller = new AbortController();
    running.current = controller;
    const outcome = await runLiveCheck({
      url: liveEventsUrl(window.location),
      openSocket: openBrowserSocket,
      startCheck: (signal) => apiFetch<unknown>(LIVE_CHECK_URL, { method: 'POST', body: {}, signal }),
      now: () => performance.now(),
      signal: controller.signal,
      onPhase: (phase) => setState({ kind: 'running', phase }),
    });
    if (controller.signal.aborted) return;
    running.current = null;
    setState({ kind: 'done', outcome });
  };

  return <LiveEventsView state={state} onTest={() => void test()} />;
}
