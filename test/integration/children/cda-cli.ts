/**
 * `cabinet cda …` as its own process, until `registerCda` is added to
 * electron/cli/main.ts: the same commander program, only this group.
 */
import { Command } from 'commander';
import { registerCda } from '../../../electron/cli/cda.js';

const program = new Command('cabinet');
registerCda(program);
await program.parseAsync(process.argv);
