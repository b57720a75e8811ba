import { describe, expect, it } from 'vitest';
import { stepColors } from './step-colors.ts';
import { parseTrace } from './trace-parser.ts';

describe('stepColors', () => {
  it('gives an action and its observation one colour, and every other step its own', () => {
    const colors = stepColors(
      parseTrace('r <action>a</action><observation>o</observation><action>b</action> r2 <observation>o2</observation>'),
    );
    const [reason, action, observation, action2, reason2, observation2] = colors;
    expect(observation).toBe(action);
    expect(new Set([reason, action, action2, reason2, observation2]).size).toBe(5);
  });
});
