import type Database from 'better-sqlite3-multiple-ciphers';

/** One schema version. Files are named NNN-name.ts; never edit a released one. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}
