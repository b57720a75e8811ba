/**
 * Rows for the timeline: overlapping cited segments go on separate lanes so each stays visible and
 * clickable. Greedy in citing order; past `maxLanes` a segment shares the lane that frees up first.
 */
export interface Span {
  start: number;
  end: number;
}

export function assignLanes(spans: Span[], maxLanes = 4): number[] {
  const laneEnds: number[] = [];
  return spans.map(({ start, end }) => {
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= start);
    if (lane < 0 && laneEnds.length < maxLanes) lane = laneEnds.length;
    if (lane < 0) lane = laneEnds.indexOf(Math.min(...laneEnds));
    laneEnds[lane] = Math.max(laneEnds[lane] ?? 0, end);
    return lane;
  });
}
