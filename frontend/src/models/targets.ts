/** The model profile form's rules: target drafts, what is sent, and the server's problems by field. */
import { ApiError } from '../api/client';
import type { BreakerInfo, ModelProfile, ModelTarget, Provider, RoutingPolicy } from '../api/sluice';

export const PROVIDERS: readonly { provider: Provider; label: string; baseUrl: string }[] = [
  { provider: 'openai', label: 'OpenAI or OpenAI-compatible', baseUrl: 'https://api.openai.com/v1' },
  { provider: 'anthropic', label: 'Anthropic', baseUrl: 'https://api.anthropic.com' },
  { provider: 'local', label: 'Local model (OpenAI-compatible)', baseUrl: "the server's local model" },
];

export const POLICIES: readonly { policy: RoutingPolicy; label: string; explanation: string }[] = [
  { policy: 'failover', label: 'Failover', explanation: 'In order: the next target when one fails.' },
  { policy: 'latency', label: 'Lowest latency', explanation: 'The target with the lowest observed latency first.' },
  { policy: 'cost', label: 'Lowest cost', explanation: 'The cheapest target in the price table first.' },
  { policy: 'weighted', label: 'Weighted split', explanation: 'A random split by the targets’ weights; the others as fallbacks.' },
];

export function policyInfo(policy: RoutingPolicy) {
  return POLICIES.find((p) => p.policy === policy) ?? POLICIES[0]!;
}

export function providerInfo(provider: Provider) {
  return PROVIDERS.find((p) => p.provider === provider) ?? PROVIDERS[0]!;
}

/** The server's defaults for what a target leaves out, and the ranges it accepts. */
export const NUMBER_FIELDS = {
  timeout: { label: 'Timeout (s)', min: 0.1, max: 600, default: 30, integer: false },
  weight: { label: 'Weight', min: 0, max: 1000, default: 1, integer: false },
  retries: { label: 'Retries', min: 0, max: 5, default: 1, integer: true },
} as const;

export type NumberField = keyof typeof NUMBER_FIELDS;
export type TargetField = 'provider' | 'model' | 'base_url' | 'credential' | NumberField;

/** A target as the form holds it: every field as typed ('' = not set, the server's default). */
export interface TargetDraft {
  /** A stable key for the list (targets move). */
  key: string;
  /** Where the target sits in the saved profile, for its breaker and "Test this target"; null when new. */
  savedIndex: number | null;
  provider: Provider;
  model: string;
  base_url: string;
  /** A credential's id (digits) or name; '' for none. */
  credential: string;
  timeout: string;
  weight: string;
  retries: string;
}

