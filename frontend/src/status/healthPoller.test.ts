import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHealthPolling, type HealthPoller, type HealthState } from './healthPoller';

const ok = { status: 'ok', checks: { database: { ok: true, detail: 'sqlite, 2 ms' } } };
const failing = { status: 'fail', checks: { database: { ok: true }, worker: { ok: false, detail: 'no heartbeat for 42 s' } } };

describe('startHealthPolling', () => {
  let states: HealthState[];
  let load: ReturnType<typeof vi.fn<(signal: AbortSignal) => Promise<unknown>>>;
  let poller: HealthPoller | null;

  const last = () => states.at(-1);
  const start = () => {
    poller = startHealthPolling({
      load,
      onChange: (state) => states.push(state),
      intervalMs: 10_000,
      timeoutMs: 8_000,
      now: () => new Date('2026-01-01T12:00:00Z'),
    });
    return poller;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    states = [];
    load = vi.fn<(signal: AbortSignal) => Promise<unknown>>();
    poller = null;
  });

  afterEach(() => {
    poller?.stop();
    vi.useRealTimers();
  });

  it('polls at once and then every 10 s after each answer', async () => {
    load.mockResolvedValue(ok);
    start();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(last()).toMatchObject({ loading: false, error: null, summary: { overall: 'healthy' } });

    await vi.advanceTimersByTimeAsync(9_999);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(load).toHaveBeenCalledTimes(4);
  });

  it('follows the server from healthy to degraded', async () => {
    load.mockResolvedValueOnce(ok).mockResolvedValueOnce(failing);
    start();
    await vi.advanceTimersByTimeAsync(0);
    expect(last()?.summary?.overall).toBe('healthy');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(last()?.summary?.overall).toBe('degraded');
    expect(last()?.summary?.rows.find((row) => row.name === 'worker')?.detail).toBe('no heartbeat for 42 s');
  });

  it('keeps the last report when a poll fails, and clears the error when one succeeds', async () => {
    load.mockResolvedValueOnce(ok).mockRejectedValueOnce(new Error('Request failed: 502 Bad Gateway')).mockResolvedValue(ok);
    start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(last()).toMatchObject({ error: 'Request failed: 502 Bad Gateway', summary: { overall: 'healthy' } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(last()?.error).toBeNull();
  });

  it('reports a body that is not a health report', async () => {
    load.mockResolvedValue({ hello: 'world' });
    start();
    await vi.advanceTimersByTimeAsync(0);
    expect(last()).toMatchObject({ error: 'Unexpected response from /healthz', summary: null, loading: false });
  });

  it('aborts a request that hangs and keeps polling', async () => {
    load.mockImplementationOnce(
      (signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
    );
    load.mockResolvedValue(ok);
    start();
    await vi.advanceTimersByTimeAsync(8_000);
    expect(last()?.error).toBe('the request timed out');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(load).toHaveBeenCalledTimes(2);
    expect(last()?.error).toBeNull();
  });

  it('refresh polls at once and restarts the interval', async () => {
    load.mockResolvedValue(ok);
    const p = start();
    await vi.advanceTimersByTimeAsync(5_000);
    p.refresh();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('stops polling and aborts the request in flight when stopped', async () => {
    let seen: AbortSignal | undefined;
    load.mockImplementation((signal) => {
      seen = signal;
      return new Promise(() => {});
    });
    const p = start();
    const reported = states.length;
    p.stop();
    expect(seen?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(load).toHaveBeenCalledTimes(1);
    expect(states).toHaveLength(reported);
  });

  it('ignores an answer that arrives after refresh replaced its request, or after stop', async () => {
    const pending: ((body: unknown) => void)[] = [];
    load.mockImplementation(() => new Promise((resolve) => pending.push(resolve)));
    const p = start();
    p.refresh();
    pending[0]?.(failing); // the replaced request answers late
    await vi.advanceTimersByTimeAsync(0);
    expect(states.some((state) => state.summary !== null)).toBe(false);

    pending[1]?.(ok);
    await vi.advanceTimersByTimeAsync(0);
    expect(last()?.summary?.overall).toBe('healthy');

    await vi.advanceTimersByTimeAsync(10_000);
    p.stop();
    const reported = states.length;
    pending[2]?.(failing);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(states).toHaveLength(reported);
    expect(load).toHaveBeenCalledTimes(3);
  });
});
