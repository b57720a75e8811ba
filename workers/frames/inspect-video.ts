/**
 * What the page says about a file the moment it is opened: the facts of src/lib/protocol/frames-protocol.ts
 * VideoFacts, gathered without decoding more than two pictures. The container, its tracks and the video
 * track's codec (and its stated duration) come from its index; VideoDecoder.isConfigSupported says whether WebCodecs can decode it;
 * a search over packet times finds how far the file's bytes go (a download cut off after its index lists
 * frames that are not there); one keyframe decoded at each end shows whether the data decodes at all.
 */
import {
  ALL_FORMATS,
  BlobSource,
  EncodedPacketSink,
  Input,
  UnsupportedInputFormatError,
  VideoSampleSink,
  type EncodedPacket,
  type InputVideoTrack,
} from 'mediabunny';
import type { VideoFacts, VideoTrackFacts } from '../../src/lib/protocol/frames-protocol.ts';
import { trackInfo } from './open-video.ts';

export async function inspectVideo(file: Blob): Promise<VideoFacts> {
  const facts: VideoFacts = { bytes: file.size, container: null, tracks: 0, audio: false, video: null };
  if (file.size === 0) return facts;
  using input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  try {
    facts.container = (await input.getFormat()).name;
  } catch (error) {
    if (error instanceof UnsupportedInputFormatError) return facts;
    throw error;
  }
  facts.tracks = (await input.getTracks()).length;
  facts.audio = (await input.getPrimaryAudioTrack()) !== null;
  const track = await input.getPrimaryVideoTrack();
  if (track) facts.video = await inspectTrack(track);
  return facts;
}

async function inspectTrack(track: InputVideoTrack): Promise<VideoTrackFacts> {
  const config = await track.getDecoderConfig();
  const decoderSupported = config !== null && (await VideoDecoder.isConfigSupported(config)).supported === true;
  const facts: VideoTrackFacts = {
    codec: await track.getCodec(),
    decoderSupported,
    info: null,
    declaredDuration: await track.getDurationFromMetadata().catch(() => null),
    readableUntil: 0,
    decodes: null,
  };
  const packets = new EncodedPacketSink(track);
  const first = await packets.getFirstPacket({ metadataOnly: true });
  if (!first) return facts;
  facts.info = await trackInfo(track, first.timestamp);
  const last = await readableEnd(packets, first);
  if (!last) return facts;
  facts.readableUntil = last.timestamp + last.duration - first.timestamp;
  if (!decoderSupported) return facts;
  const key = await packets.getKeyPacket(last.timestamp, { metadataOnly: true });
  const sink = new VideoSampleSink(track);
  facts.decodes = {
    first: await decodesAt(sink, first.timestamp),
    last: key ? await decodesAt(sink, key.timestamp) : false,
  };
  return facts;
}

/** Whether the packet's bytes are in the file (reading past a cut-off file's end gives null, or throws). */
async function present(packets: EncodedPacketSink, packet: EncodedPacket): Promise<boolean> {
  const read = await packets.getPacket(packet.timestamp).catch(() => null);
  return read !== null && read.data.byteLength > 0;
}

/**
 * The last packet whose bytes are in the file, or null when not even the first one's are. A file is cut at
 * one place, so presence falls from true to false once along the time line: a binary search over packet
 * times finds the edge in about log2(packets) reads.
 */
async function readableEnd(packets: EncodedPacketSink, first: EncodedPacket): Promise<EncodedPacket | null> {
  const last = await packets.getPacket(Infinity, { metadataOnly: true });
  if (!last || (await present(packets, last))) return last;
  if (!(await present(packets, first))) return null;
  let good = first;
  let bad = last;
  for (;;) {
    let mid = await packets.getPacket((good.timestamp + bad.timestamp) / 2, { metadataOnly: true });
    // No packet starts in the first half: try the one after `good`.
    if (mid && mid.timestamp <= good.timestamp) mid = await packets.getNextPacket(good, { metadataOnly: true });
    if (!mid || mid.timestamp <= good.timestamp || mid.timestamp >= bad.timestamp) return good;
    if (await present(packets, mid)) good = mid;
    else bad = mid;
  }
}

/** Whether a picture comes out of the decoder for the frame at `time` (closed at once). */
async function decodesAt(sink: VideoSampleSink, time: number): Promise<boolean> {
  try {
    const sample = await sink.getSample(time);
    sample?.close();
    return sample !== null;
  } catch {
    return false;
  }
}
