/** The correction form of a review task, generated from its JSON Schema: fields, starting values, the data to send. */
import type { JsonSchema } from '../api/sluice';

export type FieldKind = 'enum' | 'boolean' | 'number' | 'string' | 'json';

export interface FormField {
  name: string;
  title: string;
  description: string;
  kind: FieldKind;
  options: unknown[];
  required: boolean;
  integer: boolean;
}

function kindOf(schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum)) return 'enum';
  const types = (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []).filter((t) => t !== 'null');
  if (types.length !== 1) return 'json';
  if (types[0] === 'boolean') return 'boolean';
  if (types[0] === 'number' || types[0] === 'integer') return 'number';
  if (types[0] === 'string') return 'string';
  return 'json';
}

/** The fields of an object schema, in their declared order. */
export function fieldsOf(form: JsonSchema | null | undefined): FormField[] {
  if (!form || typeof form.properties !== 'object' || form.properties === null) return [];
  const required = new Set(Array.isArray(form.required) ? form.required : []);
  return Object.entries(form.properties).map(([name, schema]) => ({
    name,
    title: typeof schema.title === 'string' ? schema.title : name,
    description: typeof schema.description === 'string' ? schema.description : '',
    kind: kindOf(schema),
    options: Array.isArray(schema.enum) ? schema.enum : [],
    required: required.has(name),
    integer: schema.type === 'integer',
  }));
}

/** The text each field starts with: the proposal's value, else the schema's default. */
export function initialTexts(fields: readonly FormField[], proposal: unknown, form: JsonSchema | null): Record<string, string> {
  const source = proposal && typeof proposal === 'object' && !Array.isArray(proposal) ? (proposal as Record<string, unknown>) : {};
  const texts: Record<string, string> = {};
  for (const field of fields) {
    const value = field.name in source ? source[field.name] : form?.properties?.[field.name]?.default;
    texts[field.name] = value === undefined || value === null ? '' : field.kind === 'json' ? JSON.stringify(value, null, 2) : String(value);
  }
  return texts;
}

export type Built = { ok: true; data: Record<string, unknown> } | { ok: false; field: string; message: string };

/** The data to send from the texts of the fields; a field that cannot be read is named. */
export function buildData(fields: readonly FormField[], texts: Record<string, string>): Built {
  const data: Record<string, unknown> = {};
  for (const field of fields) {
    const text = (texts[field.name] ?? '').trim();
    if (text === '') {
      if (field.required) return { ok: false, field: field.name, message: 'is required' };
      continue;
    }
    switch (field.kind) {
      case 'boolean':
        data[field.name] = text === 'true';
        break;
      case 'number': {
        const number = Number(text);
        if (!Number.isFinite(number)) return { ok: false, field: field.name, message: 'must be a number' };
        if (field.integer && !Number.isInteger(number)) return { ok: false, field: field.name, message: 'must be a whole number' };
        data[field.name] = number;
        break;
      }
      case 'enum': {
        const option = field.options.find((o) => String(o) === text);
        data[field.name] = option === undefined ? text : option;
        break;
      }
      case 'json':
        try {
          data[field.name] = JSON.parse(text);
        } catch {
          return { ok: false, field: field.name, message: 'is not valid JSON' };
        }
        break;
      default:
        data[field.name] = texts[field.name];
    }
  }
  return { ok: true, data };
}

/** The keys of the inbox's shortcuts, for a key event outside text fields. */
export function shortcutOf(event: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }, typing: boolean):
  | 'next' | 'previous' | 'claim' | 'approve' | 'reject' | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (typing) return null;
  switch (event.key) {
    case 'j':
    case 'ArrowDown':
      return 'next';
    case 'k':
    case 'ArrowUp':
      return 'previous';
    case 'c':
      return 'claim';
    case 'a':
      return 'approve';
    case 'r':
      return 'reject';
    default:
      return null;
  }
}

/** "in 3 h", "5 min ago": how far a deadline is. */
export function untilText(iso: string | null, now: number = Date.now()): string {
  if (!iso) return 'no deadline';
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const text = abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min`
    : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} d`;
  return ms >= 0 ? `in ${text}` : `${text} overdue`;
}
