import { describe, expect, it } from 'vitest';
import { isTrustedSenderUrl } from './sender.js';

describe('IPC sender check', () => {
  it('accepts only the packaged app origin', () => {
    expect(isTrustedSenderUrl('app://cabinet/index.html')).toBe(true);
    expect(isTrustedSenderUrl('app://cabinet/')).toBe(true);
    for (const url of [
      'https://cabinet/index.html',
      'app://evil/index.html',
      'file:///tmp/index.html',
      'http://127.0.0.1:5173/',
      'app://user:pw@cabinet/',
      'about:blank',
      '',
      undefined,
      null,
      'not a url',
    ]) {
      expect(isTrustedSenderUrl(url)).toBe(false);
    }
  });
});
