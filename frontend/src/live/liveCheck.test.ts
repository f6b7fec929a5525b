import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  describeClose,
  liveEventsUrl,
  matchLiveCheckMessage,
  runLiveCheck,
  type LiveCheckOptions,
  type LiveSocketHandlers,
} from './liveCheck';

const ID = '6f1c2b1e-8a53-4c8e-9f57-2f8e2f0d5a11';
const event = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'live.check', id: ID, worker: 'worker-1', sent_at: 1764860000.25, ...overrides });

describe('liveEventsUrl', () => {
  it('uses ws:// on http and wss:// on https, same host and port', () => {
    expect(liveEventsUrl({ protocol: 'http:', host: 'localhost:8000' })).toBe('ws://localhost:8000/ws/events/');
    expect(liveEventsUrl({ protocol: 'https:', host: 'sluice.example.com' })).toBe('wss://sluice.example.com/ws/events/');
  });
});

describe('matchLiveCheckMessage', () => {
  it('accepts the live.check event for the id', () => {
    expect(matchLiveCheckMessage(event(), ID)).toEqual({ id: ID, worker: 'worker-1', sentAt: 1764860000.25 });
  });

  it('tolerates a missing sent_at', () => {
    expect(matchLiveCheckMessage(event({ sent_at: undefined }), ID)).toEqual({ id: ID, worker: 'worker-1', sentAt: null });
  });

  it.each([
    ['another id', event({ id: 'other' })],
    ['another type', event({ type: 'workflow.updated' })],
    ['no worker', event({ worker: undefined })],
    ['not JSON', 'hello'],
    ['JSON null', 'null'],
    ['binary data', new ArrayBuffer(4)],
  ])('rejects %s', (_label, data) => {
    expect(matchLiveCheckMessage(data, ID)).toBeNull();
  });
});

describe('describeClose', () => {
  it('names the code and gives a hint', () => {
    expect(describeClose(1006, '')).toBe('WebSocket closed: code 1006 (connection failed or was dropped)');
    expect(describeClose(4401, '')).toBe('WebSocket closed: code 4401 (refused by the server)');
    expect(describeClose(1011, 'server error')).toBe('WebSocket closed: code 1011 (server error)');
    expect(describeClose(1001, '')).toBe('WebSocket closed: code 1001');
  });
});

/** A socket the test drives by hand. */
class FakeSocket {
  handlers: LiveSocketHandlers | null = null;
  url = '';
  closed = 0;
  close() {
    this.closed += 1;
  }
}

describe('runLiveCheck', () => {
  let socket: FakeSocket;
  let clock: number;
  let resolvePost: (body: unknown) => void;
  let rejectPost: (err: unknown) => void;
  let startCheck: ReturnType<typeof vi.fn<LiveCheckOptions['startCheck']>>;

  beforeEach(() => {
    vi.useFakeTimers();
    socket = new FakeSocket();
    clock = 1000;
    startCheck = vi.fn<LiveCheckOptions['startCheck']>(
      () =>
        new Promise((resolve, reject) => {
          resolvePost = resolve;
          rejectPost = reject;
        }),
    );
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function start(extra: Partial<LiveCheckOptions> = {}) {
    return runLiveCheck({
      url: 'ws://host/ws/events/',
      openSocket: (url, handlers) => {
        socket.url = url;
        socket.handlers = handlers;
        return socket;
      },
      startCheck,
      now: () => clock,
      timeoutMs: 10_000,
      ...extra,
    });
  }

  const h = () => {
    if (!socket.handlers) throw new Error('socket not opened');
    return socket.handlers;
  };

  it('POSTs only once the socket is open, then reports the worker and round trip', async () => {
    const phases: string[] = [];
    const result = start({ onPhase: (phase) => phases.push(phase) });
    expect(socket.url).toBe('ws://host/ws/events/');
    expect(startCheck).not.toHaveBeenCalled();

    h().onOpen();
    expect(startCheck).toHaveBeenCalledTimes(1);
    resolvePost({ id: ID });
    await vi.advanceTimersByTimeAsync(0);

    h().onMessage(event({ id: 'someone-else' }));
    h().onMessage('{"type":"workflow.updated"}');
    clock = 1137.4;
    h().onMessage(event());

    await expect(result).resolves.toEqual({ ok: true, id: ID, worker: 'worker-1', roundTripMs: 137 });
    expect(phases).toEqual(['connecting', 'waiting']);
    expect(socket.closed).toBe(1);
  });

  it('matches an event that arrives before the POST response', async () => {
    const result = start();
    h().onOpen();
    clock = 1040;
    h().onMessage(event());
    clock = 1060;
    resolvePost({ id: ID });

    await expect(result).resolves.toEqual({ ok: true, id: ID, worker: 'worker-1', roundTripMs: 40 });
  });

  it('fails with "no event within 10 s" and closes the socket', async () => {
    const result = start();
    h().onOpen();
    resolvePost({ id: ID });
    await vi.advanceTimersByTimeAsync(9_999);
    h().onMessage(event({ id: 'other' }));
    await vi.advanceTimersByTimeAsync(1);

    await expect(result).resolves.toEqual({ ok: false, error: 'no event within 10 s' });
    expect(socket.closed).toBe(1);
  });

  it('reports the close code when the socket closes first', async () => {
    const result = start();
    h().onClose(1006, '');

    await expect(result).resolves.toEqual({
      ok: false,
      error: 'WebSocket closed: code 1006 (connection failed or was dropped)',
    });
    expect(startCheck).not.toHaveBeenCalled();
  });

  it('fails when the socket never opens', async () => {
    const result = start();
    await vi.advanceTimersByTimeAsync(10_000);

    await expect(result).resolves.toEqual({ ok: false, error: 'WebSocket did not open within 10 s' });
    expect(socket.closed).toBe(1);
  });

  it('reports a failed POST', async () => {
    const result = start();
    h().onOpen();
    rejectPost(new Error('CSRF Failed: CSRF token missing.'));

    await expect(result).resolves.toEqual({
      ok: false,
      error: 'live check request failed: CSRF Failed: CSRF token missing.',
    });
    expect(socket.closed).toBe(1);
  });

  it('rejects a POST answer without an id', async () => {
    const result = start();
    h().onOpen();
    resolvePost({});

    await expect(result).resolves.toEqual({ ok: false, error: 'live check request returned no id' });
  });

  it('reports a socket that cannot be created', async () => {
    const result = runLiveCheck({
      url: 'bad',
      openSocket: () => {
        throw new SyntaxError('Invalid URL');
      },
      startCheck,
      now: () => 0,
    });

    await expect(result).resolves.toEqual({ ok: false, error: 'could not open WebSocket: Invalid URL' });
  });

  it('stops when aborted, aborting the POST and closing the socket', async () => {
    const abort = new AbortController();
    const result = start({ signal: abort.signal });
    h().onOpen();
    const postSignal = startCheck.mock.calls[0]?.[0];
    abort.abort();

    await expect(result).resolves.toEqual({ ok: false, error: 'cancelled' });
    expect(postSignal?.aborted).toBe(true);
    expect(socket.closed).toBe(1);
    h().onClose(1000, '');
    await expect(result).resolves.toEqual({ ok: false, error: 'cancelled' });
  });
});
