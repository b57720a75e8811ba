import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.ts';

describe('content hash', () => {
  it('is equal for equal content, whatever the views, and differs on one changed byte', () => {
    const a = Uint8Array.from({ length: 1003 }, (_, i) => (i * 31) & 255);
    const shifted = new Uint8Array(1004);
    shifted.set(a, 1);
    expect(contentHash([a])).toBe(contentHash([shifted.subarray(1)]));
    const b = a.slice();
    b[500] ^= 1;
    expect(contentHash([b])).not.toBe(contentHash([a]));
    expect(contentHash([a])).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps frame boundaries: the same bytes split differently are different content', () => {
    const x = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    expect(contentHash([x.subarray(0, 4), x.subarray(4)])).not.toBe(contentHash([x.subarray(0, 6), x.subarray(6)]));
  });
});
