import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { NodeTypeInfo } from '../api/sluice';
import { Inspector } from './Inspector';
import { Palette } from './Palette';

const transform: NodeTypeInfo = {
  type: 'transform',
  title: 'Transform',
  category: 'Data',
  description: 'Build a JSON value',
  inputs: ['in'],
  outputs: ['out'],
  params_schema: { type: 'object', properties: { value: { title: 'Value' } } },
  speed: 'quick',
  trigger: false,
  settings_schema: {},
  settings_defaults: {},
};
const types = new Map([['transform', transform]]);

function inspector(readOnly: boolean): string {
  return renderToStaticMarkup(
    <Inspector
      nodeId="t"
      data={{ type: 'transform', params: { value: 1 }, extra: {}, problems: [] }}
      info={transform}
      suggestions={[]}
      onParams={() => undefined}
      onSettings={() => undefined}
      onRename={() => null}
      step={null}
      readOnly={readOnly}
    />,
  );
}

describe('a workflow the user may not change', () => {
  it('lists the palette’s node types but does not let them be added or dragged', () => {
    const html = renderToStaticMarkup(<Palette types={types} onAdd={() => undefined} readOnly />);
    expect(html).toMatch(/<button type="button" class="palette__item" draggable="false" disabled=""[^>]*data-node-type="transform"/);
    expect(html).toContain('View only: nodes cannot be added to this workflow.');
    const editable = renderToStaticMarkup(<Palette types={types} onAdd={() => undefined} />);
    expect(editable).toMatch(/draggable="true"/);
    expect(editable).not.toContain('disabled=""');
  });

  it('shows the inspector’s fields inside a disabled fieldset', () => {
    expect(inspector(true)).toMatch(/<fieldset class="plain-fieldset" disabled="">[\s\S]*id="node-id"[\s\S]*id="params-t-value"[\s\S]*<\/fieldset>/);
    expect(inspector(false)).toContain('<fieldset class="plain-fieldset">');
  });
});
