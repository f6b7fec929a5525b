import { useEffect, useState } from 'react';
import type { JsonSchema, Problem } from '../api/sluice';
import { fieldProblems } from './graph';
import { TemplateInput } from './TemplateInput';

interface SchemaFormProps {
  /** Prefix of the field names in ids and problems: `params` or `settings`. */
  scope: string;
  nodeId: string;
  schema: JsonSchema;
  values: Record<string, unknown>;
  onChange: (values: Record<string, unknown>) => void;
  problems: readonly Problem[];
  suggestions: readonly string[];
  /** Params that hold expressions rather than templates (a condition's `expression`). */
  expressionFields?: readonly string[];
  defaults?: Record<string, unknown>;
}

function kindOf(schema: JsonSchema): 'enum' | 'boolean' | 'number' | 'string' | 'json' {
  if (Array.isArray(schema.enum)) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : schema.type ? [schema.type] : [];
  if (type.length === 1) {
    if (type[0] === 'boolean') return 'boolean';
    if (type[0] === 'number' || type[0] === 'integer') return 'number';
    if (type[0] === 'string') return 'string';
  }
  return 'json';
}

/** A JSON value as the text a person edits: strings as they are, everything else as JSON. */
export function toText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

/** Text back to a value: JSON when it parses, else the string itself; `{…`/`[…` that does not parse is an error. */
export function fromText(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (err) {
    if (trimmed.startsWith('{') && !trimmed.startsWith('{{')) return { ok: false, message: `Not valid JSON: ${String(err)}` };
    if (trimmed.startsWith('[')) return { ok: false, message: `Not valid JSON: ${String(err)}` };
    return { ok: true, value: text };
  }
}

/** A number field that also takes a template (`{{ input.limit }}`). */
function numberOrTemplate(text: string): unknown {
  if (text.trim() === '') return undefined;
  const number = Number(text);
  return Number.isFinite(number) && /^-?[\d.eE+-]+$/.test(text.trim()) ? number : text;
}

function JsonField(props: {
  id: string;
  value: unknown;
  onChange: (value: unknown) => void;
  suggestions: readonly string[];
  invalid: boolean;
  describedBy: string;
}) {
  const [text, setText] = useState(() => toText(props.value));
  const [error, setError] = useState<string | null>(null);
  // Outside changes (undo, another node selected) replace the text.
  useEffect(() => {
    setText(toText(props.value));
    setError(null);
  }, [props.value]);
  return (
    <>
      <TemplateInput
        id={props.id}
        value={text}
        multiline
        suggestions={props.suggestions}
        invalid={props.invalid || error !== null}
        describedBy={props.describedBy}
        onChange={setText}
        onCommit={() => {
          const parsed = fromText(text);
          if (parsed.ok) {
            setError(null);
            if (JSON.stringify(parsed.value) !== JSON.stringify(props.value)) props.onChange(parsed.value);
          } else setError(parsed.message);
        }}
      />
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/** A form generated from a node type's param JSON Schema; server problems are shown on their fields. */
export function SchemaForm(props: SchemaFormProps) {
  const { scope, nodeId, schema, values, onChange, problems, suggestions, expressionFields = [], defaults } = props;
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  if (properties.length === 0) return <p className="muted">This node has nothing to set.</p>;

  const set = (name: string, value: unknown) => {
    const next = { ...values };
    if (value === undefined || value === '') delete next[name];
    else next[name] = value;
    onChange(next);
  };

  return (
    <div className="schema-form">
      {properties.map(([name, field]) => {
        const id = `${scope}-${nodeId}-${name}`;
        const hintId = `${id}-hint`;
        const mine = fieldProblems(problems, `${scope}.${name}`);
        const invalid = mine.length > 0;
        const kind = kindOf(field);
        const label = field.title ?? name;
        const value = values[name];
        const fallback = defaults?.[name] ?? field.default;
        const placeholder = fallback !== undefined ? `default: ${toText(fallback)}` : undefined;
        return (
          <div key={name} className={`field${invalid ? ' field--invalid' : ''}`} data-field={`${scope}.${name}`}>
            {kind === 'boolean' ? (
              <label className="field__check" htmlFor={id}>
                <input
                  id={id}
                  type="checkbox"
                  checked={value === undefined ? Boolean(fallback) : Boolean(value)}
                  onChange={(e) => set(name, e.target.checked)}
                  aria-describedby={hintId}
                />
                {label}
              </label>
            ) : (
              <label className="field__label" htmlFor={id}>
                {label}
                {required.has(name) && <span aria-hidden="true"> *</span>}
                {required.has(name) && <span className="sr-only"> (required)</span>}
              </label>
            )}
            {kind === 'enum' && (
              <select
                id={id}
                className="field__input"
                value={value === undefined ? '' : String(value)}
                onChange={(e) => set(name, e.target.value === '' ? undefined : e.target.value)}
                aria-invalid={invalid || undefined}
                aria-describedby={hintId}
              >
                <option value="">{fallback !== undefined ? `Default (${String(fallback)})` : 'Choose…'}</option>
                {(field.enum ?? []).map((option) => (
                  <option key={String(option)} value={String(option)}>
                    {String(option)}
                  </option>
                ))}
              </select>
            )}
            {(kind === 'string' || kind === 'number') && (
              <TemplateInput
                id={id}
                value={value === undefined ? '' : String(value)}
                onChange={(text) => set(name, kind === 'number' ? numberOrTemplate(text) : text)}
                suggestions={suggestions}
                bare={expressionFields.includes(name)}
                invalid={invalid}
                describedBy={hintId}
                placeholder={placeholder}
                multiline={expressionFields.includes(name) || name === 'instructions'}
              />
            )}
            {kind === 'json' && (
              <JsonField
                id={id}
                value={value}
                onChange={(v) => set(name, v)}
                suggestions={suggestions}
                invalid={invalid}
                describedBy={hintId}
              />
            )}
            <div id={hintId}>
              {field.description && <p className="field__hint">{field.description}</p>}
              {mine.map((problem) => (
                <p key={`${problem.field}:${problem.message}`} className="field__error">
                  {problem.field !== `${scope}.${name}` ? `${problem.field.slice(scope.length + 1)}: ` : ''}
                  {problem.message}
                </p>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
