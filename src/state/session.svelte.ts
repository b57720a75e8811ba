/**
 * One person's session: the video in the player, the question, the trace on screen and its playback,
 * import/export, and the message shown when something goes wrong. Components render this and call its
 * methods; they hold no state of their own beyond what is being typed.
 */
import {
  checkImportSize,
  exportFileName,
  importTrace,
  toTraceJson,
  toWebVtt,
  TraceImportError,
} from '../lib/trace/trace-export.ts';
import { stepColors } from '../lib/trace/step-colors.ts';
import { planPlayback } from '../lib/trace/trace-playback.ts';
import { videoIdentity } from '../lib/trace/question-history.ts';
import { AskRun } from './ask-run.svelte.ts';
import { EvidenceRun } from './evidence-run.svelte.ts';
import { FilmstripState } from './filmstrips.svelte.ts';
import type { FramesClient } from './frames-client.ts';
import { GroundedSettings } from './grounded-settings.svelte.ts';
import type { Inference } from './inference.ts';
import { PlayerState } from './player.svelte.ts';
import { QuestionHistory } from './question-history.svelte.ts';
import { RewatchClips } from './rewatch-clips.ts';
import { TracePlaybackState } from './trace-playback.svelte.ts';
import { TraceState } from './trace.svelte.ts';
import { VideoCheck } from './video-check.svelte.ts';

export interface LoadedVideo {
  file: Blob;
  name: string;
  /** Object URL for the player; revoked when the video is replaced. */
  url: string;
}

const VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|webm|mkv|ogv|avi|m2ts|mts)$/i;

/** True for files a person means as a video (some systems give no MIME type for .mkv and friends). */
export function looksLikeVideo(file: File): boolean {
  return file.type.startsWith('video/') || (!file.type && VIDEO_EXTENSIONS.test(file.name));
}

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  // The click starts the download synchronously; the URL can go once the event loop turns.
  setTimeout(() => URL.revokeObjectURL(url));
}

export class Session {
  readonly player = new PlayerState();
  readonly trace = new TraceState();
  readonly playback: TracePlaybackState;
  readonly run: AskRun;
  /** Grounded re-watch and evidence check settings (persisted). */
  readonly grounded: GroundedSettings;
  /** "Check evidence" on the trace on screen. */
  readonly evidence: EvidenceRun;
  /** Every question asked about each video this visit, with its trace. */
  readonly history = new QuestionHistory(this.trace);
  /** Thumbnails of the re-watched frames, decoded from the open video. */
  readonly filmstrips: FilmstripState;
  /** What is wrong with the open video, checked the moment it is opened. */
  readonly check: VideoCheck;

  #video = $state.raw<LoadedVideo | null>(null);
  #error = $state('');
  #notice = $state('');
  question = $state('');

