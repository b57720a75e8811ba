import { describe, expect, it } from 'vitest';
import { TokenTextStream } from './token-text-stream.ts';

/** Byte-level tokens: each id is one byte of UTF-8, decoded as a tokenizer would (U+FFFD for incomplete characters). */
const decode = (ids: number[]) => new TextDecoder().decode(Uint8Array.from(ids));
const bytes = (text: string) => Array.from(new TextEncoder().encode(text));

describe('token text stream', () => {
  it('gives out text only once its characters are whole; the pieces join to the full decode', () => {
    const text = 'Re-watch 01:10–01:25 🎬\nthen <answer>B</answer>';
    const stream = new TokenTextStream(decode);
    const pieces = bytes(text).map((id) => stream.push(id));
    pieces.push(stream.flush());
    expect(pieces.join('')).toBe(text);
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    // The 4-byte clapper board arrives whole, after three empty pieces.
    const clapper = pieces.indexOf('🎬');
    expect(pieces.slice(clapper - 3, clapper)).toEqual(['', '', '']);
  });

  it('flushes a character cut off at the end as the decoder renders it', () => {
    const stream = new TokenTextStream(decode);
    const partial = bytes('é').slice(0, 1);
    expect(stream.push(partial[0])).toBe('');
    expect(stream.flush()).toBe('\uFFFD');
    expect(stream.flush()).toBe('');
  });

  it('decodes only since the last line break', () => {
    const seen: number[] = [];
    const stream = new TokenTextStream((ids) => (seen.push(ids.length), decode(ids)));
    for (const id of bytes('ab\ncd\nef')) stream.push(id);
    expect(Math.max(...seen)).toBe(3);
  });
});
