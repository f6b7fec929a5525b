import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import type { ModelProfile, ModelTarget } from '../api/sluice';
import {
  addTarget,
  breakerOf,
  credentialOptions,
  describeBreaker,
  describeProblem,
  draftsFrom,
  moveTarget,
  newTarget,
  profileChanges,
  removeTarget,
  serverProblems,
  targetsChanged,
  targetsOf,
  updateTarget,
} from './targets';

const saved: ModelTarget[] = [
  { provider: 'openai', model: 'primary', base_url: 'http://127.0.0.1:9/fail-503/v1', retries: 0 },
  { provider: 'anthropic', model: 'secondary', credential: 4, timeout: 12.5 },
];

const profile: Pick<ModelProfile, 'revision' | 'description' | 'policy' | 'targets'> = {
  revision: 3,
  description: 'Claims',
  policy: 'failover',
  targets: saved,
};

describe('target drafts', () => {
  it('round-trip: the drafts of saved targets send the same targets and are not a change', () => {
    const drafts = draftsFrom(saved);
    expect(drafts.map((d) => d.savedIndex)).toEqual([0, 1]);
    expect(new Set(drafts.map((d) => d.key)).size).toBe(2);
    expect(drafts[1]).toMatchObject({ credential: '4', timeout: '12.5', weight: '', retries: '' });
    expect(targetsOf(drafts)).toEqual({ targets: saved, problems: [] });
    expect(targetsChanged(drafts, saved)).toBe(false);
    expect(profileChanges(profile, { description: 'Claims', policy: 'failover', targets: drafts })).toEqual({ revision: 3 });
  });

  it('adds, removes and reorders, keeping each target’s saved position for its breaker and test', () => {
    let drafts = draftsFrom(saved);
    drafts = addTarget(drafts, newTarget('local'));
    expect(drafts.map((d) => d.savedIndex)).toEqual([0, 1, null]);
    drafts = moveTarget(drafts, 2, -1);
    expect(drafts.map((d) => d.provider)).toEqual(['openai', 'local', 'anthropic']);
    expect(moveTarget(drafts, 0, -1).map((d) => d.provider)).toEqual(['openai', 'local', 'anthropic']);
    expect(moveTarget(drafts, 2, 1).map((d) => d.provider)).toEqual(['openai', 'local', 'anthropic']);
    drafts = removeTarget(drafts, 0);
    expect(drafts.map((d) => d.savedIndex)).toEqual([null, 1]);
    const breakers = [
      { open: true, failures: 3 },
      { open: false, failures: 1 },
    ];
    expect(breakerOf(drafts[1]!, breakers)).toEqual({ open: false, failures: 1 });
    expect(breakerOf(drafts[0]!, breakers)).toBeNull();
  });

  it('a reorder is a change of targets, sent in the new order with the revision', () => {
    const swapped = moveTarget(draftsFrom(saved), 0, 1);
    expect(targetsChanged(swapped, saved)).toBe(true);
    expect(profileChanges(profile, { description: ' Claims ', policy: 'latency', targets: swapped })).toEqual({
      revision: 3,
      policy: 'latency',
      targets: [saved[1], saved[0]],
    });
  });

  it('leaves empty fields to the server’s defaults, and sends numbers and credential ids as numbers', () => {
    let drafts = [newTarget()];
    drafts = updateTarget(drafts, 0, { model: ' gpt-4o-mini ', credential: 'openai-key', weight: '2', base_url: ' ' });
    expect(targetsOf(drafts).targets).toEqual([{ provider: 'openai', model: 'gpt-4o-mini', credential: 'openai-key', weight: 2 }]);
    drafts = updateTarget(drafts, 0, { credential: '12' });
    expect(targetsOf(drafts).targets[0]!.credential).toBe(12);
  });

  it('names each problem’s target and field, as the server does', () => {
    const drafts = updateTarget([newTarget(), newTarget()], 1, { model: 'm', base_url: 'ftp://x', timeout: '0', retries: '1.5', weight: 'x' });
    expect(targetsOf(drafts).problems).toEqual([
      { field: 'targets[0].model', message: 'Name the model, e.g. gpt-4o-mini' },
      { field: 'targets[1].base_url', message: 'An http(s) URL' },
      { field: 'targets[1].timeout', message: 'A number from 0.1 to 600' },
      { field: 'targets[1].weight', message: 'A number from 0 to 1000' },
      { field: 'targets[1].retries', message: 'A whole number from 0 to 5' },
    ]);
    expect(targetsOf([]).problems).toEqual([{ field: 'targets', message: 'Add at least one target' }]);
    expect(describeProblem({ field: 'targets[1].timeout', message: 'a number from 0.1 to 600' })).toBe('Target 2 · Timeout (s): a number from 0.1 to 600');
    expect(describeProblem({ field: 'targets[0].base_url', message: 'an http(s) URL' })).toBe('Target 1 · Base URL: an http(s) URL');
    expect(describeProblem({ field: 'name', message: 'taken' })).toBe('name: taken');
  });
});

describe('serverProblems', () => {
  it('reads every listed problem of a 400, or its one field', () => {
    const body = {
      detail: 'a number from 0.1 to 600',
      field: 'targets[1].timeout',
      'targets[1].timeout': ['a number from 0.1 to 600'],
      errors: [
        { field: 'targets[1].timeout', message: 'a number from 0.1 to 600' },
        { field: 'targets[2].provider', message: 'one of openai, anthropic, local' },
      ],
    };
    expect(serverProblems(new ApiError('bad', 400, body))).toEqual(body.errors);
    const single = { detail: "no credential 'x' that you may use", field: 'targets[0].credential', 'targets[0].credential': ["no credential 'x' that you may use"] };
    expect(serverProblems(new ApiError('bad', 400, single))).toEqual([{ field: 'targets[0].credential', message: "no credential 'x' that you may use" }]);
    expect(serverProblems(new ApiError('stale', 409, body))).toEqual([]);
    expect(serverProblems(new Error('x'))).toEqual([]);
  });
});

describe('credentialOptions', () => {
  const credentials = [
    { id: 4, name: 'openai-key', permissions: ['view', 'use'] },
    { id: 7, name: 'seen-only', permissions: ['view'] },
  ];

  it('offers none and the visible credentials by id, marking those the user may not use', () => {
    const { value, options } = credentialOptions('', credentials);
    expect(value).toBe('');
    expect(options.map((o) => o.value)).toEqual(['', '4', '7']);
    expect(options[2]!.label).toBe('seen-only (#7) — you may not use it');
  });

  it('shows a reference by name as that credential, and keeps one it cannot see', () => {
    expect(credentialOptions('openai-key', credentials).value).toBe('4');
    expect(credentialOptions('4', credentials).value).toBe('4');
    const hidden = credentialOptions('99', credentials);
    expect(hidden.value).toBe('99');
    expect(hidden.options.at(-1)).toEqual({ value: '99', label: '#99 (not visible to you)' });
  });
});

describe('describeBreaker', () => {
  it('says whether calls skip the target', () => {
    expect(describeBreaker({ open: true, failures: 3 })).toEqual({ label: 'open after 3 failures: skipped for now', tone: 'fail' });
    expect(describeBreaker({ open: false, failures: 1 }).label).toBe('closed, 1 recent failure');
    expect(describeBreaker({ open: false, failures: 0 })).toEqual({ label: 'closed', tone: 'ok' });
    expect(describeBreaker(null).tone).toBe('neutral');
  });
});
