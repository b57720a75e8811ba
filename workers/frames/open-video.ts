/**
 * Opens a File/Blob with mediabunny and reads what the frame plan and the UI need. Reads only the container
 * metadata and the first few hundred packet headers (for the frame rate) through a BlobSource, which keeps at
 * most a few MiB of the file in memory, so a 2-hour file opens as fast as a short one.
 */
import { ALL_FORMATS, BlobSource, EncodedPacketSink, Input, type InputVideoTrack } from 'mediabunny';
import { AppError } from '../../src/lib/protocol/app-error.ts';
import type { VideoInfo } from '../../src/lib/protocol/frames-protocol.ts';
import { codecName } from '../../src/lib/preprocess/video-verdict.ts';
import { classifyReadError } from './classify-error.ts';

/** An open video: dispose it when done (idempotent). */
export interface OpenedVideo extends Disposable {
  track: InputVideoTrack;
  info: VideoInfo;
  /** Presentation time of the first frame, seconds: frame times are counted from here. */
  firstTimestamp: number;
}

export async function openVideo(file: Blob): Promise<OpenedVideo> {
  if (file.size === 0) throw new AppError('empty', 'The file is empty (0 bytes).');
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  try {
    // A known container with no tracks at all: its index (an MP4's moov box, written last by default) is
    // missing, which is what a cut-off download of such a file looks like.
    if ((await input.getTracks()).length === 0) {
      throw new AppError(
        'truncated',
        'The file is truncated: it ends before the index that lists its tracks (an incomplete download or copy?).',
      );
    }
    const track = await input.getPrimaryVideoTrack();
    if (!track) {
      const audio = await input.getPrimaryAudioTrack();
      throw audio
        ? new AppError('no-video-track', 'The file has sound but no video track.')
        : new AppError('no-video-track', 'The file has no video track.');
    }
    const first = await new EncodedPacketSink(track).getFirstPacket({ metadataOnly: true });
    if (!first) {
      // A stated length with no frame: cut off or damaged (e.g. a WebM cut before its first whole cluster).
      throw (await track.getDurationFromMetadata().catch(() => null))
        ? new AppError(
            'truncated',
            'The file is truncated or damaged: it states a length, but no frame of it can be read (an incomplete download or copy?).',
          )
        : new AppError('empty', 'The video track has no frames it can read (an empty recording, or a single picture).');
    }
    const info = await trackInfo(track, first.timestamp);
    if (!info) throw new AppError('empty', 'The video has a single frame or no duration.');
    if (!(await track.canDecode())) {
      throw new AppError(
        'unsupported-codec',
        `This browser cannot decode ${info.codec ? `${codecName(info.codec)} video` : 'this video codec'}. Convert the video to H.264, VP9 or AV1.`,
      );
    }
    return { track, info, firstTimestamp: first.timestamp, [Symbol.dispose]: () => input.dispose() };
  } catch (error) {
    input.dispose();
    throw classifyReadError(error);
  }
}

/**
 * The track's duration, size, rotation, codec and rate, counted from its first frame at `firstTimestamp`; null
 * when it has a single frame or no duration.
 */
export async function trackInfo(track: InputVideoTrack, firstTimestamp: number): Promise<VideoInfo | null> {
  const duration = (await track.computeDuration()) - firstTimestamp;
  const { bestGuessFrameRate } = await track.computeFrameRateMetrics();
  if (!(duration > 0) || !(bestGuessFrameRate > 0)) return null;
  return {
    duration,
    codedWidth: await track.getCodedWidth(),
    codedHeight: await track.getCodedHeight(),
    width: await track.getDisplayWidth(),
    height: await track.getDisplayHeight(),
    rotation: await track.getRotation(),
    codec: await track.getCodec(),
    fps: bestGuessFrameRate,
  };
}
