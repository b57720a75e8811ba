import { describe, expect, it } from 'vitest';
import { assignLanes } from './timeline-lanes.ts';

describe('assignLanes', () => {
  it('keeps segments that do not overlap on one lane', () => {
    expect(
      assignLanes([
        { start: 0, end: 2 },
        { start: 2, end: 4 },
        { start: 10, end: 12 },
      ]),
    ).toEqual([0, 0, 0]);
  });
  it('moves overlapping segments to new lanes and reuses freed ones', () => {
    expect(
      assignLanes([
        { start: 0, end: 10 },
        { start: 1, end: 3 },
        { start: 4, end: 6 },
        { start: 2, end: 5 },
        { start: 11, end: 12 },
      ]),
    ).toEqual([0, 1, 1, 2, 0]);
  });
  it('shares the lane that frees up first once all lanes are taken', () => {
    const spans = [
      { start: 0, end: 10 },
      { start: 0, end: 5 },
      { start: 0, end: 8 },
    ];
    expect(assignLanes(spans, 2)).toEqual([0, 1, 1]);
  });
});
