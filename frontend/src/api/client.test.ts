import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiFetch, serverMessage } from './client';

type FetchMock = ReturnType<typeof vi.fn<typeof fetch>>;

function jsonResponse(status: number, body: unknown, statusText = ''): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { 'Content-Type': 'application/json' },
  });
}

let fetchMock: FetchMock;

beforeEach(() => {
  fetchMock = vi.fn<typeof fetch>();
  vi.stubGlobal('fetch', fetchMock);
  vi.stubGlobal('document', { cookie: 'sessionid=s; csrftoken=csrf-123' });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function lastInit(): RequestInit {
  const call = fetchMock.mock.calls.at(-1);
  if (!call) throw new Error('fetch was not called');
  return call[1] ?? {};
}

describe('apiFetch', () => {
  it('GETs same-origin, parses JSON and sends no CSRF header', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { id: 1, username: 'admin', is_staff: true }));

    const me = await apiFetch<{ username: string }>('/api/v1/me/');

    expect(me.username).toBe('admin');
    expect(fetchMock.mock.calls[0]?.[0]).toBe('/api/v1/me/');
    const init = lastInit();
    expect(init.method).toBe('GET');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers).not.toHaveProperty('X-CSRFToken');
    expect(init.body).toBeUndefined();
  });

  it('adds the CSRF token and JSON body on POST', async () => {
    fetchMock.mockResolvedValue(jsonResponse(202, { id: 'abc' }));

    const result = await apiFetch<{ id: string }>('/api/v1/live-check/', { method: 'post', body: {} });

    expect(result).toEqual({ id: 'abc' });
    const init = lastInit();
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers).toMatchObject({ 'X-CSRFToken': 'csrf-123', 'Content-Type': 'application/json' });
    expect(init.body).toBe('{}');
  });

  it("throws an ApiError with the server's detail message on non-2xx", async () => {
    fetchMock.mockResolvedValue(jsonResponse(403, { detail: 'CSRF Failed: CSRF token missing.' }, 'Forbidden'));

    const error = await apiFetch('/api/v1/live-check/', { method: 'POST', body: {} }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('CSRF Failed: CSRF token missing.');
    expect((error as ApiError).status).toBe(403);
  });

  it('returns the body of an accepted non-2xx status (503 from /healthz)', async () => {
    const health = { status: 'fail', checks: { worker: { ok: false, detail: 'down' } } };
    fetchMock.mockResolvedValue(jsonResponse(503, health));

    await expect(apiFetch('/healthz', { acceptStatus: [503] })).resolves.toEqual(health);
  });

  it('still throws on 503 when the caller did not accept it', async () => {
    fetchMock.mockResolvedValue(jsonResponse(503, { status: 'fail', checks: {} }, 'Service Unavailable'));

    await expect(apiFetch('/healthz')).rejects.toThrow('Request failed: 503 Service Unavailable');
  });

  it('falls back to the status when the error body is not JSON', async () => {
    fetchMock.mockResolvedValue(new Response('<h1>Bad Gateway</h1>', { status: 502, statusText: 'Bad Gateway' }));

    await expect(apiFetch('/healthz', { acceptStatus: [503] })).rejects.toMatchObject({
      status: 502,
      message: 'Request failed: 502 Bad Gateway',
    });
  });

  it('rejects a 2xx response that is not JSON', async () => {
    fetchMock.mockResolvedValue(new Response('<html>login</html>', { status: 200 }));

    await expect(apiFetch('/api/v1/me/')).rejects.toThrow('Expected JSON from /api/v1/me/');
  });

  it('resolves undefined for an empty body', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));

    await expect(apiFetch('/api/v1/thing/', { method: 'DELETE' })).resolves.toBeUndefined();
  });

  it('reports a network failure as status 0', async () => {
    fetchMock.mockRejectedValue(new TypeError('fetch failed'));

    await expect(apiFetch('/healthz')).rejects.toMatchObject({ status: 0, message: 'Could not reach the server (/healthz)' });
  });
});

describe('serverMessage', () => {
  it('prefers detail, then message, then error', () => {
    expect(serverMessage({ detail: 'd', message: 'm' }, 400, '')).toBe('d');
    expect(serverMessage({ message: 'm', error: 'e' }, 400, '')).toBe('m');
    expect(serverMessage({ error: 'e' }, 400, '')).toBe('e');
  });

  it('uses the status when the body has no message', () => {
    expect(serverMessage({ field: ['required'] }, 400, 'Bad Request')).toBe('Request failed: 400 Bad Request');
    expect(serverMessage(null, 500, '')).toBe('Request failed: 500');
  });
});
