import { Handle, type NodeProps, Position } from '@xyflow/react';
import { createContext, memo, useContext } from 'react';
import type { NodeTypeInfo } from '../api/sluice';
import { outputPorts, type SluiceNode } from './graph';

/** The node types by name, for every canvas node (a stable Map: nodes do not re-render when it is read). */
export const NodeTypesContext = createContext<ReadonlyMap<string, NodeTypeInfo>>(new Map());

const STATUS_LABEL: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  waiting: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

function SluiceNodeViewInner({ id, data, selected }: NodeProps<SluiceNode>) {
  const types = useContext(NodeTypesContext);
  const info = types.get(data.type);
  const inputs = info ? info.inputs : ['in'];
  const outputs = outputPorts(info, data.params);
  const problems = data.problems.length;
  const classes = ['flow-node'];
  if (selected) classes.push('flow-node--selected');
  if (problems) classes.push('flow-node--invalid');
  if (data.status) classes.push(`flow-node--${data.status}`);
  if (data.diff) classes.push(`flow-node--diff-${data.diff}`);
  return (
    <div
      className={classes.join(' ')}
      data-testid={`node-${id}`}
      data-status={data.status ?? ''}
      data-diff={data.diff ?? ''}
      title={problems ? data.problems.map((p) => `${p.field}: ${p.message}`).join('\n') : undefined}
    >
      {inputs.map((port, index) => (
        <Handle
          key={`in-${port}`}
          id={port}
          type="target"
          position={Position.Left}
          style={{ top: `${((index + 1) * 100) / (inputs.length + 1)}%` }}
          aria-label={`input ${port}`}
        />
      ))}
      <div className="flow-node__head">
        <span className="flow-node__category">{info?.category ?? 'Unknown'}</span>
        {data.status && <span className={`flow-node__status status--${data.status}`}>{STATUS_LABEL[data.status]}</span>}
      </div>
      <div className="flow-node__title">{id}</div>
      <div className="flow-node__type">{info?.title ?? data.type}</div>
      {problems > 0 && (
        <div className="flow-node__problems" role="note">
          {problems} problem{problems === 1 ? '' : 's'}
        </div>
      )}
      {outputs.map((port, index) => (
        <Handle
          key={`out-${port}`}
          id={port}
          type="source"
          position={Position.Right}
          style={{ top: `${((index + 1) * 100) / (outputs.length + 1)}%` }}
          aria-label={`output ${port}`}
          data-port={port}
        >
          {outputs.length > 1 && <span className="flow-node__port-label">{port}</span>}
        </Handle>
      ))}
    </div>
  );
}

/** Memoised: a node re-renders only when its own data or selection changes. */
export const SluiceNodeView = memo(SluiceNodeViewInner);
export const nodeTypes = { sluice: SluiceNodeView };

/** Fit the graph, but never zoom a small one in past 100%. */
export const FIT_VIEW = { maxZoom: 1, padding: 0.2 };
