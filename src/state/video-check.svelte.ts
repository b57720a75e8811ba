/**
 * The check of the open video, made the moment it is opened: the frames worker's facts about the file
 * (FramesClient.inspect) and the player's outcome, judged by src/lib/preprocess/video-verdict.ts into the
 * message the page shows and the reason Ask is off. A newer file supersedes an older one's check.
 */
import { judgeVideo, type VideoVerdict } from '../lib/preprocess/video-verdict.ts';
import type { VideoFacts } from '../lib/protocol/frames-protocol.ts';
import type { FramesClient } from './frames-client.ts';
import type { PlayerState } from './player.svelte.ts';

export class VideoCheck {
  readonly #frames: FramesClient;
  readonly #player: PlayerState;
  #name = $state('');
  #facts = $state.raw<VideoFacts | null>(null);
  #checking = $state(false);
  /** The worker could not read the file at all (an error it has no fact for). */
  #unreadable = $state(false);
  #dismissed = $state(false);
  #request = 0;

  constructor(frames: FramesClient, player: PlayerState) {
    this.#frames = frames;
    this.#player = player;
  }

  /** Checks `file`, the video now open; resolves once its facts are in. */
  async check(file: File): Promise<void> {
    const request = ++this.#request;
    this.#name = file.name;
    this.#facts = null;
    this.#unreadable = false;
    this.#dismissed = false;
    this.#checking = true;
    try {
      const facts = await this.#frames.inspect(file);
      if (request === this.#request) this.#facts = facts;
    } catch {
      if (request === this.#request) this.#unreadable = true;
    } finally {
      if (request === this.#request) this.#checking = false;
    }
  }

  /** What is wrong with the open video (null: nothing, or not known yet). */
  verdict: VideoVerdict | null = $derived.by(() =>
    this.#unreadable
      ? {
          cause: 'damaged',
          message: `"${this.#name}" could not be read: its data is damaged or in a form this app does not know.`,
          askBlocked: 'Cannot ask about this file: it could not be read.',
        }
      : judgeVideo(this.#name, this.#facts, this.#player.outcome),
  );

  /** Why Ask is off because of the file, for the hint beside it; null when questions work. */
  askBlocked: string | null = $derived(this.#checking ? 'Checking the video…' : (this.verdict?.askBlocked ?? null));

  /** The verdict's message until dismissed; '' when there is none. */
  message: string = $derived(this.#dismissed ? '' : (this.verdict?.message ?? ''));

  dismiss() {
    this.#dismissed = true;
  }
}
