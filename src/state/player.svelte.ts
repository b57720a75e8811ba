/**
 * The one <video> element: its clock as reactive state, and seeking / playing a range for the chips,
 * the timeline and trace playback. A newer seek or range supersedes an older one ("latest wins").
 */
import type { PlayerOutcome } from '../lib/preprocess/video-verdict.ts';

/** A range being played: where it ends, and how to tell its caller whether it got there. */
interface PlayingRange {
  end: number;
  settle: (reached: boolean) => void;
}

export class PlayerState {
  #el: HTMLVideoElement | null = null;
  #time = $state(0);
  #duration = $state(0);
  #paused = $state(true);
  #outcome = $state<PlayerOutcome>('loading');
  /** Bumped by every seek/range so a superseded range knows it was interrupted. */
  #request = 0;
  /** The running range's end and how to settle it. */
  #range: PlayingRange | null = null;

  get currentTime(): number {
    return this.#time;
  }
  /** Seconds; 0 until the metadata is read. */
  get duration(): number {
    return this.#duration;
  }
  get paused(): boolean {
    return this.#paused;
  }
  /**
   * What the element made of the current file: its metadata read ('plays') or an error ('fails'). Only the
   * outcome: the browser's error text is internal (src/lib/preprocess/video-verdict.ts says what is wrong).
   */
  get outcome(): PlayerOutcome {
    return this.#outcome;
  }

  /** Binds the element (a Svelte attachment); returns the cleanup. */
  attach = (el: HTMLVideoElement) => {
    this.#el = el;
    const sync = () => {
      this.#time = el.currentTime;
      this.#duration = Number.isFinite(el.duration) ? el.duration : 0;
      this.#paused = el.paused;
      if (this.#range && (el.ended || el.currentTime >= this.#range.end)) this.#settle(true);
    };
    const events = ['timeupdate', 'durationchange', 'loadedmetadata', 'play', 'pause', 'seeked', 'ended', 'emptied'];
    const outcomes: [string, PlayerOutcome][] = [
      ['loadstart', 'loading'],
      ['loadedmetadata', 'plays'],
      ['error', 'fails'],
    ];
    const listeners = outcomes.map(([event, outcome]) => [event, () => (this.#outcome = outcome)] as const);
    for (const e of events) el.addEventListener(e, sync);
    for (const [event, listener] of listeners) el.addEventListener(event, listener);
    return () => {
      for (const e of events) el.removeEventListener(e, sync);
      for (const [event, listener] of listeners) el.removeEventListener(event, listener);
      this.#el = null;
    };
  };

  #settle(reached: boolean) {
    const range = this.#range;
    this.#range = null;
    if (reached) this.#el?.pause();
    range?.settle(reached);
  }

  /** Moves to `time` and resolves once the frame is there (false if superseded or no video). */
  async seek(time: number): Promise<boolean> {
    const request = ++this.#request;
    this.#settle(false);
    const el = this.#el;
    if (!el || !el.currentSrc) return false;
    if (el.readyState < HTMLMediaElement.HAVE_METADATA) {
      await new Promise((resolve) => {
        for (const e of ['loadedmetadata', 'error', 'emptied']) el.addEventListener(e, resolve, { once: true });
      });
      if (el.readyState < HTMLMediaElement.HAVE_METADATA) return false;
    }
    // 'emptied': the video was replaced mid-seek; 'seeked' would never come.
    const seeked = new Promise((resolve) => {
      el.addEventListener('seeked', resolve, { once: true });
      el.addEventListener('emptied', resolve, { once: true });
    });
    el.currentTime = time;
    await seeked;
    return request === this.#request;
  }

  /**
   * Plays `start`..`end` and pauses at the end. Resolves true when the end was reached, false when another
   * seek or range took over. Pausing in between (the user, or `pause()`) just waits.
   */
  async playRange(start: number, end: number): Promise<boolean> {
    if (!(await this.seek(start))) return false;
    let range: PlayingRange | undefined;
    const reached = new Promise<boolean>((settle) => (range = this.#range = { end, settle }));
    this.#watchFrames(range!);
    await this.play();
    return reached;
  }

  /** Checks the range's end on every presented frame: 'timeupdate' alone comes only every ~250 ms. */
  #watchFrames(range: PlayingRange) {
    this.#el?.requestVideoFrameCallback((_now, frame) => {
      if (this.#range !== range) return;
      if (frame.mediaTime >= range.end) this.#settle(true);
      else this.#watchFrames(range);
    });
  }

  /** Plays from here; a blocked autoplay (no user gesture yet) leaves it paused for the user to start. */
  async play(): Promise<void> {
    const playing = this.#el?.play().catch(() => {});
    // The element's state changes at once, its 'play' event a task later: a toggle in between must see it.
    this.#paused = this.#el?.paused ?? true;
    await playing;
  }

  pause() {
    this.#el?.pause();
    this.#paused = this.#el?.paused ?? true;
  }

  /** Ends any range and trace step in flight (a new video, or trace playback stopped). */
  interrupt() {
    this.#request++;
    this.#settle(false);
  }
}
