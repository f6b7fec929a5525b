/** The credential forms' rules: which fields each kind needs, and what is sent. */
import type { Credential, CredentialInput, CredentialKind } from '../api/sluice';

export const KINDS: readonly { kind: CredentialKind; label: string; secretLabel: string }[] = [
  { kind: 'bearer', label: 'Bearer token (Authorization: Bearer …)', secretLabel: 'Token' },
  { kind: 'openai', label: 'OpenAI(-compatible) API key', secretLabel: 'API key' },
  { kind: 'anthropic', label: 'Anthropic API key (x-api-key)', secretLabel: 'API key' },
  { kind: 'header', label: 'A header of your choice (e.g. X-Api-Key)', secretLabel: 'Header value' },
  { kind: 'basic', label: 'Basic auth (username and password)', secretLabel: 'Password' },
];

export function kindInfo(kind: CredentialKind) {
  return KINDS.find((k) => k.kind === kind) ?? KINDS[0]!;
}

/** A short description of how the credential is sent. */
export function describeCredential(credential: Pick<Credential, 'kind' | 'header' | 'username'>): string {
  if (credential.kind === 'header') return `${credential.header || '(no header)'}: …`;
  if (credential.kind === 'basic') return `Basic auth as ${credential.username || '(no username)'}`;
  if (credential.kind === 'anthropic') return 'x-api-key: …';
  return 'Authorization: Bearer …';
}

export interface CredentialDraft {
  name: string;
  description: string;
  kind: CredentialKind;
  header: string;
  username: string;
  /** Write-only: empty means "keep the stored one" when editing. */
  secret: string;
}

export const EMPTY_DRAFT: CredentialDraft = { name: '', description: '', kind: 'bearer', header: '', username: '', secret: '' };

export function draftFrom(credential: Credential): CredentialDraft {
  return {
    name: credential.name,
    description: credential.description,
    kind: credential.kind,
    header: credential.header ?? '',
    username: credential.username ?? '',
    secret: '',
  };
}

// An HTTP header name is a token (RFC 9110 §5.6.2).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The first thing wrong with the draft, or null. A new credential needs its secret. */
export function draftProblem(draft: CredentialDraft, { creating }: { creating: boolean }): string | null {
  if (!draft.name.trim()) return 'Give the credential a name';
  if (draft.kind === 'header') {
    if (!draft.header.trim()) return 'Name the header the secret is sent in, e.g. X-Api-Key';
    if (!HEADER_NAME.test(draft.header.trim())) return 'A header name has letters, digits and - only (no spaces or colons)';
  }
  if (draft.kind === 'basic' && !draft.username.trim()) return 'Basic auth needs a username';
  if (creating && !draft.secret) return `Give the ${kindInfo(draft.kind).secretLabel.toLowerCase()}`;
  return null;
}

/** The fields that belong to the draft's kind (a bearer token has no header or username). */
function kindFields(draft: CredentialDraft): Pick<CredentialInput, 'header' | 'username'> {
  return {
    header: draft.kind === 'header' ? draft.header.trim() : '',
    username: draft.kind === 'basic' ? draft.username.trim() : '',
  };
}

export function createBody(draft: CredentialDraft): CredentialInput & { name: string; kind: CredentialKind; secret: string } {
  return { name: draft.name.trim(), description: draft.description.trim(), kind: draft.kind, ...kindFields(draft), secret: draft.secret };
}

/** A PATCH body with what changed (the secret only when one was typed); empty when nothing did. */
export function changesBody(draft: CredentialDraft, saved: Credential): CredentialInput {
  const next = { name: draft.name.trim(), description: draft.description.trim(), kind: draft.kind, ...kindFields(draft) };
  const body: CredentialInput = {};
  if (next.name !== saved.name) body.name = next.name;
  if (next.description !== (saved.description ?? '')) body.description = next.description;
  if (next.kind !== saved.kind) body.kind = next.kind;
  if (next.header !== (saved.header ?? '')) body.header = next.header;
  if (next.username !== (saved.username ?? '')) body.username = next.username;
  if (draft.secret) body.secret = draft.secret;
  return body;
}
