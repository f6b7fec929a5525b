import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../api/client';
import { type Comparison, type GraphDiff, type Page, type VersionInfo, type Workflow, api } from '../api/sluice';
import { ComparisonTable } from '../ui/ComparisonTable';
import { RollbackDialog } from '../ui/RollbackDialog';
import { ErrorNotice, Pager, formatTime } from '../ui/format';

interface HistoryPanelProps {
  workflow: Workflow;
  /** The diff on show (its nodes are coloured on the canvas), or null. */
  diff: GraphDiff | null;
  onDiff: (diff: GraphDiff | null) => void;
  /** After a rollback: the workflow as it now is. */
  onRolledBack: (workflow: Workflow) => void;
  dirty: boolean;
  /** What the user may do: roll back, move tags, run (comparisons start runs). */
  canRollback: boolean;
  canPublish: boolean;
  canRun: boolean;
}

function show(value: unknown): string {
  return value === undefined ? '—' : JSON.stringify(value);
}

/** Versions with author, time, reason and tags; compare any version with the current one; roll back; move tags. */
export function HistoryPanel({ workflow, diff, onDiff, onRolledBack, dirty, canRollback, canPublish, canRun }: HistoryPanelProps) {
  const [page, setPage] = useState(1);
  const [versions, setVersions] = useState<Page<VersionInfo> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rollingBack, setRollingBack] = useState<number | null>(null);
  const [tagName, setTagName] = useState('production');
  const [tagVersion, setTagVersion] = useState<number>(workflow.revision);
  const [compareRuns, setCompareRuns] = useState('');
  const [compareVersion, setCompareVersion] = useState<number>(workflow.revision);
  const [comparison, setComparison] = useState<Comparison | null>(null);

  // A comparison's runs go on in the workers: look again until all have finished.
  useEffect(() => {
    if (!comparison || comparison.done) return undefined;
    const timer = window.setTimeout(() => {
      api.comparison(comparison.id).then(setComparison).catch((err) => setError(errorMessage(err)));
    }, 800);
    return () => window.clearTimeout(timer);
  }, [comparison]);

  async function compareRunsWith(event: React.FormEvent) {
    event.preventDefault();
    try {
      setComparison(await api.compareWorkflow(workflow.id, compareRuns.split(/[\s,]+/).filter(Boolean), compareVersion));
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  const load = useCallback(() => {
    api
      .versions(workflow.id, page)
      .then((result) => {
        setVersions(result);
        setError(null);
      })
      .catch((err) => setError(errorMessage(err)));
  }, [workflow.id, page]);
  useEffect(load, [load, workflow.revision]);

  async function compare(version: number) {
    try {
      onDiff(await api.diff(workflow.id, version, workflow.revision));
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function rollback(version: number, reason: string) {
    try {
      const updated = await api.rollback(workflow.id, version, reason);
      setRollingBack(null);
      onDiff(null);
      onRolledBack(updated);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function moveTag(event: React.FormEvent) {
    event.preventDefault();
    try {
      await api.moveTag(workflow.id, tagName.trim(), tagVersion, '');
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <section className="history" aria-label="History">
      <ErrorNotice message={error} />
      {diff && (
        <section className="history__diff" aria-label="Changes">
          <h3 className="inspector__subtitle">
            Version {diff.from} → {diff.to}
          </h3>
          <p className="muted">On the canvas: added nodes green, changed amber. Removed nodes are listed here.</p>
          <ul className="history__changes">
            {diff.nodes_added.map((n) => (
              <li key={`a-${n.id}`} className="change change--added">
                + {n.id} <span className="muted">({n.type})</span>
              </li>
            ))}
            {diff.nodes_removed.map((n) => (
              <li key={`r-${n.id}`} className="change change--removed">
                − {n.id} <span className="muted">({n.type})</span>
              </li>
            ))}
            {diff.nodes_changed.map((n) => (
              <li key={`c-${n.id}`} className="change change--changed">
                ~ {n.id}
                <ul>
                  {n.changes.map((c) => (
                    <li key={c.path}>
                      <code>{c.path}</code>: {show(c.before)} → {show(c.after)}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
            {diff.nodes_moved.length > 0 && <li className="muted">moved: {diff.nodes_moved.map((n) => n.id).join(', ')}</li>}
            {diff.edges_added.map((e) => (
              <li key={`ea-${e.source}-${e.source_port}-${e.target}`} className="change change--added">
                + edge {e.source} → {e.target}
              </li>
            ))}
            {diff.edges_removed.map((e) => (
              <li key={`er-${e.source}-${e.source_port}-${e.target}`} className="change change--removed">
                − edge {e.source} → {e.target}
              </li>
            ))}
            {diff.name && (
              <li className="change change--changed">
                name: {diff.name.before} → {diff.name.after}
              </li>
            )}
          </ul>
          <button type="button" className="button button--secondary button--small" onClick={() => onDiff(null)}>
            Hide changes
          </button>
        </section>
      )}
      <ol className="history__list">
        {versions?.results.map((v) => (
          <li key={v.version} className="history__item" data-testid={`version-${v.version}`}>
            <div className="history__line">
              <strong>v{v.version}</strong>
              {v.tags.map((t) => (
                <span key={t} className="pill status--succeeded">
                  {t}
                </span>
              ))}
              {v.version === workflow.revision && <span className="muted">current</span>}
            </div>
            <div className="muted history__meta">
              {v.author ?? 'someone'} · {formatTime(v.created_at)}
            </div>
            {v.reason && <div className="history__reason">{v.reason}</div>}
            {v.version !== workflow.revision && (
              <div className="history__actions">
                <button type="button" className="button button--secondary button--small" onClick={() => void compare(v.version)}>
                  Compare with current
                </button>
                {canRollback && (
                  <button type="button" className="button button--secondary button--small" onClick={() => setRollingBack(v.version)}>
                    Roll back to v{v.version}
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
      {versions && (
        <Pager page={page} hasPrevious={!!versions.previous} hasNext={!!versions.next} onPage={setPage} />
      )}
      {canPublish && (
        <form className="history__tag" onSubmit={moveTag} aria-label="Move a tag">
          <h3 className="inspector__subtitle">Tags</h3>
          <label className="field">
            <span className="field__label">Tag</span>
            <input className="field__input" value={tagName} onChange={(e) => setTagName(e.target.value)} />
          </label>
          <label className="field">
            <span className="field__label">Points at version</span>
            <input
              className="field__input"
              type="number"
              min={1}
              max={workflow.revision}
              value={tagVersion}
              onChange={(e) => setTagVersion(Number(e.target.value))}
            />
          </label>
          <button type="submit" className="button button--secondary button--small">
            Move tag
          </button>
        </form>
      )}
      {canRun && (
        <form className="history__tag" onSubmit={compareRunsWith} aria-label="Compare past runs">
          <h3 className="inspector__subtitle">Compare before you promote</h3>
          <label className="field">
            <span className="field__label">Past run ids</span>
            <input className="field__input field__input--mono" value={compareRuns} onChange={(e) => setCompareRuns(e.target.value)} />
          </label>
          <label className="field">
            <span className="field__label">Run them on version</span>
            <input
              className="field__input"
              type="number"
              min={1}
              max={workflow.revision}
              value={compareVersion}
              onChange={(e) => setCompareVersion(Number(e.target.value))}
            />
          </label>
          <button type="submit" className="button button--secondary button--small">
            Compare
          </button>
        </form>
      )}
      {comparison && <ComparisonTable comparison={comparison} candidateLabel={`On version ${compareVersion}`} />}
      <RollbackDialog
        version={canRollback ? rollingBack : null}
        explanation={`A new version ${workflow.revision + 1} equal to version ${rollingBack} is saved; versions after it stay in the history.${dirty ? ' Your unsaved changes on the canvas are dropped.' : ''}`}
        onClose={() => setRollingBack(null)}
        onConfirm={rollback}
      />
    </section>
  );
}
