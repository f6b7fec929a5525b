import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { summariseHealth } from './health';
import { StatusView } from './StatusPanel';
import type { HealthState } from './healthPoller';

const degraded = summariseHealth({
  status: 'fail',
  checks: {
    database: { ok: true, detail: 'sqlite, 2 ms' },
    worker: { ok: false, detail: 'no heartbeat for 42 s' },
    object_store: { ok: true },
  },
});

function render(state: HealthState, isStaff = false): string {
  return renderToStaticMarkup(<StatusView state={state} isStaff={isStaff} onRefresh={() => {}} />);
}

describe('StatusView', () => {
  it('shows the overall badge in a polite live region and a row per check', () => {
    const html = render({ summary: degraded, checkedAt: new Date(), error: null, loading: false });

    expect(html).toMatch(/role="status" aria-live="polite"><span class="badge badge--warn">Degraded<\/span>/);
    expect(html).toContain('2 of 3 checks passing.');
    expect(html).toContain('<th scope="row">Worker</th>');
    expect(html).toContain('no heartbeat for 42 s');
    expect(html).toContain('<th scope="row">Object store</th>');
    expect(html.match(/<tr class="checks__row--fail">/g)).toHaveLength(1);
  });

  it('says Healthy when everything passed', () => {
    const healthy = summariseHealth({ status: 'ok', checks: { database: { ok: true, detail: 'ok' } } });
    expect(render({ summary: healthy, checkedAt: new Date(), error: null, loading: false })).toContain(
      '<span class="badge badge--ok">Healthy</span>',
    );
  });

  it('keeps the last report but flags the failure when /healthz cannot be reached', () => {
    const html = render({ summary: degraded, checkedAt: new Date(), error: 'Request failed: 502 Bad Gateway', loading: false });
    expect(html).toContain('<span class="badge badge--fail">Unavailable</span>');
    expect(html).toContain('Request failed: 502 Bad Gateway');
    expect(html).toContain('Last successful check at');
    expect(html).toContain('no heartbeat for 42 s');
  });

  it('shows a neutral state before the first answer', () => {
    const html = render({ summary: null, checkedAt: null, error: null, loading: true });
    expect(html).toContain('Checking…');
    expect(html).not.toContain('<table');
  });

  it('links to the API docs, and to the admin only for staff', () => {
    const state: HealthState = { summary: degraded, checkedAt: new Date(), error: null, loading: false };
    const user = render(state, false);
    const staff = render(state, true);
    expect(user).toContain('href="/api/docs/"');
    expect(user).not.toContain('href="/admin/"');
    expect(staff).toContain('href="/admin/"');
  });
});
