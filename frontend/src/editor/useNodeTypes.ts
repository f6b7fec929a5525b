import { useEffect, useState } from 'react';
import { errorMessage } from '../api/client';
import { api, type NodeTypeInfo } from '../api/sluice';

let cached: Promise<NodeTypeInfo[]> | null = null;

/** The node types (the palette), fetched once per page load. */
export function useNodeTypes(): { types: ReadonlyMap<string, NodeTypeInfo> | null; error: string | null } {
  const [types, setTypes] = useState<ReadonlyMap<string, NodeTypeInfo> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    cached ??= api.nodeTypes();
    let live = true;
    cached
      .then((list) => live && setTypes(new Map(list.map((t) => [t.type, t]))))
      .catch((err) => {
        cached = null;
        if (live) setError(errorMessage(err));
      });
    return () => {
      live = false;
    };
  }, []);
  return { types, error };
}
