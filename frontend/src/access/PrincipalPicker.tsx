import { useEffect, useId, useState } from 'react';
import { api } from '../api/sluice';
import type { PrincipalKind } from './shareState';

interface Option {
  name: string;
  detail?: string;
}

interface PrincipalPickerProps {
  id: string;
  kind: PrincipalKind;
  value: string;
  onChange: (value: string) => void;
  /** Looks names up; defaults to /api/v1/users/ and /api/v1/teams/. */
  search?: (kind: PrincipalKind, text: string) => Promise<Option[]>;
}

const MAX_SHOWN = 8;

async function searchServer(kind: PrincipalKind, text: string): Promise<Option[]> {
  if (kind === 'user') return (await api.users(text)).results.map((u) => ({ name: u.username }));
  return (await api.teams(text)).results.map((t) => ({ name: t.name, detail: `${t.members} member${t.members === 1 ? '' : 's'}` }));
}

/** A text field for a username or team name that suggests matching ones as you type (a combobox). */
export function PrincipalPicker({ id, kind, value, onChange, search = searchServer }: PrincipalPickerProps) {
  const listId = useId();
  const [options, setOptions] = useState<Option[]>([]);
  const [focused, setFocused] = useState(false);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);

  useEffect(() => {
    if (!focused) return undefined;
    let live = true;
    const timer = window.setTimeout(() => {
      search(kind, value.trim())
        .then((found) => live && setOptions(found.slice(0, MAX_SHOWN)))
        .catch(() => live && setOptions([]));
    }, 200);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [kind, value, focused, search]);

  const shown = options.filter((o) => o.name !== value);
  const expanded = focused && !dismissed && shown.length > 0;

  function pick(option: Option | undefined) {
    if (!option) return;
    onChange(option.name);
    setDismissed(true);
  }

  return (
    <div className="template-input">
      <input
        id={id}
        className="field__input"
        type="text"
        autoComplete="off"
        spellCheck={false}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded ? `${listId}-${active}` : undefined}
        value={value}
        placeholder={kind === 'user' ? 'username' : 'team name'}
        onChange={(e) => {
          onChange(e.target.value);
          setDismissed(false);
          setActive(0);
        }}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onKeyDown={(event) => {
          if (!expanded) return;
          if (event.key === 'ArrowDown') setActive((a) => (a + 1) % shown.length);
          else if (event.key === 'ArrowUp') setActive((a) => (a - 1 + shown.length) % shown.length);
          else if (event.key === 'Enter') pick(shown[active]);
          else if (event.key === 'Escape') setDismissed(true); // closes the list, not the dialog
          else return;
          event.preventDefault();
          event.stopPropagation();
        }}
      />
      {expanded && (
        <ul id={listId} className="template-input__list picker__list" role="listbox" aria-label={kind === 'user' ? 'Matching users' : 'Matching teams'}>
          {shown.map((option, index) => (
            <li
              key={option.name}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'is-active' : undefined}
              onMouseDown={(event) => {
                event.preventDefault(); // keep the focus in the field
                pick(option);
              }}
            >
              {option.name}
              {option.detail && <span className="muted"> · {option.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
