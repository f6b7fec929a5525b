import { Link } from 'react-router';
import type { Comparison } from '../api/sluice';
import { JsonBlock, StatusPill } from './format';

/** A comparison's pairs side by side: input, baseline output, candidate output, outcome. */
export function ComparisonTable({ comparison, candidateLabel }: { comparison: Comparison; candidateLabel: string }) {
  return (
    <div aria-label="Comparison results">
      <p data-testid="comparison-counts">
        {comparison.done ? 'Done' : 'Running…'}: {comparison.counts.different} different, {comparison.counts.same} same,{' '}
        {comparison.counts.failed} failed, {comparison.counts.pending} pending
      </p>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Input</th>
            <th scope="col">Before (as it ran)</th>
            <th scope="col">{candidateLabel}</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {comparison.items.map((item) => (
            <tr key={item.index} className={item.outcome === 'different' ? 'row--different' : undefined}>
              <td>
                <JsonBlock value={item.input} />
              </td>
              <td>
                <Link to={`/runs/${item.baseline.run}`}>run</Link> <JsonBlock value={item.baseline.output} label="Baseline output" />
              </td>
              <td>
                <Link to={`/runs/${item.candidate.run}`}>run</Link> <JsonBlock value={item.candidate.output} label="Candidate output" />
              </td>
              <td>
                <StatusPill status={item.outcome} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
