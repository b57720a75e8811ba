/** RGB uint8 pixels as opaque RGBA, the layout a canvas ImageData takes (for showing decoded frames). */
export function rgbToRgba(rgb: Uint8Array, width: number, height: number): Uint8ClampedArray<ArrayBuffer> {
  const pixels = width * height;
  if (rgb.length !== pixels * 3)
    throw new RangeError(`${width}x${height} RGB needs ${pixels * 3} bytes, got ${rgb.length}`);
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    rgba[p * 4] = rgb[p * 3];
    rgba[p * 4 + 1] = rgb[p * 3 + 1];
    rgba[p * 4 + 2] = rgb[p * 3 + 2];
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
