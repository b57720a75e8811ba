/**
 * "Play trace": walks the playback plan segment by segment on the player (seek, play the cited range,
 * caption it with the step's observation, move on), with pause/resume and previous/next.
 */
import type { PlaybackSegment } from '../lib/trace/trace-playback.ts';
import type { PlayerState } from './player.svelte.ts';

export class TracePlaybackState {
  #player: PlayerState;
  #segments: () => PlaybackSegment[];
  #index = $state(-1);
  #paused = $state(false);
  /** Bumped on every move so a superseded walk stops. */
  #walk = 0;

  constructor(player: PlayerState, segments: () => PlaybackSegment[]) {
    this.#player = player;
    this.#segments = segments;
  }

  get segments(): PlaybackSegment[] {
    return this.#segments();
  }
  /** Index of the segment playing, -1 when not playing a trace. */
  get index(): number {
    return this.#index;
  }
  get active(): boolean {
    return this.#index >= 0;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get segment(): PlaybackSegment | undefined {
    return this.segments[this.#index];
  }

  start() {
    void this.#go(0);
  }

  next() {
    if (this.active) void this.#go(this.#index + 1);
  }

  previous() {
    if (this.active) void this.#go(Math.max(0, this.#index - 1));
  }

  /**
   * Pauses or resumes, by what the player is doing (the video's own controls may have paused it). Without a
   * trace playing, the player itself pauses or plays.
   */
  toggle() {
    const pause = !this.#player.paused;
    if (this.active) this.#paused = pause;
    if (pause) this.#player.pause();
    else void this.#player.play();
  }

  stop() {
    if (!this.active) return;
    this.#walk++;
    this.#index = -1;
    this.#paused = false;
    this.#player.interrupt();
    this.#player.pause();
  }

  async #go(index: number) {
    const walk = ++this.#walk;
    const segment = this.segments[index];
    if (!segment) {
      this.#index = -1;
      return;
    }
    this.#index = index;
    this.#paused = false;
    const reached = await this.#player.playRange(segment.start, segment.end);
    if (walk !== this.#walk) return;
    // Not reached: someone else moved the player (a chip, the timeline, a new video); the walk ends there.
    if (reached) void this.#go(index + 1);
    else this.#index = -1;
  }
}
