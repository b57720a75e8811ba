import { describe, expect, it } from 'vitest';
import { AppError, outcomeOf, valueOf } from './app-error.ts';
import type { FramesOutcome } from './frames-protocol.ts';
import type { InferenceOutcome } from './inference-protocol.ts';

describe('outcomes across a worker boundary', () => {
  it('a value comes back as it went', async () => {
    const outcome: InferenceOutcome<number> = await outcomeOf(async () => 42);
    expect(outcome).toEqual({ ok: true, value: 42 });
    expect(valueOf(outcome)).toBe(42);
  });

  it('an AppError becomes plain data (what structured clone keeps) and is an AppError again, kind and message intact', async () => {
    const outcome: FramesOutcome<never> = await outcomeOf(() => {
      throw new AppError('truncated', 'The file is truncated.', { cause: new Error('inner') });
    });
    expect(outcome).toEqual({ ok: false, kind: 'truncated', message: 'The file is truncated.' });
    let thrown: unknown;
    try {
      valueOf(structuredClone(outcome));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ name: 'AppError', kind: 'truncated', message: 'The file is truncated.' });
  });

  it('any other error still rejects (a bug is not a failure kind)', async () => {
    await expect(outcomeOf(() => Promise.reject(new TypeError('bad options')))).rejects.toThrow(TypeError);
  });
});
