/** A `live.check` event as the worker publishes it on /ws/events/. */
export interface LiveCheckEvent {
  id: string;
  worker: string;
  /** Unix seconds when the worker sent it (worker clock), or null if absent. */
  sentAt: number | null;
}

export type LiveCheckOutcome =
  | { ok: true; id: string; worker: string; roundTripMs: number }
  | { ok: false; error: string };

export type LiveCheckPhase = 'connecting' | 'waiting';

/** Callbacks a socket reports to; kept minimal so tests can fake the socket. */
export interface LiveSocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  onClose(code: number, reason: string): void;
}

export interface LiveSocket {
  close(): void;
}

export type OpenLiveSocket = (url: string, handlers: LiveSocketHandlers) => LiveSocket;

export interface LiveCheckOptions {
  url: string;
  openSocket: OpenLiveSocket;
  /** POSTs /api/v1/live-check/ and resolves with its body ({"id": "<uuid>"}). */
  startCheck: (signal: AbortSignal) => Promise<unknown>;
  /** Milliseconds from a monotonic clock (performance.now in the browser). */
  now: () => number;
  /** Limit for the socket to open, and then for the event to arrive. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onPhase?: (phase: LiveCheckPhase) => void;
}

export const LIVE_EVENTS_PATH = '/ws/events/';
export const LIVE_CHECK_TIMEOUT_MS = 10_000;

/** Same-origin WebSocket URL: ws:// for http pages, wss:// for https pages. */
export function liveEventsUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${LIVE_EVENTS_PATH}`;
}

/** Returns the event when `data` is the live.check message for `id`, else null. */
export function matchLiveCheckMessage(data: unknown, id: string): LiveCheckEvent | null {
  if (typeof data !== 'string') return null;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null) return null;
  const record = message as Record<string, unknown>;
  if (record.type !== 'live.check' || record.id !== id || typeof record.worker !== 'string') return null;
  const sentAt = typeof record.sent_at === 'number' && Number.isFinite(record.sent_at) ? record.sent_at : null;
  return { id, worker: record.worker, sentAt };
}

/** "WebSocket closed: code 1006 (…)" with a hint for the codes people meet. */
export function describeClose(code: number, reason: string): string {
  let hint = reason;
  if (!hint && code === 1006) hint = 'connection failed or was dropped';
  if (!hint && code >= 4000 && code < 5000) hint = 'refused by the server';
  return `WebSocket closed: code ${code}${hint ? ` (${hint})` : ''}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error && err.message ? err.message : String(err);
}

/**
 * Round trip browser -> API -> worker -> WebSocket -> browser.
 * Opens the socket, POSTs the check once it is open, then waits for the
 * matching live.check event. The time is measured from the POST to the
 * event. Never rejects; the socket is always closed when it settles.
 */
export function runLiveCheck(options: LiveCheckOptions): Promise<LiveCheckOutcome> {
  const timeoutMs = options.timeoutMs ?? LIVE_CHECK_TIMEOUT_MS;
  const seconds = Math.round(timeoutMs / 1000);
  const controller = new AbortController();

  return new Promise<LiveCheckOutcome>((resolve) => {
    let settled = false;
    let socket: LiveSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let checkId: string | null = null;
    let postedAt = 0;
    // Messages that arrive before the POST has told us the id.
    const early: { data: unknown; at: number }[] = [];

    const finish = (outcome: LiveCheckOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      controller.abort();
      socket?.close();
      resolve(outcome);
    };

    function onAbort() {
      finish({ ok: false, error: 'cancelled' });
    }

    const handleMessage = (data: unknown, at: number) => {
      if (settled) return;
      if (checkId === null) {
        early.push({ data, at });
        return;
      }
      const event = matchLiveCheckMessage(data, checkId);
      if (event) finish({ ok: true, id: checkId, worker: event.worker, roundTripMs: Math.round(at - postedAt) });
    };

    const startCheck = async () => {
      if (settled) return;
      clearTimeout(timer);
      options.onPhase?.('waiting');
      postedAt = options.now();
      timer = setTimeout(() => finish({ ok: false, error: `no event within ${seconds} s` }), timeoutMs);
      let body: unknown;
      try {
        body = await options.startCheck(controller.signal);
      } catch (err) {
        finish({ ok: false, error: `live check request failed: ${messageOf(err)}` });
        return;
      }
      if (settled) return;
      const id = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).id : undefined;
      if (typeof id !== 'string' || !id) {
        finish({ ok: false, error: 'live check request returned no id' });
        return;
      }
      checkId = id;
      for (const message of early.splice(0)) handleMessage(message.data, message.at);
    };

    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort);
    options.onPhase?.('connecting');
    timer = setTimeout(() => finish({ ok: false, error: `WebSocket did not open within ${seconds} s` }), timeoutMs);

    try {
      socket = options.openSocket(options.url, {
        onOpen: () => void startCheck(),
        onMessage: (data) => handleMessage(data, options.now()),
        onClose: (code, reason) => finish({ ok: false, error: describeClose(code, reason) }),
      });
    } catch (err) {
      finish({ ok: false, error: `could not open WebSocket: ${messageOf(err)}` });
      return;
    }
    if (settled) socket.close();
  });
}

/** The real browser WebSocket behind the LiveSocket interface. */
export const openBrowserSocket: OpenLiveSocket = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.onOpen();
  ws.onmessage = (event: MessageEvent<unknown>) => handlers.onMessage(event.data);
  ws.onclose = (event: CloseEvent) => handlers.onClose(event.code, event.reason);
  return {
    close() {
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) {
        ws.close(1000, 'live check finished');
      }
    },
  };
};