  constructor(frames: FramesClient, inference: Inference) {
    this.playback = new TracePlaybackState(this.player, () => this.segments);
    this.grounded = new GroundedSettings(() => inference.model.loaded?.source ?? null);
    const clips = new RewatchClips(frames);
    this.evidence = new EvidenceRun(frames, inference, this.trace, clips, () => this.#video);
    this.run = new AskRun(frames, inference, {
      trace: this.trace,
      grounded: this.grounded,
      clips,
      evidence: this.evidence,
    });
    this.filmstrips = new FilmstripState(frames, () => this.#video?.file ?? null);
    this.check = new VideoCheck(frames, this.player);
  }

  get video(): LoadedVideo | null {
    return this.#video;
  }
  /** What went wrong last, for a person; '' when nothing did. */
  get error(): string {
    return this.#error || this.check.message;
  }
  /** Something worth knowing that is not an error (e.g. which video an imported trace was made for). */
  get notice(): string {
    return this.#notice;
  }

  /** Which file the open video is (the question history's key); null when none is open. */
  videoKey = $derived.by(() => {
    const video = this.#video;
    if (!video) return null;
    const { file, name } = video;
    return videoIdentity({ name, size: file.size, lastModified: file instanceof File ? file.lastModified : undefined });
  });
  /** The video's length: from the player once known, else what the trace says. */
  duration = $derived(this.player.duration || (this.trace.meta?.video?.duration ?? 0));
  segments = $derived(planPlayback(this.trace.steps, this.duration));
  /** A colour per trace step (see stepColors). */
  colors = $derived(stepColors(this.trace.steps));

  dismissError() {
    if (this.#error) this.#error = '';
    else this.check.dismiss();
  }

  /** Shows a video in the player. A file that is not a video changes nothing but the message. */
  openVideo(file: File): boolean {
    if (!looksLikeVideo(file)) {
      this.#error = `"${file.name}" is not a video file. Drop an MP4, WebM or MOV video.`;
      return false;
    }
    const previous = this.#video;
    const cancelled = previous && this.run.running;
    if (cancelled) this.run.stop(`Cancelled: a new video was opened. This partial trace is about "${previous.name}".`);
    this.playback.stop();
    this.player.interrupt();
    if (previous) URL.revokeObjectURL(previous.url);
    this.#video = { file, name: file.name, url: URL.createObjectURL(file) };
    this.#error = '';
    void this.check.check(file);
    this.#notice = cancelled
      ? `The question about "${previous.name}" was cancelled because a new video was opened.`
      : this.#mismatch();
    return true;
  }

  /** A file shipped in public/ (the sample video, the example trace). */
  async #shipped(name: string, type: string): Promise<File> {
    const response = await fetch(`${import.meta.env.BASE_URL}${name}`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    // A fixed date: the same shipped file opened twice is the same video to the question history.
    return new File([await response.blob()], name, { type, lastModified: 0 });
  }

  /** The synthetic sample video shipped with the app (public/sample-video.mp4). */
  async openSample() {
    try {
      this.openVideo(await this.#shipped('sample-video.mp4', 'video/mp4'));
    } catch (e) {
      this.#error = `The sample video could not be loaded (${(e as Error).message}).`;
    }
  }

  /** The sample video with a hand-written example trace, to try playback without a model. */
  async openExample() {
    try {
      if (this.#video?.name !== 'sample-video.mp4')
        this.openVideo(await this.#shipped('sample-video.mp4', 'video/mp4'));
      await this.importFile(await this.#shipped('sample-trace.json', 'application/json'));
    } catch (e) {
      this.#error = `The example could not be loaded (${(e as Error).message}).`;
    }
  }

  /** Opens whatever was dropped or picked: a video, a trace, or a trace with its video. */
  async openFiles(files: File[]) {
    const videos = files.filter(looksLikeVideo);
    const others = files.filter((f) => !looksLikeVideo(f));
    if (videos.length) this.openVideo(videos[0]);
    // A .vtt goes to the importer too, which says what it is (the captions export, not a trace).
    const traceFile = others.find((f) => /\.(json|txt|vtt)$/i.test(f.name));
    if (traceFile) await this.importFile(traceFile);
    else if (others.length && !videos.length) this.openVideo(others[0]);
  }

  /** Replaces the trace with an imported one (the app's JSON or raw model output as .txt). */
  async importFile(file: File) {
    if (this.run.running) {
      this.#error = `Not imported: a question is running. Stop it first, then import "${file.name}".`;
      return;
    }
    try {
      checkImportSize(file.size);
      const trace = importTrace(file.name, await file.text());
      this.playback.stop();
      this.history.keep();
      this.trace.load(trace);
      if (this.videoKey) this.history.add(this.videoKey);
      else this.history.detach();
      if (trace.question) this.question = trace.question;
      this.#error = '';
      this.#notice = this.#mismatch();
    } catch (e) {
      const reason = e instanceof TraceImportError ? e.message : `It could not be read (${(e as Error).message}).`;
      this.#error = `Could not import "${file.name}": ${reason} The trace on screen is unchanged.`;
    }
  }

  /** Says so when the trace on screen was made for another video than the one in the player. */
  #mismatch(): string {
    const made = this.trace.meta?.video?.name;
    if (!made || !this.#video || made === this.#video.name) return '';
    return `This trace was made for "${made}"; the player shows "${this.#video.name}".`;
  }

  /** Asks the question about the open video; the trace on screen is replaced once the model starts. */
  async ask() {
    if (!this.#video) return void (this.#error = 'Open a video first: drop one above or choose a file.');
    if (!this.question.trim()) return void (this.#error = 'Type a question first.');
    if (this.check.askBlocked) return void (this.#error = this.check.askBlocked);
    if (!this.run.running) {
      this.#error = '';
      this.playback.stop();
    }
    const asked = { video: this.videoKey, trace: this.trace.meta, running: this.run.running };
    if (!asked.running) this.history.keep();
    const message = await this.run.start({
      file: this.#video.file,
      videoName: this.#video.name,
      question: this.question.trim(),
    });
    if (message) this.#error = message;
    // A run that got as far as the model made a new trace: it joins the list of the video it was asked about
    // (even when another video was opened meanwhile and cancelled it).
    if (!asked.running && asked.video && this.trace.meta !== asked.trace) {
      this.history.add(asked.video);
      // A new trace about the open video: a notice about the one it replaced no longer applies.
      if (asked.video === this.videoKey) this.#notice = this.#mismatch();
    }
  }

  /** Puts a question of the history back on screen, to read, play or export; false while a question runs. */
  reopen(id: number): boolean {
    if (this.run.running) return false;
    this.playback.stop();
    if (!this.history.reopen(id)) return false;
    this.#error = '';
    this.#notice = this.#mismatch();
    return true;
  }

  stop() {
    this.run.stop();
    this.evidence.stop();
  }

  /** Checks the evidence of each observation of the trace on screen (a failure becomes the error message). */
  async checkEvidence() {
    if (this.run.running) return void (this.#error = 'A question is running: check its evidence once it ends.');
    const message = await this.evidence.check();
    if (message) this.#error = message;
  }

  /** The trace's facts, with the open video's name and length when the trace itself does not say (a .txt). */
  #exportMeta() {
    const meta = this.trace.meta;
    if (!meta || meta.video || !this.#video) return meta;
    return { ...meta, video: { name: this.#video.name, duration: this.duration } };
  }

  exportJson() {
    const meta = this.#exportMeta();
    if (!meta) return;
    const { rewatches, evidence } = this.trace;
    const json = toTraceJson(meta, this.trace.raw, { rewatches, evidence });
    download(exportFileName(meta.video?.name, '.trace.json'), 'application/json', json);
  }

  exportVtt() {
    const meta = this.#exportMeta();
    if (!meta) return;
    download(exportFileName(meta.video?.name, '.trace.vtt'), 'text/vtt', toWebVtt(this.trace.steps, this.duration));
  }

  /** A chip or the timeline: a point seeks there, a range plays to its end and pauses. */
  seekTo(start: number, end?: number) {
    this.playback.stop();
    if (end !== undefined && end > start) void this.player.playRange(start, end);
    else void this.player.seek(start);
  }
}
