/** The Sluice API as the browser app uses it: typed calls over apiFetch. */
import { getCsrfToken } from './cookies';
import { ApiError, apiFetch, serverMessage } from './client';

export interface GraphNode {
  id: string;
  type: string;
  position: { x: number; y: number };
  params: Record<string, unknown>;
  settings?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface GraphEdge {
  source: string;
  target: string;
  source_port?: string;
  target_port?: string;
  [extra: string]: unknown;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  [extra: string]: unknown;
}

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/**
 * What the signed-in user may do with an object, as the server reports it on every workflow,
 * prompt, credential, model profile and run: view, change, run, publish (move tags), rollback,
 * delete, share (credentials and model profiles: view, change, use, delete, share; a run: its
 * workflow's view and run).
 */
export type Permissions = string[];

export interface WorkflowSummary {
  id: number;
  name: string;
  description: string;
  revision: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_run_status: RunStatus | null;
  last_run_at: string | null;
  nodes: number;
  permissions: Permissions;
}

export interface Workflow extends Omit<WorkflowSummary, 'nodes'> {
  graph: Graph;
}

export interface Problem {
  node: string | null;
  field: string;
  message: string;
  code: string;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
}

export interface NodeTypeInfo {
  type: string;
  title: string;
  category: string;
  description: string;
  inputs: string[];
  outputs: string[];
  params_schema: JsonSchema;
  speed: 'quick' | 'slow';
  trigger: boolean;
  settings_schema: JsonSchema;
  settings_defaults: Record<string, unknown>;
}

export interface Step {
  node_id: string;
  type: string;
  status: StepStatus;
  attempts: number;
  params: unknown;
  input: unknown;
  output: unknown;
  ports: string[] | null;
  error: { message?: string; [key: string]: unknown } | null;
  worker: string;
  started_at: string | null;
  finished_at: string | null;
  /** The model calls the step made (on a run's steps). */
  llm_calls?: StepModelCall[];
}

export interface RunSummary {
  id: string;
  workflow: number;
  workflow_name: string;
  version: number;
  status: RunStatus;
  trigger: string;
  input: unknown;
  output: unknown;
  error: { node?: string; message?: string; [key: string]: unknown } | null;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  batch: string | null;
}

export interface Run extends RunSummary {
  steps: Step[];
  graph: Graph;
  /** The user's rights on the run's workflow (view, run). */
  permissions: Permissions;
}

export interface Batch {
  id: string;
  workflow: number;
  version: number;
  status: string;
  total: number;
  concurrency: number;
  source: string;
  counts: Record<string, number>;
  progress: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** On the batch's own page: view; run (retry) and cancel when allowed. */
  permissions?: string[];
}

export interface BatchItem {
  batch_index: number;
  run: string;
  status: RunStatus;
  input: unknown;
  output: unknown;
  error: RunSummary['error'];
  started_at: string | null;
  finished_at: string | null;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface VersionInfo {
  version: number;
  created_at: string;
  author: string | null;
  reason: string;
  tags: string[];
}

export interface Tag {
  name: string;
  version: number;
  moved_by: string | null;
  moved_at: string;
  reason: string;
}

export interface GraphDiff {
  from: number;
  to: number;
  nodes_added: { id: string; type: string }[];
  nodes_removed: { id: string; type: string }[];
  nodes_moved: { id: string }[];
  nodes_changed: { id: string; type: string; changes: { path: string; before?: unknown; after?: unknown }[] }[];
  edges_added: { source: string; source_port: string; target: string; target_port: string }[];
  edges_removed: { source: string; source_port: string; target: string; target_port: string }[];
  name?: { before: string; after: string };
}

export interface Prompt {
  name: string;
  description: string;
  template: string;
  system: string;
  variables: string[];
  defaults: Record<string, unknown>;
  revision: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  permissions: Permissions;
}

export interface PromptVersion {
  version: number;
  template: string;
  system: string;
  variables: string[];
  defaults: Record<string, unknown>;
  author: string | null;
  reason: string;
  created_at: string;
  tags: string[];
}

export interface PromptDiff {
  from: number;
  to: number;
  template: string[];
  system: string[];
  variables: { path: string; before?: unknown; after?: unknown }[];
  defaults: { path: string; before?: unknown; after?: unknown }[];
}

export interface ComparisonSide {
  run: string;
  status: RunStatus;
  version: number;
  output: unknown;
  error: unknown;
  prompts: { node: string; name: string; version: number }[];
}

export interface Comparison {
  id: string;
  done: boolean;
  counts: Record<'same' | 'different' | 'pending' | 'failed', number>;
  items: {
    index: number;
    input: unknown;
    outcome: 'same' | 'different' | 'pending' | 'failed';
    changes: { path: string; before?: unknown; after?: unknown }[];
    baseline: ComparisonSide;
    candidate: ComparisonSide;
  }[];
}

/** One principal's rights on an object: a user or a team (group), never both. */
export interface Grant {
  user?: string;
  group?: string;
  permissions: string[];
}

/** GET …/share/: the actions this kind of object has, the roles (bundles of them), the grants. */
export interface ShareInfo {
  actions: string[];
  roles: Record<string, string[]>;
  grants: Grant[];
}

/** A POST …/share/ body: set one principal's rights to exactly this (`permissions: []` revokes). */
export type ShareChange = ({ user: string } | { group: string }) & ({ permissions: string[] } | { role: string });

/** Where an object's sharing lives. */
export type ShareTarget =
  | { kind: 'workflow'; id: number }
  | { kind: 'prompt'; name: string }
  | { kind: 'credential'; id: number }
  | { kind: 'model-profile'; id: number }
  | { kind: 'collection'; id: number };

export function sharePath(target: ShareTarget): string {
  if (target.kind === 'workflow') return `/api/v1/workflows/${target.id}/share/`;
  if (target.kind === 'prompt') return `/api/v1/prompts/${encodeURIComponent(target.name)}/share/`;
  if (target.kind === 'model-profile') return `/api/v1/model-profiles/${target.id}/share/`;
  if (target.kind === 'collection') return `/api/v1/collections/${target.id}/share/`;
  return `/api/v1/credentials/${target.id}/share/`;
}

export interface UserRef {
  id: number;
  username: string;
}

export interface Team {
  id: number;
  name: string;
  members: number;
}

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The answer to creating a token: the raw key, shown this once. */
export interface CreatedToken extends ApiToken {
  token: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string | null;
  source: string;
  action: string;
  object_type: string;
  object_id: string | number | null;
  object_repr: string;
  summary: Record<string, unknown> | null;
  hash: string;
  prev_hash: string;
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  object_type?: string;
  object_id?: string;
  since?: string;
  until?: string;
  page?: number;
}

export type CredentialKind = 'bearer' | 'openai' | 'anthropic' | 'header' | 'basic';

export interface Credential {
  id: number;
  name: string;
  description: string;
  kind: CredentialKind;
  /** The header's name, for kind `header`. */
  header: string;
  /** For kind `basic`. */
  username: string;
  has_secret: boolean;
  /** When the secret was last set, where the server says. */
  secret_changed_at?: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  permissions: Permissions;
}

/** What a credential form sends; `secret` is write-only (never read back). */
export interface CredentialInput {
  name?: string;
  description?: string;
  kind?: CredentialKind;
  header?: string;
  username?: string;
  secret?: string;
}

export type Provider = 'openai' | 'anthropic' | 'local';
export type RoutingPolicy = 'failover' | 'latency' | 'cost' | 'weighted';

/** One provider+model a profile may call. `credential` is a credential's id (or its name). */
export interface ModelTarget {
  provider: Provider;
  model: string;
  base_url?: string;
  credential?: number | string | null;
  /** Seconds. */
  timeout?: number;
  weight?: number;
  retries?: number;
}

/** A target's circuit breaker: open (calls skip it) after failures in a row. */
export interface BreakerInfo {
  open: boolean;
  failures: number;
}

export interface ModelProfile {
  id: number;
  name: string;
  description: string;
  policy: RoutingPolicy;
  targets: ModelTarget[];
  revision: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** One per target, in the targets' order. */
  breakers: BreakerInfo[];
  /** view, change, use, delete, share. */
  permissions: Permissions;
}

/** One try of one target within a call. */
export interface ModelTry {
  target: number;
  provider: string;
  model: string;
  status: 'ok' | 'error' | 'skipped' | 'repair' | string;
  error?: string;
  latency_ms?: number;
}

/** A model call as a run's step lists it. */
export interface StepModelCall {
  id: number;
  profile: string;
  provider: string;
  model: string;
  /** The index of the target that answered (null when none did). */
  target: number | null;
  attempts: number;
  failovers: number;
  latency_ms: number | null;
  ttft_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  /** Counted here because the provider reported no usage. */
  tokens_estimated: boolean;
  /** A decimal string, in the price table's currency; null without a price. */
  cost: string | null;
  status: 'ok' | 'error';
  error: string;
  tries?: ModelTry[];
}

/** A recorded model call (`/api/v1/llm-calls/`, and a profile test's `call`). */
export interface ModelCall extends StepModelCall {
  run: string | null;
  node_id: string;
  workflow: number | null;
  user: string | null;
  prompt: string;
  prompt_version: number | null;
  tries: ModelTry[];
  streamed: boolean;
  created_at: string;
}

/** What "Test" answers: the text, or why every target failed; the call either way. */
export interface ModelTestResult {
  ok: boolean;
  text?: string;
  error?: string;
  call: ModelCall | null;
}

export type MetricsGroup = 'model' | 'workflow' | 'user' | 'day';

/** One group's aggregates; the group's key is under its own name (`model`, `workflow`, …). */
export interface MetricsRow {
  model?: string | null;
  workflow?: string | null;
  user?: string | null;
  day?: string | null;
  calls: number;
  errors: number;
  failovers: number;
  input_tokens: number;
  output_tokens: number;
  /** A decimal string. */
  cost: string;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
}

export interface Metrics {
  group_by: MetricsGroup;
  results: MetricsRow[];
}

function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export type ReviewStatus = 'pending' | 'claimed' | 'approved' | 'rejected' | 'expired' | 'cancelled';

/** A case waiting for (or decided by) a person: GET /api/v1/reviews/{id}/. */
export interface ReviewTask {
  id: number;
  run: string;
  node_id: string;
  workflow: number;
  workflow_name: string;
  status: ReviewStatus;
  title: string;
  instructions: string;
  assignees: string[];
  case: unknown;
  proposal: unknown;
  confidence: number | null;
  form: JsonSchema | null;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  deadline: string | null;
  on_timeout: string;
  escalate_to: string[];
  escalated_at: string | null;
  apply_edits: boolean;
  claimed_by: string | null;
  claimed_at: string | null;
  decision: '' | 'approve' | 'reject';
  decided_by: string | null;
  decided_at: string | null;
  /** Decided without a person: "threshold" or "deadline". */
  auto: string;
  data: unknown;
  comment: string;
  created_at: string;
  permissions: Permissions;
}

export interface ReviewMetrics {
  pending: number;
  decided: number;
  by_people: number;
  auto_approved: number;
  auto_approval_rate: number | null;
  expired: number;
  time_to_decision_seconds: { p50: number | null; mean: number | null; max: number | null };
  agreement_with_model: number | null;
}

export const api = {
  nodeTypes: () => apiFetch<NodeTypeInfo[]>('/api/v1/node-types/'),

  workflows: (params: { search?: string; ordering?: string; last_run_status?: string; page?: number }) =>
    apiFetch<Page<WorkflowSummary>>(`/api/v1/workflows/${query(params)}`),
  workflow: (id: number) => apiFetch<Workflow>(`/api/v1/workflows/${id}/`),
  createWorkflow: (body: { name: string; description?: string; graph: Graph }) =>
    apiFetch<Workflow>('/api/v1/workflows/', { method: 'POST', body }),
  saveWorkflow: (id: number, body: { revision: number; graph?: Graph; name?: string; description?: string }) =>
    apiFetch<Workflow>(`/api/v1/workflows/${id}/`, { method: 'PATCH', body }),
  deleteWorkflow: (id: number) => apiFetch<void>(`/api/v1/workflows/${id}/`, { method: 'DELETE' }),
  deletePrompt: (name: string) => apiFetch<void>(`/api/v1/prompts/${encodeURIComponent(name)}/`, { method: 'DELETE' }),
  duplicateWorkflow: (id: number, name?: string) =>
    apiFetch<Workflow>(`/api/v1/workflows/${id}/duplicate/`, { method: 'POST', body: name ? { name } : {} }),
  exportWorkflow: (id: number) => apiFetch<Record<string, unknown>>(`/api/v1/workflows/${id}/export/`),
  importWorkflow: (data: unknown) => apiFetch<Workflow>('/api/v1/workflows/import/', { method: 'POST', body: data }),
  validate: (graph: Graph) =>
    apiFetch<{ errors: Problem[] }>('/api/v1/workflows/validate/', { method: 'POST', body: { graph } }),
  versions: (id: number, page = 1) => apiFetch<Page<VersionInfo>>(`/api/v1/workflows/${id}/versions/${query({ page })}`),
  diff: (id: number, from: number, to: number) => apiFetch<GraphDiff>(`/api/v1/workflows/${id}/diff/${query({ from, to })}`),
  rollback: (id: number, version: number, reason: string) =>
    apiFetch<Workflow>(`/api/v1/workflows/${id}/versions/${version}/rollback/`, { method: 'POST', body: { reason } }),
  tags: (id: number) => apiFetch<Tag[]>(`/api/v1/workflows/${id}/tags/`),
  moveTag: (id: number, name: string, version: number, reason: string) =>
    apiFetch<Tag>(`/api/v1/workflows/${id}/tags/${encodeURIComponent(name)}/`, { method: 'PUT', body: { version, reason } }),

  startRun: (workflowId: number, input: unknown) =>
    apiFetch<Run>(`/api/v1/workflows/${workflowId}/runs/`, { method: 'POST', body: { input } }),
  runs: (params: {
    workflow?: number | string;
    status?: string;
    created_by?: string;
    since?: string;
    until?: string;
    page?: number;
  }) => apiFetch<Page<RunSummary>>(`/api/v1/runs/${query(params)}`),
  run: (id: string) => apiFetch<Run>(`/api/v1/runs/${id}/`),
  cancelRun: (id: string) => apiFetch<Run>(`/api/v1/runs/${id}/cancel/`, { method: 'POST' }),
  rerun: (id: string) => apiFetch<Run>(`/api/v1/runs/${id}/rerun/`, { method: 'POST' }),
  evidence: (id: string) => apiFetch<unknown>(`/api/v1/runs/${id}/evidence/`),

  prompts: (params: { search?: string; page?: number }) => apiFetch<Page<Prompt>>(`/api/v1/prompts/${query(params)}`),
  prompt: (name: string) => apiFetch<Prompt>(`/api/v1/prompts/${name}/`),
  createPrompt: (body: Partial<Prompt> & { name: string; template: string }) =>
    apiFetch<Prompt>('/api/v1/prompts/', { method: 'POST', body }),
  savePrompt: (name: string, body: Partial<Prompt> & { revision: number; reason?: string }) =>
    apiFetch<Prompt>(`/api/v1/prompts/${name}/`, { method: 'PATCH', body }),
  promptVersions: (name: string) => apiFetch<Page<PromptVersion>>(`/api/v1/prompts/${name}/versions/`),
  promptDiff: (name: string, from: number, to: number) =>
    apiFetch<PromptDiff>(`/api/v1/prompts/${name}/diff/${query({ from, to })}`),
  promptRollback: (name: string, version: number, reason: string) =>
    apiFetch<Prompt>(`/api/v1/prompts/${name}/versions/${version}/rollback/`, { method: 'POST', body: { reason } }),
  promptMoveTag: (name: string, tag: string, version: number) =>
    apiFetch<Tag>(`/api/v1/prompts/${name}/tags/${encodeURIComponent(tag)}/`, { method: 'PUT', body: { version } }),
  promptPreview: (name: string, variables: unknown, version?: number) =>
    apiFetch<{ system: string; text: string; version: number }>(`/api/v1/prompts/${name}/preview/`, {
      method: 'POST',
      body: version ? { variables, version } : { variables },
    }),
  comparePrompt: (name: string, runs: string[], version: number) =>
    apiFetch<Comparison>(`/api/v1/prompts/${name}/compare/`, { method: 'POST', body: { runs, version } }),
  compareWorkflow: (id: number, runs: string[], version: number) =>
    apiFetch<Comparison>(`/api/v1/workflows/${id}/compare/`, { method: 'POST', body: { runs, version } }),
  comparison: (id: string) => apiFetch<Comparison>(`/api/v1/comparisons/${id}/`),

  batches: (params: { page?: number }) => apiFetch<Page<Batch>>(`/api/v1/batches/${query(params)}`),
  batch: (id: string) => apiFetch<Batch>(`/api/v1/batches/${id}/`),
  batchRuns: (id: string, params: { page?: number; status?: string }) =>
    apiFetch<Page<BatchItem>>(`/api/v1/batches/${id}/runs/${query(params)}`),
  retryBatch: (id: string) => apiFetch<Batch>(`/api/v1/batches/${id}/retry/`, { method: 'POST' }),
  cancelBatch: (id: string) => apiFetch<Batch>(`/api/v1/batches/${id}/cancel/`, { method: 'POST' }),
  startBatch: (workflowId: number, file: File, concurrency: number) => uploadBatch(workflowId, file, concurrency),

  shares: (target: ShareTarget) => apiFetch<ShareInfo>(sharePath(target)),
  share: (target: ShareTarget, body: ShareChange) => apiFetch<ShareInfo>(sharePath(target), { method: 'POST', body }),
  users: (search: string) => apiFetch<Page<UserRef>>(`/api/v1/users/${query({ search })}`),
  teams: (search: string) => apiFetch<Page<Team>>(`/api/v1/teams/${query({ search })}`),

  tokens: (page = 1) => apiFetch<Page<ApiToken>>(`/api/v1/tokens/${query({ page })}`),
  createToken: (body: { name: string; expires_in_days: number | null }) =>
    apiFetch<CreatedToken>('/api/v1/tokens/', { method: 'POST', body }),
  revokeToken: (id: number) => apiFetch<void>(`/api/v1/tokens/${id}/`, { method: 'DELETE' }),

  audit: (filters: AuditFilters) => apiFetch<Page<AuditEntry>>(`/api/v1/audit/${query({ ...filters })}`),

  credentials: (params: { search?: string; page?: number; page_size?: number }) =>
    apiFetch<Page<Credential>>(`/api/v1/credentials/${query(params)}`),
  credential: (id: number) => apiFetch<Credential>(`/api/v1/credentials/${id}/`),
  createCredential: (body: CredentialInput & { name: string; kind: CredentialKind; secret: string }) =>
    apiFetch<Credential>('/api/v1/credentials/', { method: 'POST', body }),
  updateCredential: (id: number, body: CredentialInput) =>
    apiFetch<Credential>(`/api/v1/credentials/${id}/`, { method: 'PATCH', body }),
  deleteCredential: (id: number) => apiFetch<void>(`/api/v1/credentials/${id}/`, { method: 'DELETE' }),

  modelProfiles: (params: { search?: string; page?: number }) =>
    apiFetch<Page<ModelProfile>>(`/api/v1/model-profiles/${query(params)}`),
  modelProfile: (id: number) => apiFetch<ModelProfile>(`/api/v1/model-profiles/${id}/`),
  createModelProfile: (body: { name: string; description?: string; policy?: RoutingPolicy; targets: ModelTarget[] }) =>
    apiFetch<ModelProfile>('/api/v1/model-profiles/', { method: 'POST', body }),
  saveModelProfile: (id: number, body: { revision: number; description?: string; policy?: RoutingPolicy; targets?: ModelTarget[] }) =>
    apiFetch<ModelProfile>(`/api/v1/model-profiles/${id}/`, { method: 'PATCH', body }),
  deleteModelProfile: (id: number) => apiFetch<void>(`/api/v1/model-profiles/${id}/`, { method: 'DELETE' }),
  /** One short message through the saved profile, or only its target `target` (an index). */
  testModelProfile: (id: number, body: { target?: number; message?: string }) =>
    apiFetch<ModelTestResult>(`/api/v1/model-profiles/${id}/test/`, { method: 'POST', body }),
  modelCalls: (params: { run?: string; model?: string; page?: number }) =>
    apiFetch<Page<ModelCall>>(`/api/v1/llm-calls/${query(params)}`),
  reviews: (params: { status?: string; ordering?: string; workflow?: number; page?: number }) =>
    apiFetch<Page<ReviewTask>>(`/api/v1/reviews/${query(params)}`),
  review: (id: number) => apiFetch<ReviewTask>(`/api/v1/reviews/${id}/`),
  claimReview: (id: number) => apiFetch<ReviewTask>(`/api/v1/reviews/${id}/claim/`, { method: 'POST' }),
  releaseReview: (id: number) => apiFetch<ReviewTask>(`/api/v1/reviews/${id}/release/`, { method: 'POST' }),
  reassignReview: (id: number, assignees: string[]) =>
    apiFetch<ReviewTask>(`/api/v1/reviews/${id}/reassign/`, { method: 'POST', body: { assignees } }),
  decideReview: (id: number, body: { decision: 'approve' | 'reject'; data?: unknown; comment?: string }) =>
    apiFetch<ReviewTask>(`/api/v1/reviews/${id}/decide/`, { method: 'POST', body }),
  reviewMetrics: () => apiFetch<ReviewMetrics>('/api/v1/metrics/reviews/'),
  llmMetrics: (params: { group_by: MetricsGroup; since?: string; until?: string }) =>
    apiFetch<Metrics>(`/api/v1/metrics/llm/${query(params)}`),
};

/** A multipart upload (apiFetch sends JSON only). */
async function uploadBatch(workflowId: number, file: File, concurrency: number): Promise<Batch> {
  const form = new FormData();
  form.set('file', file);
  form.set('concurrency', String(concurrency));
  const response = await fetch(`/api/v1/workflows/${workflowId}/batches/`, {
    method: 'POST',
    body: form,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'X-CSRFToken': getCsrfToken() },
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  if (!response.ok) throw new ApiError(serverMessage(body, response.status, response.statusText), response.status, body);
  return body as Batch;
}

/**
 * A 400's `{field: [message]}` (DRF's validation errors, and the domain errors' `field`) as one
 * line per field, "user: no such user"; null when the body has none (then use errorMessage).
 */
export function fieldErrors(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.status !== 400 || !err.body || typeof err.body !== 'object') return null;
  const lines: string[] = [];
  for (const [field, value] of Object.entries(err.body as Record<string, unknown>)) {
    if (!Array.isArray(value)) continue; // detail, code, field: the same message, or none
    const messages = value.filter((m): m is string => typeof m === 'string');
    if (!messages.length) continue;
    lines.push(field === 'non_field_errors' ? messages.join(' ') : `${field}: ${messages.join(' ')}`);
  }
  return lines.length ? lines.join('; ') : null;
}

/** The validation problems in a 400 body, if that is what it is. */
export function problemsOf(err: unknown): Problem[] {
  if (err instanceof ApiError && err.body && typeof err.body === 'object') {
    const errors = (err.body as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return errors as Problem[];
  }
  return [];
}
