import { describe, expect, it } from 'vitest';
import { keepBothName } from './converted-name.ts';

describe('keepBothName', () => {
  it('appends the dtype', () => {
    expect(keepBothName('ReWatch-R1', 'q4', ['ReWatch-R1'])).toBe('ReWatch-R1-q4');
  });
  it('then numbers it while taken', () => {
    expect(keepBothName('m', 'fp32', ['m', 'm-fp32', 'm-fp32-2'])).toBe('m-fp32-3');
  });
  it('ignores names that only look alike', () => {
    expect(keepBothName('m', 'q4f16', ['m', 'm-q4', 'm-q4f16-2'])).toBe('m-q4f16');
  });
});
