import { type ReactNode, useId } from 'react';
import type { BreakerInfo, Provider } from '../api/sluice';
import {
  type CredentialChoice,
  type FieldProblem,
  NUMBER_FIELDS,
  type NumberField,
  PROVIDERS,
  type TargetDraft,
  addTarget,
  breakerOf,
  credentialOptions,
  describeBreaker,
  moveTarget,
  problemAt,
  providerInfo,
  removeTarget,
  targetField,
  updateTarget,
} from './targets';
import './models.css';

interface TargetsEditorProps {
  targets: readonly TargetDraft[];
  onChange: (targets: TargetDraft[]) => void;
  problems: readonly FieldProblem[];
  credentials: readonly CredentialChoice[];
  /** The user may not change the profile: every field is shown disabled, nothing to add or move. */
  readOnly?: boolean;
  /** The saved targets' breakers (absent while creating). */
  breakers?: readonly BreakerInfo[];
  /** What goes under a target (its test button and answer), outside the disabled fields. */
  renderExtra?: (draft: TargetDraft, index: number) => ReactNode;
}

/** The ordered chain of provider+model targets: edit, add, remove and reorder. */
export function TargetsEditor({ targets, onChange, problems, credentials, readOnly = false, breakers, renderExtra }: TargetsEditorProps) {
  const listProblem = problemAt(problems, 'targets');
  return (
    <div className="targets-editor">
      {listProblem && <p className="field__error">{listProblem}</p>}
      <ol className="targets" aria-label="Targets, in order">
        {targets.map((draft, index) => (
          <TargetCard
            key={draft.key}
            draft={draft}
            index={index}
            count={targets.length}
            problems={problems}
            credentials={credentials}
            readOnly={readOnly}
            breaker={breakers ? breakerOf(draft, breakers) : undefined}
            onPatch={(patch) => onChange(updateTarget(targets, index, patch))}
            onMove={(delta) => onChange(moveTarget(targets, index, delta))}
            onRemove={() => onChange(removeTarget(targets, index))}
            extra={renderExtra?.(draft, index)}
          />
        ))}
      </ol>
      {!readOnly && (
        <button type="button" className="button button--secondary button--small" onClick={() => onChange(addTarget(targets))}>
          Add a target
        </button>
      )}
    </div>
  );
}

interface TargetCardProps {
  draft: TargetDraft;
  index: number;
  count: number;
  problems: readonly FieldProblem[];
  credentials: readonly CredentialChoice[];
  readOnly: boolean;
  /** undefined: breakers are not shown (creating); null: not saved yet. */
  breaker: BreakerInfo | null | undefined;
  onPatch: (patch: Partial<TargetDraft>) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
  extra: ReactNode;
}

function TargetCard({ draft, index, count, problems, credentials, readOnly, breaker, onPatch, onMove, onRemove, extra }: TargetCardProps) {
  const id = useId();
  const n = index + 1;
  const credential = credentialOptions(draft.credential, credentials);
  const state = breaker === undefined ? null : describeBreaker(breaker);
  const problem = (field: Parameters<typeof targetField>[1]) => problemAt(problems, targetField(index, field));

  function input(field: 'model' | 'base_url', label: string, props: { placeholder?: string; className?: string; hint?: string }) {
    const message = problem(field);
    const inputId = `${id}-${field}`;
    return (
      <div className={`field ${props.className ?? ''}`}>
        <label className="field__label" htmlFor={inputId}>
          {label}
        </label>
        <input
          id={inputId}
          className="field__input field__input--mono"
          value={draft[field]}
          placeholder={props.placeholder}
          spellCheck={false}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? `${inputId}-error` : undefined}
          onChange={(e) => onPatch({ [field]: e.target.value })}
        />
        {message && (
          <span id={`${inputId}-error`} className="field__error">
            {message}
          </span>
        )}
        {props.hint && !message && <span className="field__hint">{props.hint}</span>}
      </div>
    );
  }

  function number(field: NumberField) {
    const rule = NUMBER_FIELDS[field];
    const message = problem(field);
    const inputId = `${id}-${field}`;
    return (
      <div className="field" key={field}>
        <label className="field__label" htmlFor={inputId}>
          {rule.label}
        </label>
        <input
          id={inputId}
          className="field__input"
          type="number"
          inputMode="decimal"
          min={rule.min}
          max={rule.max}
          step={rule.integer ? 1 : 'any'}
          value={draft[field]}
          placeholder={String(rule.default)}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? `${inputId}-error` : undefined}
          onChange={(e) => onPatch({ [field]: e.target.value })}
        />
        {message && (
          <span id={`${inputId}-error`} className="field__error">
            {message}
          </span>
        )}
      </div>
    );
  }

  const providerProblem = problem('provider');
  const credentialProblem = problem('credential');
  return (
    <li className="target" aria-label={`Target ${n}`} data-testid={`target-${n}`}>
      <div className="target__header">
        <h3 className="target__title">
          Target {n}
          {index === 0 && <span className="muted">first</span>}
        </h3>
        {state && (
          <span className="breaker" data-testid={`breaker-${n}`}>
            Circuit breaker: <span className={`pill pill--${state.tone}`}>{state.label}</span>
          </span>
        )}
        {!readOnly && (
          <div className="target__tools">
            <button type="button" className="button button--secondary button--small" aria-label={`Move target ${n} up`} disabled={index === 0} onClick={() => onMove(-1)}>
              ↑ Up
            </button>
            <button type="button" className="button button--secondary button--small" aria-label={`Move target ${n} down`} disabled={index === count - 1} onClick={() => onMove(1)}>
              ↓ Down
            </button>
            <button type="button" className="button button--danger button--small" aria-label={`Remove target ${n}`} disabled={count === 1} onClick={onRemove}>
              Remove
            </button>
          </div>
        )}
      </div>
      <fieldset className="plain-fieldset" disabled={readOnly}>
        <div className="target__fields">
          <div className="field">
            <label className="field__label" htmlFor={`${id}-provider`}>
              Provider
            </label>
            <select
              id={`${id}-provider`}
              className="field__input"
              value={draft.provider}
              aria-invalid={providerProblem ? true : undefined}
              onChange={(e) => onPatch({ provider: e.target.value as Provider })}
            >
              {PROVIDERS.map((p) => (
                <option key={p.provider} value={p.provider}>
                  {p.label}
                </option>
              ))}
            </select>
            {providerProblem && <span className="field__error">{providerProblem}</span>}
          </div>
          {input('model', 'Model', { placeholder: draft.provider === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-4o-mini' })}
          {input('base_url', 'Base URL', {
            placeholder: providerInfo(draft.provider).baseUrl,
            className: 'field--url',
            hint: 'Empty: the provider’s own API.',
          })}
          <div className="field">
            <label className="field__label" htmlFor={`${id}-credential`}>
              Credential
            </label>
            <select
              id={`${id}-credential`}
              className="field__input"
              value={credential.value}
              aria-invalid={credentialProblem ? true : undefined}
              aria-describedby={credentialProblem ? `${id}-credential-error` : undefined}
              onChange={(e) => onPatch({ credential: e.target.value })}
            >
              {credential.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            {credentialProblem && (
              <span id={`${id}-credential-error`} className="field__error">
                {credentialProblem}
              </span>
            )}
          </div>
        </div>
        <div className="target__numbers">{(Object.keys(NUMBER_FIELDS) as NumberField[]).map(number)}</div>
      </fieldset>
      {extra}
    </li>
  );
}
