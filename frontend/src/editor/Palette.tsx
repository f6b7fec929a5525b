import { memo, useMemo, useState } from 'react';
import type { NodeTypeInfo } from '../api/sluice';

export const DRAG_TYPE = 'application/x-sluice-node-type';

interface PaletteProps {
  types: ReadonlyMap<string, NodeTypeInfo>;
  /** Adds a node of the type in the middle of the view (the keyboard way to add). */
  onAdd: (type: string) => void;
  /** The user may not change the workflow: the node types are listed but cannot be added. */
  readOnly?: boolean;
}

function PaletteInner({ types, onAdd, readOnly = false }: PaletteProps) {
  const [search, setSearch] = useState('');
  const groups = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const byCategory = new Map<string, NodeTypeInfo[]>();
    for (const info of types.values()) {
      const haystack = `${info.title} ${info.type} ${info.description} ${info.category}`.toLowerCase();
      if (needle && !haystack.includes(needle)) continue;
      byCategory.set(info.category, [...(byCategory.get(info.category) ?? []), info]);
    }
    return [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [types, search]);

  return (
    <aside className="palette" aria-label="Node palette">
      <label className="sr-only" htmlFor="palette-search">
        Search node types
      </label>
      <input
        id="palette-search"
        className="field__input"
        type="search"
        placeholder="Search nodes…"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      <p className="palette__hint muted">
        {readOnly ? 'View only: nodes cannot be added to this workflow.' : 'Drag onto the canvas, or press Enter to add.'}
      </p>
      {groups.length === 0 && <p className="muted">No node type matches.</p>}
      {groups.map(([category, list]) => (
        <section key={category} className="palette__group" aria-label={category}>
          <h3 className="palette__category">{category}</h3>
          <ul className="palette__list">
            {list.map((info) => (
              <li key={info.type}>
                <button
                  type="button"
                  className="palette__item"
                  draggable={!readOnly}
                  disabled={readOnly}
                  data-node-type={info.type}
                  title={info.description}
                  onDragStart={(event) => {
                    if (readOnly) {
                      event.preventDefault();
                      return;
                    }
                    event.dataTransfer.setData(DRAG_TYPE, info.type);
                    event.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => onAdd(info.type)}
                >
                  <span className="palette__title">{info.title}</span>
                  <span className="palette__type">{info.type}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </aside>
  );
}

export const Palette = memo(PaletteInner);
