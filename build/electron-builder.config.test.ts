import { describe, expect, it } from 'vitest';
import config, { fuses } from './electron-builder.config.js';

describe('packaging configuration', () => {
  it('flips the Electron fuses that harden the binary', () => {
    expect(config.electronFuses).toBe(fuses);
    expect(fuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
    expect(config.asar).toBe(true);
  });
});
