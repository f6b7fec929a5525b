import { memo } from 'react';
import { Link } from 'react-router';
import type { ModelTry, NodeTypeInfo, Problem, Step } from '../api/sluice';
import { StepModelCalls } from '../models/ModelCallView';
import { JsonBlock, StatusPill, duration } from '../ui/format';
import type { SluiceNodeData } from './graph';
import { SchemaForm } from './SchemaForm';

interface InspectorProps {
  /** The node's id and data, not the node: moving a node does not re-render the form. */
  nodeId: string;
  data: SluiceNodeData;
  info: NodeTypeInfo | undefined;
  suggestions: readonly string[];
  onParams: (nodeId: string, params: Record<string, unknown>) => void;
  onSettings: (nodeId: string, settings: Record<string, unknown>) => void;
  onRename: (nodeId: string, next: string) => string | null;
  step: Step | null;
  /** The user may not change the workflow: every field is shown disabled. */
  readOnly?: boolean;
}

const EXPRESSION_FIELDS = ['expression'];

function InspectorInner({ nodeId, data, info, suggestions, onParams, onSettings, onRename, step, readOnly = false }: InspectorProps) {
  const node = { id: nodeId, data };
  const problems: Problem[] = node.data.problems;
  const other = problems.filter((p) => !p.field.startsWith('params.') && !p.field.startsWith('settings.'));
  const settings = (node.data.extra.settings as Record<string, unknown> | undefined) ?? {};
  return (
    <aside className="inspector" aria-label={`Node ${node.id}`}>
      <header className="inspector__header">
        <h2 className="inspector__title">{info?.title ?? node.data.type}</h2>
        <p className="muted inspector__type">{node.data.type}</p>
      </header>
      {/* A disabled fieldset disables every control inside it, generated ones included. */}
      <fieldset className="plain-fieldset" disabled={readOnly}>
        <div className="field">
          <label className="field__label" htmlFor="node-id">
            Node id
          </label>
          <input
            id="node-id"
            key={node.id}
            className="field__input field__input--mono"
            defaultValue={node.id}
            onBlur={(e) => {
              const error = onRename(node.id, e.target.value.trim());
              if (error) {
                e.target.setCustomValidity(error);
                e.target.reportValidity();
                e.target.value = node.id;
              } else e.target.setCustomValidity('');
            }}
          />
        </div>
        {info?.description && <p className="inspector__description">{info.description}</p>}
        {other.map((p) => (
          <p key={`${p.field}:${p.message}`} className="notice notice--error">
            {p.field}: {p.message}
          </p>
        ))}
        <section aria-label="Parameters" className="inspector__section">
          <h3 className="inspector__subtitle">Parameters</h3>
          {info ? (
            <SchemaForm
              scope="params"
              nodeId={node.id}
              schema={info.params_schema}
              values={node.data.params}
              onChange={(params) => onParams(node.id, params)}
              problems={problems}
              suggestions={suggestions}
              expressionFields={EXPRESSION_FIELDS}
            />
          ) : (
            <p className="notice notice--error">Unknown node type {node.data.type}.</p>
          )}
        </section>
        {info && info.speed === 'slow' && (
          <details className="inspector__section" open={Object.keys(settings).length > 0}>
            <summary className="inspector__subtitle">Retries and time limit</summary>
            <SchemaForm
              scope="settings"
              nodeId={node.id}
              schema={info.settings_schema}
              values={settings}
              onChange={(next) => onSettings(node.id, next)}
              problems={problems}
              suggestions={[]}
              defaults={info.settings_defaults}
            />
          </details>
        )}
      </fieldset>
      {step && <StepDetail step={step} />}
    </aside>
  );
}

export const Inspector = memo(InspectorInner);

/**
 * One step of a run: rendered params, input, output, error, attempts, worker, timings and the
 * model calls it made (`tries`: each call's tries by call id, where they were looked up; null
 * while they are being looked up).
 */
/** A human review's task: waiting for a decision, or the one that was taken. */
function ReviewLink({ step }: { step: Step }) {
  const output = step.output as { review?: unknown; task?: unknown } | null;
  const task = step.type === 'human.review' ? (output?.review ?? output?.task) : undefined;
  if (typeof task !== 'number') return null;
  return (
    <p className={step.status === 'waiting' ? 'notice' : 'muted'}>
      {step.status === 'waiting' ? 'Waiting for a reviewer: ' : 'Decided in '}
      <Link to={`/reviews/${task}`}>review task #{task}</Link>
    </p>
  );
}

export function StepDetail({ step, tries }: { step: Step; tries?: ReadonlyMap<number, readonly ModelTry[]> | null }) {
  return (
    <section className="inspector__section step-detail" aria-label={`Step ${step.node_id}`}>
      <h3 className="inspector__subtitle">
        Last run of this node <StatusPill status={step.status} />
      </h3>
      <dl className="facts">
        <dt>Attempts</dt>
        <dd>{step.attempts}</dd>
        <dt>Took</dt>
        <dd>{duration(step.started_at, step.finished_at)}</dd>
        <dt>Worker</dt>
        <dd>{step.worker || '—'}</dd>
        {step.ports && step.ports.length > 0 && (
          <>
            <dt>Ports</dt>
            <dd>{step.ports.join(', ')}</dd>
          </>
        )}
      </dl>
      {step.error && (
        <div className="notice notice--error" role="status">
          {step.error.message ?? 'failed'}
        </div>
      )}
      {step.llm_calls && step.llm_calls.length > 0 && <StepModelCalls calls={step.llm_calls} tries={tries} />}
      <ReviewLink step={step} />
      <h4 className="step-detail__label">Output</h4>
      <JsonBlock value={step.output} label="Step output" />
      <h4 className="step-detail__label">Input</h4>
      <JsonBlock value={step.input} label="Step input" />
      <h4 className="step-detail__label">Rendered params</h4>
      <JsonBlock value={step.params} label="Rendered params" />
    </section>
  );
}
