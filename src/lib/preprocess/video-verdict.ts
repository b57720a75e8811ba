/**
 * What the page says about an opened file: the frames worker's facts (VideoFacts, read the moment the file is
 * opened) and what the page's <video> element made of it, judged into one plain message and, when the model
 * cannot use the file, the reason Ask is off. Pure: the browser's own error text never reaches a person.
 */
import type { VideoFacts } from '../protocol/frames-protocol.ts';
import { formatTime } from '../trace/timestamps.ts';

/** What the <video> element made of the file: still loading, its metadata read, or an error. */
export type PlayerOutcome = 'loading' | 'plays' | 'fails';

export type VerdictCause =
  | 'not-a-video'
  | 'empty'
  | 'truncated'
  | 'damaged'
  | 'audio-only'
  | 'no-video-track'
  | 'unsupported-codec'
  | 'model-cannot-decode'
  | 'player-cannot-show';

export interface VideoVerdict {
  cause: VerdictCause;
  /** The one message for a person, naming the file and the cause. */
  message: string;
  /** Why Ask is off, for the hint beside it; null when questions work. */
  askBlocked: string | null;
}

/** Codecs by the names people know them by (mediabunny's names are short ids). */
const CODEC_NAMES: Record<string, string> = {
  avc: 'H.264',
  hevc: 'HEVC (H.265)',
  vp8: 'VP8',
  vp9: 'VP9',
  av1: 'AV1',
  prores: 'Apple ProRes',
};

/** A codec by the name people know it by; `codec` is mediabunny's id (null: a codec it does not know). */
export function codecName(codec: string | null): string {
  return codec ? (CODEC_NAMES[codec] ?? codec.toUpperCase()) : 'an unknown codec';
}

/** Containers whose index lists the tracks at the end of the file unless written for streaming. */
const INDEXED_CONTAINERS = new Set(['MP4', 'QuickTime File Format']);

const CONVERT = 'Convert it to H.264 MP4, VP9 WebM or AV1.';

function blocked(cause: VerdictCause, message: string, reason: string): VideoVerdict {
  return { cause, message, askBlocked: `Cannot ask about this file: ${reason}.` };
}

/**
 * The verdict on file `name`, or null when there is nothing to say (questions work and the player shows it,
 * or its playback is not known yet). `facts` null: the worker has not answered yet, nothing to say either.
 */
export function judgeVideo(name: string, facts: VideoFacts | null, player: PlayerOutcome): VideoVerdict | null {
  if (!facts) return null;
  const file = `"${name}"`;
  if (facts.bytes === 0)
    return blocked('empty', `${file} is empty (0 bytes): there is nothing in it to play.`, 'it is empty');
  if (!facts.container) {
    return player === 'plays'
      ? blocked(
          'model-cannot-decode',
          `${file} plays here, but its format cannot be read for the model, so questions about it cannot be asked. ${CONVERT}`,
          'its format cannot be read for the model',
        )
      : blocked(
          'not-a-video',
          `${file} is not a video: its contents are not in any video format (MP4, MOV, WebM, MKV, MPEG-TS).`,
          'it is not a video',
        );
  }
  if (facts.tracks === 0 && INDEXED_CONTAINERS.has(facts.container)) {
    return blocked(
      'truncated',
      `${file} is truncated: it ends before the index that lists its contents, so none of it can be read (readable: 00:00). An incomplete download or copy?`,
      'it is truncated',
    );
  }
  const video = facts.video;
  if (!video) {
    if (facts.audio)
      return blocked('audio-only', `${file} is audio only: it has sound but no video track.`, 'it is audio only');
    return blocked(
      'no-video-track',
      `${file} has no video track this app can read (the ${facts.container} file holds none it knows).`,
      'it has no video track',
    );
  }
  const codec = codecName(video.codec);
  if (!video.decoderSupported) {
    return player === 'plays'
      ? blocked(
          'model-cannot-decode',
          `${file} plays here, but this browser cannot decode its ${codec} video for the model, so questions about it cannot be asked. ${CONVERT}`,
          `its ${codec} video cannot be decoded for the model`,
        )
      : blocked(
          'unsupported-codec',
          `${file} uses ${video.codec ? `the ${codec} codec` : codec}, which this browser cannot decode. ${CONVERT}`,
          `this browser cannot decode ${codec}`,
        );
  }
  const info = video.info;
  if (!info) {
    // A container that states a length but yields no frame was cut off or damaged (a WebM or MKV cut off
    // before its first complete cluster, for one); one that states none has nothing in it.
    return video.declaredDuration
      ? blocked(
          'truncated',
          `${file} is truncated or damaged: none of its ${formatTime(video.declaredDuration)} of video can be read (readable: 00:00). An incomplete download or copy?`,
          'it is truncated or damaged',
        )
      : blocked(
          'empty',
          `${file} is empty: its video track has no frames to read (an empty recording, or a single picture).`,
          'it has no frames',
        );
  }
  // A cut at least one frame before the end (container times are rounded, hence the half frame of slack).
  if (video.readableUntil < info.duration - 0.5 / info.fps) {
    return blocked(
      'truncated',
      `${file} is truncated: only ${formatTime(video.readableUntil)} of its ${formatTime(info.duration)} can be read. An incomplete download or copy?`,
      'it is truncated',
    );
  }
  if (video.decodes && !video.decodes.first)
    return blocked('damaged', `${file} is damaged: no picture in it can be decoded.`, 'it is damaged');
  if (video.decodes && !video.decodes.last) {
    return blocked(
      'damaged',
      `${file} is damaged: its pictures decode at the start but not near the end (${formatTime(video.readableUntil)}).`,
      'it is damaged',
    );
  }
  if (player === 'fails') {
    return {
      cause: 'player-cannot-show',
      message: `Questions work, but the player cannot show ${file}: this browser does not play ${codec} video in the ${facts.container} format. Its frames are still read for the model; to watch it here, convert it to H.264 MP4 or VP9 WebM.`,
      askBlocked: null,
    };
  }
  return null;
}
