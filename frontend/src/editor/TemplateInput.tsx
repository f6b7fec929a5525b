import { useId, useMemo, useRef, useState } from 'react';
import { openExpression } from './graph';

interface TemplateInputProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  onCommit?: () => void;
  suggestions: readonly string[];
  multiline?: boolean;
  /** Expression fields (conditions) are one expression: suggest everywhere, not only inside {{ }}. */
  bare?: boolean;
  invalid?: boolean;
  describedBy?: string;
  placeholder?: string;
}

const MAX_SHOWN = 8;

/** A text field for templates: typing inside `{{ … }}` offers `input.*` and upstream `nodes.<id>.output.*`. */
export function TemplateInput(props: TemplateInputProps) {
  const { id, value, onChange, onCommit, suggestions, multiline, bare, invalid, describedBy, placeholder } = props;
  const listId = useId();
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);

  const open = useMemo(() => {
    if (caret === null || dismissed) return null;
    if (bare) {
      const match = /[A-Za-z0-9_.]*$/.exec(value.slice(0, caret));
      const prefix = match ? match[0] : '';
      return { start: caret - prefix.length, prefix };
    }
    return openExpression(value, caret);
  }, [value, caret, dismissed, bare]);
  const shown = useMemo(() => {
    if (!open) return [];
    return suggestions.filter((s) => s.startsWith(open.prefix) && s !== open.prefix).slice(0, MAX_SHOWN);
  }, [open, suggestions]);
  const expanded = shown.length > 0;

  function pick(suggestion: string) {
    if (!open || caret === null) return;
    const next = value.slice(0, open.start) + suggestion + value.slice(caret);
    onChange(next);
    const position = open.start + suggestion.length;
    requestAnimationFrame(() => {
      field.current?.setSelectionRange(position, position);
      setCaret(position);
    });
  }

  const common = {
    id,
    ref: field,
    value,
    placeholder,
    className: 'field__input field__input--mono',
    role: 'combobox',
    'aria-autocomplete': 'list' as const,
    'aria-expanded': expanded,
    'aria-controls': listId,
    'aria-activedescendant': expanded ? `${listId}-${active}` : undefined,
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    spellCheck: false,
    onChange: (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(event.target.value);
      setCaret(event.target.selectionStart);
      setDismissed(false);
      setActive(0);
    },
    onSelect: (event: React.SyntheticEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      setCaret((event.target as HTMLInputElement).selectionStart),
    onBlur: () => {
      setCaret(null);
      onCommit?.();
    },
    onKeyDown: (event: React.KeyboardEvent) => {
      if (!expanded) return;
      if (event.key === 'ArrowDown') setActive((a) => (a + 1) % shown.length);
      else if (event.key === 'ArrowUp') setActive((a) => (a - 1 + shown.length) % shown.length);
      else if (event.key === 'Enter' || event.key === 'Tab') pick(shown[active] ?? shown[0] ?? '');
      else if (event.key === 'Escape') setDismissed(true);
      else return;
      event.preventDefault();
      event.stopPropagation();
    },
  };

  return (
    <div className="template-input">
      {multiline ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
      {expanded && (
        <ul id={listId} className="template-input__list" role="listbox" aria-label="Suggestions">
          {shown.map((suggestion, index) => (
            <li
              key={suggestion}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'is-active' : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                pick(suggestion);
              }}
            >
              {suggestion}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
