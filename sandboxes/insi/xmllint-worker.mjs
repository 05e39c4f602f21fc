/* global WebAssembly */
/**
 * A long-lived worker running xmllint-wasm's libxml2 (its Emscripten module
 * and .wasm, the package's own files): the WebAssembly is compiled once,
 * each validation gets a fresh instance and a fresh memory, so nothing is
 * shared between two requests. xmllint-wasm's public validateXML() starts a
 * worker and compiles the module for every call (≈ 50 ms idle, several
 * hundred under load); this takes a few milliseconds.
 *
 * Protocol: { cabinetXmllint: true, id, inputFiles, args, initialPages, maxPages }
 * → { cabinetXmllintReply: true, id, exitCode, stderr }.
 *
 * Loading xmllint-node.js also registers the package's own message
 * listener on this worker's port; it ignores messages without its key, as
 * ours are.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

// The Emscripten module is CommonJS: loaded through a require made for this file.
const load = createRequire(import.meta.url);
const packageDir = path.dirname(load.resolve('xmllint-wasm/package.json'));
const createModule = load(path.join(packageDir, 'xmllint-node.js'));
const compiled = new WebAssembly.Module(fs.readFileSync(path.join(packageDir, 'xmllint.wasm')));

parentPort.on('message', (message) => {
  if (!message || message.cabinetXmllint !== true) return;
  let stderr = '';
  let replied = false;
  const reply = (exitCode) => {
    if (replied) return;
    replied = true;
    parentPort.postMessage({ cabinetXmllintReply: true, id: message.id, exitCode, stderr });
  };
  try {
    createModule({
      inputFiles: message.inputFiles,
      arguments: message.args,
      print() {},
      printErr(text) {
        if (stderr.length < 64 * 1024) stderr += `${text}\n`;
      },
      onExit: reply,
      onAbort(reason) {
        stderr += `abandon : ${String(reason)}\n`;
        reply(-1);
      },
      wasmMemory: new WebAssembly.Memory({ initial: message.initialPages, maximum: message.maxPages }),
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports).then(
          (instance) => receive(instance, compiled),
          (error) => {
            stderr += `instanciation : ${String(error)}\n`;
            reply(-2);
          },
        );
        return {};
      },
    }).catch((error) => {
      stderr += `${String(error)}\n`;
      reply(-3);
    });
  } catch (error) {
    stderr += `${String(error)}\n`;
    reply(-4);
  }
});
