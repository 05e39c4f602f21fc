import { migration001 } from './001-initial.js';
import { migration002 } from './002-patients.js';
import { migration003 } from './003-dmp.js';
import { migration004 } from './004-mss.js';
import { migration005 } from './005-medecin-traitant.js';
import { migration006 } from './006-outbox-order.js';
import type { Migration } from './types.js';

/** Every schema version, in order. Add a file and a line here; nothing else. */
export const migrations: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006];

export const latestVersion = migrations.length;

for (const [index, migration] of migrations.entries()) {
  if (migration.version !== index + 1) throw new Error(`migration ${migration.name}: version ${migration.version} attendue ${index + 1}`);
}
