import { getCsrfToken } from './cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** A failed request: `status` is the HTTP status, or 0 when the server was not reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(message: string, status: number, body?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Non-2xx statuses whose JSON body is returned instead of thrown (e.g. [503] for /healthz). */
  acceptStatus?: readonly number[];
  signal?: AbortSignal;
}

/** Picks the human-readable message out of an error body (DRF uses "detail"). */
export function serverMessage(body: unknown, status: number, statusText: string): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['detail', 'message', 'error']) {
      const value = record[key];
      if (typeof value === 'string' && value.trim()) return value;
    }
  }
  return `Request failed: ${status}${statusText ? ` ${statusText}` : ''}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * fetch() for the Sluice API: same-origin cookies, CSRF header on unsafe
 * methods, JSON in and out. Resolves with the parsed body (undefined when the
 * body is empty); rejects with an ApiError carrying the server's message.
 */
export async function apiFetch<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (!SAFE_METHODS.has(method)) headers['X-CSRFToken'] = getCsrfToken();
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(`Could not reach the server (${path})`, 0);
  }

  const text = await response.text();
  const parsed = text ? parseJson(text) : ({ ok: true, value: undefined } as const);
  const accepted = response.ok || (options.acceptStatus ?? []).includes(response.status);

  if (!accepted) {
    const errorBody = parsed.ok ? parsed.value : text;
    throw new ApiError(serverMessage(errorBody, response.status, response.statusText), response.status, errorBody);
  }
  if (!parsed.ok) {
    throw new ApiError(`Expected JSON from ${path} but got something else`, response.status, text);
  }
  return parsed.value as T;
}

/** Turns anything thrown into a message fit to show the user. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return String(err);
}

export function isAbortError(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
