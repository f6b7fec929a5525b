/** Document collections as the browser app uses them: /api/v1/collections/ and their uploads. */
import { ApiError, apiFetch, serverMessage } from '../api/client';
import { getCsrfToken } from '../api/cookies';
import type { Page, Permissions } from '../api/sluice';

/** `{"provider": "local"}` (all-MiniLM-L6-v2 in-process) or `{"profile": "<model profile>"}`. */
export type EmbeddingSetting = { provider: 'local' } | { profile: string };

export interface Collection {
  id: number;
  name: string;
  description: string;
  embedding: EmbeddingSetting;
  document_count: number | null;
  ready_count: number | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** view, change, use, delete, share. */
  permissions: Permissions;
}

export type DocumentStatus = 'queued' | 'processing' | 'ready' | 'failed';

export interface KnowledgeDocument {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  status: DocumentStatus;
  error: string;
  pages: number | null;
  chunk_count: number;
  created_by: string | null;
  created_at: string;
  processed_at: string | null;
}

export interface Passage {
  text: string;
  source: string;
  document: number;
  position: { index: number; start: number; end: number };
  page: number | null;
  score: number;
}

export interface SearchResult {
  query: string;
  collection: string;
  passages: Passage[];
  /** How many passages were compared. */
  searched: number;
  model?: { provider: string; model: string; profile?: string };
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

const BASE = '/api/v1/collections/';

export const knowledgeApi = {
  collections: (params: { search?: string; page?: number }) => apiFetch<Page<Collection>>(`${BASE}${query(params)}`),
  collection: (id: number) => apiFetch<Collection>(`${BASE}${id}/`),
  createCollection: (body: { name: string; description?: string; embedding?: EmbeddingSetting }) =>
    apiFetch<Collection>(BASE, { method: 'POST', body }),
  updateCollection: (id: number, body: { name?: string; description?: string; embedding?: EmbeddingSetting }) =>
    apiFetch<Collection>(`${BASE}${id}/`, { method: 'PATCH', body }),
  deleteCollection: (id: number) => apiFetch<void>(`${BASE}${id}/`, { method: 'DELETE' }),
  documents: (id: number, page = 1) => apiFetch<Page<KnowledgeDocument>>(`${BASE}${id}/documents/${query({ page })}`),
  deleteDocument: (id: number, documentId: number) => apiFetch<void>(`${BASE}${id}/documents/${documentId}/`, { method: 'DELETE' }),
  search: (id: number, body: { query: string; top_k?: number; min_score?: number | null }) =>
    apiFetch<SearchResult>(`${BASE}${id}/search/`, { method: 'POST', body }),
  upload: (id: number, file: File) => uploadDocument(id, file),
};

/** A multipart upload (apiFetch sends JSON only). */
async function uploadDocument(collectionId: number, file: File): Promise<KnowledgeDocument> {
  const form = new FormData();
  form.set('file', file);
  const response = await fetch(`${BASE}${collectionId}/documents/`, {
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
  return body as KnowledgeDocument;
}

/** Whether the worker still has something to do with one of these documents (the page polls meanwhile). */
export function stillProcessing(documents: readonly KnowledgeDocument[]): boolean {
  return documents.some((d) => d.status === 'queued' || d.status === 'processing');
}

/** "passage 3 · characters 1200–1980 · page 2": where a passage is in its document. */
export function describePosition(passage: Pick<Passage, 'position' | 'page'>): string {
  const parts = [`passage ${passage.position.index + 1}`, `characters ${passage.position.start}–${passage.position.end}`];
  if (passage.page) parts.push(`page ${passage.page}`);
  return parts.join(' · ');
}

/** How the collection's embeddings are made, in words. */
export function describeEmbedding(embedding: EmbeddingSetting): string {
  return 'profile' in embedding ? `model profile “${embedding.profile}”` : 'local model (all-MiniLM-L6-v2)';
}

/** "12 KB", "1.4 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
