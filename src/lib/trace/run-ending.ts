/**
 * What to say under a trace when a run ended without an answer, so a person is never left with a trace that
 * just stops: the token limit, or the model's own end token before `<answer>`. A stopped or failed run has its
 * own note (the stop reason, the error), and a run that answered needs none.
 */

/** Why generation ended: an end token, the token limit, or Stop. */
export type RunEnding = 'eos' | 'limit' | 'stopped';

export function runEndingNote(ending: RunEnding, answered: boolean, maxNewTokens: number): string {
  if (answered || ending === 'stopped') return '';
  if (ending === 'limit') {
    return `No answer: the model used all ${plural(maxNewTokens, 'new token')} it may write before reaching <answer>. Ask a narrower question, or ask again.`;
  }
  return 'No answer: the model ended its reply without an <answer>.';
}

/** `1 token`, `2 tokens`, `1,024 tokens`. */
export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
