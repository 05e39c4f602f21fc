import { describe, expect, it } from 'vitest';
import { auditActionLabel, auditDetailLabel } from './audit-labels.js';

/** The services' sources, read as text (Vite's glob: the renderer imports no Node module). */
const sources: Record<string, string> = import.meta.glob(['../../../electron/**/*.ts', '!../../../electron/**/*.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

/** Every `action: '…'` (or `const action = … ? '…' : '…'`) the services append to the audit log. */
function recordedActions(): Set<string> {
  const found = new Set<string>();
  for (const text of Object.values(sources)) {
    for (const match of text.matchAll(/\baction(?::|\s*=)\s*([^,;}\n]*)/g)) {
      for (const code of (match[1] ?? '').matchAll(/'([a-z]+\.[a-z_]+)'/g)) found.add(code[1] ?? '');
    }
  }
  return found;
}

describe('Journal labels', () => {
  it('name every action the services record in French', () => {
    const actions = [...recordedActions()].filter((action) => !action.startsWith('test.'));
    expect(actions.length).toBeGreaterThan(30);
    const unlabeled = actions.filter((action) => auditActionLabel(action) === action);
    expect(unlabeled).toEqual([]);
  });

  it('write detail names with their accents', () => {
    expect(auditDetailLabel('debut')).toBe('à partir du rang');
    expect(auditDetailLabel('apres')).toBe('après');
    expect(auditDetailLabel('inconnu')).toBe('inconnu');
  });
});