let counter = 0;
function nextKey(): string {
  counter += 1;
  return `target-${counter}`;
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

export function draftFromTarget(target: ModelTarget, savedIndex: number | null): TargetDraft {
  return {
    key: nextKey(),
    savedIndex,
    provider: target.provider,
    model: target.model ?? '',
    base_url: target.base_url ?? '',
    credential: text(target.credential),
    timeout: text(target.timeout),
    weight: text(target.weight),
    retries: text(target.retries),
  };
}

export function draftsFrom(targets: readonly ModelTarget[]): TargetDraft[] {
  return targets.map((t, i) => draftFromTarget(t, i));
}

export function newTarget(provider: Provider = 'openai'): TargetDraft {
  return draftFromTarget({ provider, model: '' }, null);
}

export function addTarget(drafts: readonly TargetDraft[], draft: TargetDraft = newTarget()): TargetDraft[] {
  return [...drafts, draft];
}

export function removeTarget(drafts: readonly TargetDraft[], index: number): TargetDraft[] {
  return drafts.filter((_, i) => i !== index);
}

/** The target at `index` moved `delta` places (-1: up); a move past either end does nothing. */
export function moveTarget(drafts: readonly TargetDraft[], index: number, delta: number): TargetDraft[] {
  const to = index + delta;
  if (index < 0 || index >= drafts.length || to < 0 || to >= drafts.length) return [...drafts];
  const next = [...drafts];
  const [moved] = next.splice(index, 1);
  next.splice(to, 0, moved!);
  return next;
}

export function updateTarget(drafts: readonly TargetDraft[], index: number, patch: Partial<TargetDraft>): TargetDraft[] {
  return drafts.map((d, i) => (i === index ? { ...d, ...patch } : d));
}

/** A problem with one field: `targets[1].timeout`, `targets`, `description`… */
export interface FieldProblem {
  field: string;
  message: string;
}

export function targetField(index: number, field: TargetField): string {
  return `targets[${index}].${field}`;
}

const HTTP_URL = /^https?:\/\/[^\s/]+/;

/** The targets to send, and what is wrong with the drafts (checked like the server does). */
export function targetsOf(drafts: readonly TargetDraft[]): { targets: ModelTarget[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (drafts.length === 0) problems.push({ field: 'targets', message: 'Add at least one target' });
  const targets = drafts.map((draft, index) => {
    const target: ModelTarget = { provider: draft.provider, model: draft.model.trim() };
    if (!PROVIDERS.some((p) => p.provider === draft.provider)) {
      problems.push({ field: targetField(index, 'provider'), message: 'Choose a provider' });
    }
    if (!target.model) problems.push({ field: targetField(index, 'model'), message: 'Name the model, e.g. gpt-4o-mini' });
    const baseUrl = draft.base_url.trim();
    if (baseUrl) {
      if (!HTTP_URL.test(baseUrl)) problems.push({ field: targetField(index, 'base_url'), message: 'An http(s) URL' });
      target.base_url = baseUrl;
    }
    const credential = draft.credential.trim();
    if (credential) target.credential = /^\d+$/.test(credential) ? Number(credential) : credential;
    for (const field of Object.keys(NUMBER_FIELDS) as NumberField[]) {
      const raw = draft[field].trim();
      if (!raw) continue;
      const rule = NUMBER_FIELDS[field];
      const value = Number(raw);
      if (!Number.isFinite(value) || value < rule.min || value > rule.max || (rule.integer && !Number.isInteger(value))) {
        const kind = rule.integer ? 'A whole number' : 'A number';
        problems.push({ field: targetField(index, field), message: `${kind} from ${rule.min} to ${rule.max}` });
        continue;
      }
      target[field] = value;
    }
    return target;
  });
  return { targets, problems };
}

function canonical(target: ModelTarget): string {
  const entries = Object.entries(target).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return JSON.stringify(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** Whether the drafts say something other than the saved targets. */
export function targetsChanged(drafts: readonly TargetDraft[], saved: readonly ModelTarget[]): boolean {
  const { targets } = targetsOf(drafts);
  if (targets.length !== saved.length) return true;
  return targets.some((t, i) => canonical(t) !== canonical(saved[i]!));
}

/** The PATCH body: the revision it starts from and what changed (nothing else). */
export function profileChanges(
  profile: Pick<ModelProfile, 'revision' | 'description' | 'policy' | 'targets'>,
  draft: { description: string; policy: RoutingPolicy; targets: readonly TargetDraft[] },
): { revision: number; description?: string; policy?: RoutingPolicy; targets?: ModelTarget[] } {
  const body: { revision: number; description?: string; policy?: RoutingPolicy; targets?: ModelTarget[] } = {
    revision: profile.revision,
  };
  if (draft.description.trim() !== (profile.description ?? '')) body.description = draft.description.trim();
  if (draft.policy !== profile.policy) body.policy = draft.policy;
  if (targetsChanged(draft.targets, profile.targets)) body.targets = targetsOf(draft.targets).targets;
  return body;
}

/**
 * The problems a 400 names: every one of `errors` (`[{field, message}]`), or else the one `field`
 * with its message. Empty for other errors.
 */
export function serverProblems(err: unknown): FieldProblem[] {
  if (!(err instanceof ApiError) || err.status !== 400 || !err.body || typeof err.body !== 'object') return [];
  const body = err.body as Record<string, unknown>;
  if (Array.isArray(body.errors)) {
    const listed = body.errors.filter(
      (e): e is FieldProblem => !!e && typeof e === 'object' && typeof (e as FieldProblem).field === 'string' && typeof (e as FieldProblem).message === 'string',
    );
    if (listed.length) return listed;
  }
  if (typeof body.field === 'string') {
    const messages = body[body.field];
    const message = Array.isArray(messages) && typeof messages[0] === 'string' ? messages[0] : typeof body.detail === 'string' ? body.detail : 'invalid';
    return [{ field: body.field, message }];
  }
  return [];
}

/** The problem with one field, if any. */
export function problemAt(problems: readonly FieldProblem[], field: string): string | null {
  return problems.find((p) => p.field === field)?.message ?? null;
}

/** "Target 2 · Timeout (s): a number from 0.1 to 600": a problem in words. */
export function describeProblem(problem: FieldProblem): string {
  const match = /^targets\[(\d+)\](?:\.(\w+))?$/.exec(problem.field);
  if (!match) return problem.field === 'targets' ? problem.message : `${problem.field}: ${problem.message}`;
  const where = `Target ${Number(match[1]) + 1}`;
  const field = match[2] as TargetField | undefined;
  const label = field ? (field in NUMBER_FIELDS ? NUMBER_FIELDS[field as NumberField].label : FIELD_LABELS[field] ?? field) : '';
  return `${where}${label ? ` · ${label}` : ''}: ${problem.message}`;
}

const FIELD_LABELS: Record<string, string> = {
  provider: 'Provider',
  model: 'Model',
  base_url: 'Base URL',
  credential: 'Credential',
};

/** The breaker of the target as saved (a new target has none yet). */
export function breakerOf(draft: Pick<TargetDraft, 'savedIndex'>, breakers: readonly BreakerInfo[] | undefined): BreakerInfo | null {
  if (draft.savedIndex === null || !breakers) return null;
  return breakers[draft.savedIndex] ?? null;
}

/** A breaker in words. */
export function describeBreaker(breaker: BreakerInfo | null): { label: string; tone: 'ok' | 'warn' | 'fail' | 'neutral' } {
  if (!breaker) return { label: 'not saved yet', tone: 'neutral' };
  if (breaker.open) return { label: `open after ${breaker.failures} failures: skipped for now`, tone: 'fail' };
  if (breaker.failures > 0) return { label: `closed, ${breaker.failures} recent failure${breaker.failures === 1 ? '' : 's'}`, tone: 'warn' };
  return { label: 'closed', tone: 'ok' };
}

/** "openai · gpt-4o-mini": a target in a list. */
export function describeTarget(target: Pick<ModelTarget, 'provider' | 'model'>): string {
  return `${target.provider} · ${target.model || '(no model)'}`;
}

export interface CredentialChoice {
  id: number;
  name: string;
  permissions?: readonly string[] | null;
}

/**
 * The credential picker for one target: None, the credentials the user may see (by id), and the
 * target's own reference when it is none of those (kept, not silently dropped). A reference by
 * name shows as the credential of that name.
 */
export function credentialOptions(current: string, credentials: readonly CredentialChoice[]): { value: string; options: { value: string; label: string }[] } {
  const options = [
    { value: '', label: 'None (no key sent)' },
    ...credentials.map((c) => ({
      value: String(c.id),
      label: `${c.name} (#${c.id})${Array.isArray(c.permissions) && !c.permissions.includes('use') ? ' — you may not use it' : ''}`,
    })),
  ];
  const reference = current.trim();
  if (!reference) return { value: '', options };
  const found = /^\d+$/.test(reference) ? credentials.find((c) => String(c.id) === reference) : credentials.find((c) => c.name === reference);
  if (found) return { value: String(found.id), options };
  const label = /^\d+$/.test(reference) ? `#${reference} (not visible to you)` : `${reference} (not visible to you)`;
  return { value: reference, options: [...options, { value: reference, label }] };
}
