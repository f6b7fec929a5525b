import { describe, expect, it } from 'vitest';
import { checkLabel, describeSummary, summariseHealth } from './health';

const healthy = {
  status: 'ok',
  checks: {
    database: { ok: true, detail: 'sqlite, 2 ms' },
    broker: { ok: true, detail: 'redis 7.2' },
    worker: { ok: true, detail: '1 worker' },
    scheduler: { ok: true, detail: 'beat 3 s ago' },
  },
};

describe('summariseHealth', () => {
  it('is healthy when the server says ok and every check passed, rows in server order', () => {
    const summary = summariseHealth(healthy);

    expect(summary.overall).toBe('healthy');
    expect(summary.passing).toBe(4);
    expect(summary.rows.map((row) => row.name)).toEqual(['database', 'broker', 'worker', 'scheduler']);
    expect(summary.rows[0]).toEqual({ name: 'database', label: 'Database', ok: true, detail: 'sqlite, 2 ms' });
  });

  it('is degraded when a check fails, and keeps the failing detail', () => {
    const summary = summariseHealth({
      status: 'fail',
      checks: { ...healthy.checks, worker: { ok: false, detail: 'no heartbeat for 42 s' } },
    });

    expect(summary.overall).toBe('degraded');
    expect(summary.passing).toBe(3);
    expect(summary.rows.find((row) => row.name === 'worker')).toMatchObject({ ok: false, detail: 'no heartbeat for 42 s' });
  });

  it('is degraded when any check fails even if status says ok', () => {
    const summary = summariseHealth({ status: 'ok', checks: { database: { ok: false, detail: 'locked' } } });
    expect(summary.overall).toBe('degraded');
  });

  it('is degraded when status is fail even if every check passed', () => {
    expect(summariseHealth({ ...healthy, status: 'fail' }).overall).toBe('degraded');
  });

  it('renders whatever check names arrive', () => {
    const summary = summariseHealth({ status: 'ok', checks: { object_store: { ok: true, detail: 's3' } } });
    expect(summary.rows).toEqual([{ name: 'object_store', label: 'Object store', ok: true, detail: 's3' }]);
  });

  it('treats a missing detail as empty and anything but ok === true as a failure', () => {
    const summary = summariseHealth({
      status: 'ok',
      checks: { a: { ok: true }, b: { ok: 'yes', detail: 'truthy string' }, c: null },
    });
    expect(summary.rows.map((row) => [row.name, row.ok, row.detail])).toEqual([
      ['a', true, ''],
      ['b', false, 'truthy string'],
      ['c', false, ''],
    ]);
    expect(summary.overall).toBe('degraded');
  });

  it('is healthy with no checks when the server says ok', () => {
    expect(summariseHealth({ status: 'ok', checks: {} })).toEqual({ overall: 'healthy', rows: [], passing: 0 });
  });

  it.each([null, 'ok', [], { status: 'ok' }, { checks: {} }, { status: 'ok', checks: [] }])(
    'rejects a body that is not a health report: %j',
    (body) => {
      expect(() => summariseHealth(body)).toThrow('Unexpected response from /healthz');
    },
  );
});

describe('checkLabel', () => {
  it('turns keys into sentence-case labels', () => {
    expect(checkLabel('database')).toBe('Database');
    expect(checkLabel('object_store')).toBe('Object store');
    expect(checkLabel('dns-resolver')).toBe('Dns resolver');
    expect(checkLabel('___')).toBe('___');
  });
});

describe('describeSummary', () => {
  it('counts passing checks', () => {
    expect(describeSummary(summariseHealth(healthy))).toBe('4 of 4 checks passing.');
    expect(describeSummary(summariseHealth({ status: 'fail', checks: { db: { ok: false } } }))).toBe('0 of 1 check passing.');
  });
});
