import { useEffect, useState } from 'react';
import { type ModelTry, type Step, api } from '../api/sluice';

/** The ids of the run's model calls that failed over and whose tries the steps do not carry. */
export function callsNeedingTries(steps: readonly Step[] | undefined): number[] {
  const ids: number[] = [];
  for (const step of steps ?? []) {
    for (const call of step.llm_calls ?? []) {
      if (call.failovers > 0 && !call.tries) ids.push(call.id);
    }
  }
  return ids.sort((a, b) => a - b);
}

const MAX_PAGES = 20;

/**
 * Each failed-over call's tries, by call id, from `/api/v1/llm-calls/?run=` (a step's calls list
 * no tries). null while they are being looked up; empty when no call needs them.
 */
export function useCallTries(runId: string, steps: readonly Step[] | undefined): ReadonlyMap<number, readonly ModelTry[]> | null {
  const needed = callsNeedingTries(steps);
  const key = needed.join(',');
  const [found, setFound] = useState<{ key: string; tries: Map<number, ModelTry[]> } | null>(null);

  useEffect(() => {
    if (!key) return undefined;
    let live = true;
    const wanted = new Set(key.split(',').map(Number));
    (async () => {
      const tries = new Map<number, ModelTry[]>();
      for (let page = 1; page <= MAX_PAGES; page += 1) {
        const result = await api.modelCalls({ run: runId, page });
        for (const call of result.results) if (wanted.has(call.id)) tries.set(call.id, call.tries);
        if (!result.next || tries.size >= wanted.size) break;
      }
      return tries;
    })()
      .then((tries) => live && setFound({ key, tries }))
      .catch(() => live && setFound({ key, tries: new Map() }));
    return () => {
      live = false;
    };
  }, [runId, key]);

  if (!key) return EMPTY;
  if (!found) return null;
  // While a newer set is looked up, the tries already known still show.
  return found.tries;
}

const EMPTY: ReadonlyMap<number, readonly ModelTry[]> = new Map();
