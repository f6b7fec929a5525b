/** The audit page's filters, kept in the address (so a filtered view can be bookmarked and shared). */
import type { AuditFilters } from '../api/sluice';

export const FILTER_NAMES = ['actor', 'action', 'object_type', 'object_id', 'since', 'until'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type FilterValues = Record<FilterName, string>;

export function filtersFrom(params: URLSearchParams): FilterValues {
  return Object.fromEntries(FILTER_NAMES.map((name) => [name, params.get(name) ?? ''])) as FilterValues;
}

export function pageFrom(params: URLSearchParams): number {
  const page = Number(params.get('page') ?? '1');
  return Number.isInteger(page) && page > 0 ? page : 1;
}

/** The query for GET /api/v1/audit/: empty filters left out. */
export function auditQuery(params: URLSearchParams): AuditFilters {
  const query: AuditFilters = {};
  for (const [name, value] of Object.entries(filtersFrom(params)) as [FilterName, string][]) {
    if (value.trim()) query[name] = value.trim();
  }
  const page = pageFrom(params);
  if (page > 1) query.page = page;
  return query;
}

/** The address's parameters for these filter values, back on the first page. */
export function paramsFor(values: Partial<FilterValues>): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = values[name]?.trim();
    if (value) params.set(name, value);
  }
  return params;
}

export function withPage(params: URLSearchParams, page: number): URLSearchParams {
  const next = new URLSearchParams(params);
  if (page > 1) next.set('page', String(page));
  else next.delete('page');
  return next;
}

/** Where an audited object lives in the app, for the kinds that have a page. */
export function objectPath(type: string, id: string | number | null): string | null {
  if (id === null || id === '') return null;
  const key = encodeURIComponent(String(id));
  if (type === 'workflow') return `/workflows/${key}`;
  if (type === 'credential') return `/credentials/${key}`;
  if (type === 'modelprofile') return `/models/${key}`;
  if (type === 'run') return `/runs/${key}`;
  return null;
}

export function shortHash(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}
