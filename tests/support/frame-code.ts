/**
 * The pixel code that the generated test videos carry: each frame shows its own index as big black/white
 * cells, so a test can check WHICH frame it got, not just how many. Pure (no Node, no DOM): the fixture maker,
 * the e2e tests, the benchmark and the browser harness pages all share it.
 *
 * Layout: the upright frame is cut into a 6x3 grid (3x6 when portrait), each cell showing a box half its
 * size in its centre over whatever the video shows around it. Reading order, the first cell is
 * always white and the last always black (a frame shown sideways or mirrored reads as invalid); the 16 cells
 * between hold the frame index, most significant bit first.
 */

/** Grid columns and rows for an upright frame of this size. */
export function codeGrid(width: number, height: number): { cols: number; rows: number } {
  return width >= height ? { cols: 6, rows: 3 } : { cols: 3, rows: 6 };
}

/** Bits of frame index the code holds. */
export const CODE_BITS = 16;

/** The ffmpeg filter chain (drawbox per cell, enabled per frame from `n`) that paints the code. */
export function codeFilter(width: number, height: number): string {
  const { cols, rows } = codeGrid(width, height);
  const cw = Math.floor(width / cols);
  const ch = Math.floor(height / rows);
  const boxes: string[] = [];
  for (let cell = 0; cell < cols * rows; cell++) {
    // Half a cell, centred: the moving background around it keeps the video realistic to decode.
    const x = (cell % cols) * cw + Math.floor(cw / 4);
    const y = Math.floor(cell / cols) * ch + Math.floor(ch / 4);
    const box = `drawbox=x=${x}:y=${y}:w=${Math.floor(cw / 2)}:h=${Math.floor(ch / 2)}:t=fill`;
    if (cell === 0) boxes.push(`${box}:color=white`);
    else if (cell === cols * rows - 1) boxes.push(`${box}:color=black`);
    else {
      // Paint black, then white where the bit is set: the background under the code never shows through.
      const bit = CODE_BITS - cell;
      boxes.push(`${box}:color=black`, `${box}:color=white:enable='mod(floor(n/${2 ** bit}),2)'`);
    }
  }
  return boxes.join(',');
}

/**
 * Reads the frame index from an RGB uint8 [height][width][3] frame (any size: each box is averaged over the
 * middle third of its cell, well inside the box even after resizing). Returns null when the markers are wrong (sideways,
 * mirrored, or not a coded frame).
 */
export function readFrameCode(rgb: Uint8Array, width: number, height: number): number | null {
  const { cols, rows } = codeGrid(width, height);
  const cellOn = (cell: number): boolean => {
    const x0 = ((cell % cols) + 1 / 3) * (width / cols);
    const y0 = (Math.floor(cell / cols) + 1 / 3) * (height / rows);
    const x1 = x0 + width / cols / 3;
    const y1 = y0 + height / rows / 3;
    let sum = 0;
    let n = 0;
    for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
      for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
        const i = (y * width + x) * 3;
        sum += rgb[i] + rgb[i + 1] + rgb[i + 2];
        n += 3;
      }
    }
    return sum / n >= 128;
  };
  if (!cellOn(0) || cellOn(cols * rows - 1)) return null;
  let index = 0;
  for (let cell = 1; cell <= CODE_BITS; cell++) index = index * 2 + (cellOn(cell) ? 1 : 0);
  return index;
}
