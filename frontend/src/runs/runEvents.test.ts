import { describe, expect, it } from 'vitest';
import { foldRunEvent, initialLiveRun, isTerminal } from './runEvents';

describe('live run events', () => {
  it('folds a snapshot and step events into a status per node', () => {
    let state = foldRunEvent(initialLiveRun, { type: 'step.finished', node_id: 'a', status: 'succeeded', attempts: 1 });
    state = foldRunEvent(state, {
      type: 'run.snapshot',
      status: 'running',
      steps: [
        { node_id: 'a', status: 'running', attempts: 1 },
        { node_id: 'b', status: 'queued', attempts: 0 },
      ],
    });
    // The finished event came first but is newer than the snapshot's "running".
    expect(state.steps.a?.status).toBe('succeeded');
    expect(state.steps.b?.status).toBe('queued');
    state = foldRunEvent(state, { type: 'step.failed', node_id: 'b', status: 'failed', attempts: 2 });
    state = foldRunEvent(state, { type: 'run.finished', status: 'failed', error: { node: 'b' } });
    expect(state.status).toBe('failed');
    expect(state.steps.b).toEqual({ status: 'failed', attempts: 2 });
    expect(isTerminal(state.status)).toBe(true);
    expect(foldRunEvent(state, { type: 'socket.lost' })).toBe(state);
    expect(foldRunEvent(initialLiveRun, { type: 'socket.lost' }).status).toBe('lost');
  });
});
