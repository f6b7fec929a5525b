/** Auto-layout with elkjs (layered, left to right); elkjs is loaded the first time it is used. */
import type { ELK as ElkEngine } from 'elkjs/lib/elk-api';
import type { SluiceEdge, SluiceNode } from './graph';

let engine: Promise<ElkEngine> | null = null;
function elkEngine(): Promise<ElkEngine> {
  engine ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  return engine;
}
export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 64;

export async function autoLayout(nodes: SluiceNode[], edges: SluiceEdge[]): Promise<SluiceNode[]> {
  const elk = await elkEngine();
  const laid = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.spacing.nodeNode': '40',
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.measured?.width ?? NODE_WIDTH,
      height: n.measured?.height ?? NODE_HEIGHT,
    })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const positions = new Map((laid.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
  return nodes.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position }));
}
