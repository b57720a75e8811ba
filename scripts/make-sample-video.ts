/**
 * Makes public/sample-video.mp4: a synthetic 20-second clip (coloured shapes drawn by ffmpeg, no camera, no
 * audio) so a first-time visitor has something to ask about. Four 5-second scenes, each with one clear event,
 * and the running time printed in the corner so seeks can be checked by eye:
 *   00:00-00:05 a red square slides left to right on blue
 *   00:05-00:10 a yellow square bounces twice on green
 *   00:10-00:15 a white and an orange square cross on purple
 *   00:15-00:20 a cyan square falls and lands on grey
 * Run: npx tsx scripts/make-sample-video.ts (needs ffmpeg with libx264 and drawtext).
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'sample-video.mp4');

// Backgrounds are drawboxes switched on per scene; moving shapes are overlays, since only overlay
// expressions see the time `t` (drawbox's `t` is its line thickness).
const on = (from: number, to: number) => `enable='between(t,${from},${to})'`;
const background = (color: string, from: number, to: number) =>
  `drawbox=x=0:y=0:w=iw:h=ih:color=${color}:t=fill:${on(from, to)}`;
const shapes: { color: string; size: number; x: string; y: string; from: number; to: number }[] = [
  { color: '0xe63946', size: 60, x: '40+t*104', y: '150', from: 0, to: 5 },
  { color: '0xf4d35e', size: 60, x: '290', y: '150-110*abs(sin((t-5)*PI/2.5))', from: 5, to: 10 },
  { color: 'white', size: 60, x: '40+(t-10)*104', y: '100', from: 10, to: 15 },
  { color: '0xf08a24', size: 60, x: '540-(t-10)*104', y: '200', from: 10, to: 15 },
  { color: '0x48cae4', size: 60, x: '290', y: 'min(20+(t-15)*110,260)', from: 15, to: 20 },
];

const graph = [
  `[0:v]${[
    background('0x1b2a4a', 0, 5),
    background('0x1f5130', 5, 10),
    background('0x3d2463', 10, 15),
    background('0x4a4e57', 15, 20),
    `drawbox=x=0:y=320:w=iw:h=40:color=0x22252b:t=fill:${on(15, 20)}`,
  ].join(',')}[v0]`,
  ...shapes.map((s, i) => `[v${i}][${i + 1}:v]overlay=x='${s.x}':y='${s.y}':${on(s.from, s.to)}[v${i + 1}]`),
  `[v${shapes.length}]drawtext=text='%{pts\\:hms}':x=12:y=10:fontsize=22:fontcolor=white:box=1:boxcolor=black@0.5:boxborderw=6,` +
    `drawtext=text='synthetic sample':x=w-tw-12:y=10:fontsize=18:fontcolor=white@0.8[out]`,
];

execFileSync('ffmpeg', [
  '-hide_banner',
  '-loglevel',
  'error',
  '-y',
  '-f',
  'lavfi',
  '-i',
  'color=c=black:s=640x360:r=24:d=20',
  ...shapes.flatMap((s) => ['-f', 'lavfi', '-i', `color=c=${s.color}:s=${s.size}x${s.size}:r=24:d=20`]),
  '-filter_complex',
  graph.join(';'),
  '-map',
  '[out]',
  '-c:v',
  'libx264',
  '-preset',
  'slow',
  '-crf',
  '30',
  '-pix_fmt',
  'yuv420p',
  '-profile:v',
  'main',
  '-g',
  '24',
  '-movflags',
  '+faststart',
  OUT,
]);
console.log(`${OUT} (${(statSync(OUT).size / 1024).toFixed(0)} KB)`);
