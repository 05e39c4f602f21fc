/**
 * `npm start` (after `npm run build`): launches the Electron app, or explains
 * in French why it cannot (no Electron binary) and what to do instead.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { electronBinary } from './electron-binary.js';

const root = path.resolve(import.meta.dirname, '..');
const binary = electronBinary(path.join(root, 'node_modules', 'electron'));
if (!binary.ok) {
  console.error(binary.message);
  process.exit(1);
}
const child = spawn(binary.file, [root, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
