import { describe, expect, it } from 'vitest';
import type { VideoFacts, VideoTrackFacts } from '../protocol/frames-protocol.ts';
import { judgeVideo, type PlayerOutcome, type VerdictCause } from './video-verdict.ts';

/** A whole, decodable 10 s H.264 MP4 at 30 fps; each case changes what it is about. */
function track(change: Partial<VideoTrackFacts> = {}): VideoTrackFacts {
  return {
    codec: 'avc',
    decoderSupported: true,
    info: {
      duration: 10,
      codedWidth: 320,
      codedHeight: 240,
      width: 320,
      height: 240,
      rotation: 0,
      codec: 'avc',
      fps: 30,
    },
    declaredDuration: 10,
    readableUntil: 10,
    decodes: { first: true, last: true },
    ...change,
  };
}

function facts(change: Partial<VideoFacts> = {}): VideoFacts {
  return { bytes: 1000, container: 'MP4', tracks: 1, audio: false, video: track(), ...change };
}

const ALL_PLAYERS: PlayerOutcome[] = ['loading', 'plays', 'fails'];

describe('judgeVideo', () => {
  it('says nothing for a good file the player shows, or before the worker has answered', () => {
    expect(judgeVideo('a.mp4', facts(), 'plays')).toBeNull();
    expect(judgeVideo('a.mp4', facts(), 'loading')).toBeNull();
    for (const player of ALL_PLAYERS) expect(judgeVideo('a.mp4', null, player)).toBeNull();
  });

  // Each bad file: its cause and the words that name it, whatever the player made of it (where it cannot matter).
  const cases: [string, VideoFacts, VerdictCause, RegExp][] = [
    ['empty file', facts({ bytes: 0, container: null, tracks: 0, video: null }), 'empty', /is empty \(0 bytes\)/],
    ['audio only', facts({ audio: true, video: null }), 'audio-only', /is audio only: it has sound but no video track/],
    ['no track at all', facts({ container: 'Ogg', tracks: 0, video: null }), 'no-video-track', /no video track/],
    [
      'MP4 cut before its index',
      facts({ tracks: 0, video: null }),
      'truncated',
      /is truncated: it ends before the index.*readable: 00:00/,
    ],
    [
      'MP4 cut after its index',
      facts({ video: track({ readableUntil: 4, decodes: { first: true, last: true } }) }),
      'truncated',
      /is truncated: only 00:04 of its 00:10 can be read/,
    ],
    [
      'track with no frames',
      facts({ video: track({ info: null, declaredDuration: null, readableUntil: 0, decodes: null }) }),
      'empty',
      /is empty: its video track has no frames/,
    ],
    [
      'WebM cut before its first whole cluster: a stated length, no frame',
      facts({ container: 'WebM', video: track({ info: null, readableUntil: 0, decodes: null }) }),
      'truncated',
      /is truncated or damaged: none of its 00:10 of video can be read/,
    ],
    [
      'nothing decodes',
      facts({ video: track({ decodes: { first: false, last: false } }) }),
      'damaged',
      /is damaged: no picture in it can be decoded/,
    ],
    [
      'decodes at the start only',
      facts({ video: track({ decodes: { first: true, last: false } }) }),
      'damaged',
      /is damaged: its pictures decode at the start but not near the end \(00:10\)/,
    ],
  ];
  for (const [what, given, cause, words] of cases) {
    it(`${what}: ${cause}, and Ask is off`, () => {
      for (const player of ALL_PLAYERS) {
        const verdict = judgeVideo('x.mp4', given, player);
        expect(verdict).toMatchObject({ cause, message: expect.stringMatching(words) });
        expect(verdict?.message).toContain('"x.mp4"');
        expect(verdict?.askBlocked).toMatch(/^Cannot ask about this file: /);
      }
    });
  }

  it('not a video, unless the player plays what the worker cannot read', () => {
    const text = facts({ container: null, tracks: 0, video: null });
    expect(judgeVideo('t.mp4', text, 'fails')).toMatchObject({
      cause: 'not-a-video',
      message: expect.stringMatching(/"t.mp4" is not a video/),
      askBlocked: 'Cannot ask about this file: it is not a video.',
    });
    expect(judgeVideo('t.mp4', text, 'plays')).toMatchObject({
      cause: 'model-cannot-decode',
      message: expect.stringMatching(/plays here, but its format cannot be read for the model/),
    });
  });

  it('names a codec this browser cannot decode; says so when the player plays it', () => {
    const hevc = facts({ video: track({ codec: 'hevc', decoderSupported: false, decodes: null }) });
    expect(judgeVideo('h.mp4', hevc, 'fails')).toMatchObject({
      cause: 'unsupported-codec',
      message: expect.stringMatching(/uses the HEVC \(H.265\) codec, which this browser cannot decode/),
      askBlocked: 'Cannot ask about this file: this browser cannot decode HEVC (H.265).',
    });
    expect(judgeVideo('h.mp4', hevc, 'plays')).toMatchObject({
      cause: 'model-cannot-decode',
      message: expect.stringMatching(
        /plays here, but this browser cannot decode its HEVC \(H.265\) video for the model/,
      ),
    });
    const unknown = facts({ video: track({ codec: null, decoderSupported: false, decodes: null }) });
    expect(judgeVideo('m.mp4', unknown, 'fails')?.message).toMatch(/uses an unknown codec, which this browser cannot/);
  });

  it('questions work although the player cannot show the file: says both, Ask stays on', () => {
    const ts = facts({ container: 'MPEG Transport Stream' });
    expect(judgeVideo('a.m2ts', ts, 'fails')).toEqual({
      cause: 'player-cannot-show',
      message: expect.stringMatching(/^Questions work, but the player cannot show "a.m2ts": .*H.264.*MPEG Transport/),
      askBlocked: null,
    });
  });

  it('a cut within the last half frame is rounding, not truncation', () => {
    const almost = facts({ video: track({ readableUntil: 10 - 0.4 / 30 }) });
    expect(judgeVideo('a.mp4', almost, 'plays')).toBeNull();
  });

  it('never passes the browser internal error words on', () => {
    const all = [...cases.map(([, f]) => f), facts({ container: null, tracks: 0, video: null })];
    for (const given of all)
      for (const player of ALL_PLAYERS)
        expect(judgeVideo('x.mp4', given, player)?.message ?? '').not.toMatch(/PipelineStatus|FFmpeg|DEMUXER/);
  });
});
