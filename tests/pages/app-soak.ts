/**
 * Page side of the soak (tests/support/soak-loop.ts): the whole app, mounted by its own entry (src/main.ts),
 * plus read-only probes of the workers it makes and the two page-side moves of a run (a drop, an Ask with what
 * cuts it short). The app exposes nothing for tests, so this page records its workers as the app constructs them
 * (a Worker subclass installed before the app loads) and asks the frames worker, through a second comlink proxy
 * of the same worker, how many VideoFrames it holds: the count FramesClient.openFrames() reads.
 */
import { wrap, type Remote } from 'comlink';
import type { FramesApi } from '../../src/lib/protocol/frames-protocol.ts';
import { setHarness } from '../support/harness.ts';

/** How a run is cut short, if it is. */
export type Interruption = 'none' | 'stop-frames' | 'stop-generating' | 'new-video';

let frames: Remote<FramesApi> | null = null;

const AppWorker = Worker;
globalThis.Worker = class RecordedWorker extends AppWorker {
  constructor(url: string | URL, options?: WorkerOptions) {
    super(url, options);
    // The frames worker's name, as FramesClient makes it.
    if (options?.name === 'frames') frames = wrap<FramesApi>(this);
  }
};

await import('../../src/main.ts');

const stopButton = () => document.querySelector<HTMLButtonElement>('[data-testid=stop]')!;

/** Drops the video at `url` (served by the dev server) on the drop zone, as a person would. */
async function dropVideo(url: string, name: string): Promise<void> {
  const blob = await (await fetch(url)).blob();
  const dataTransfer = new DataTransfer();
  dataTransfer.items.add(new File([blob], name, { type: blob.type }));
  document
    .querySelector('[data-testid=drop-zone]')!
    .dispatchEvent(new DragEvent('drop', { dataTransfer, bubbles: true, cancelable: true }));
}

/** Resolves once frames are read (their progress bar gone) with the run still going, or once the run ended. */
function modelRunning(): Promise<void> {
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => check());
    const check = () => {
      if (stopButton().disabled || !document.querySelector('[data-testid=frames-progress]')) {
        observer.disconnect();
        resolve();
      }
    };
    observer.observe(document.body, { subtree: true, childList: true, attributes: true });
    check();
  });
}

const harness = {
  dropVideo,
  /**
   * Clicks Ask and, one task later (the run has started and is reading frames), cuts the run short as
   * `interruption` says: Stop at once, Stop once the model runs, or drop the video at `nextUrl`. Resolves then,
   * not when the run ends: false when the run had already ended before its interruption could land.
   */
  async ask(interruption: Interruption, nextUrl: string, nextName: string): Promise<boolean> {
    document.querySelector<HTMLButtonElement>('[data-testid=ask]')!.click();
    await new Promise((resolve) => setTimeout(resolve));
    if (stopButton().disabled) throw new Error('the run did not start');
    if (interruption === 'stop-generating') await modelRunning();
    if (stopButton().disabled) return false;
    if (interruption === 'stop-frames' || interruption === 'stop-generating') stopButton().click();
    else if (interruption === 'new-video') await dropVideo(nextUrl, nextName);
    return true;
  },
  /** Decoded VideoFrames the app's frames worker holds right now (0 when idle). */
  async openFrames(): Promise<number> {
    if (!frames) throw new Error('the app has made no frames worker');
    return frames.openFrames();
  },
};

export type SoakHarness = typeof harness;
setHarness(harness);
