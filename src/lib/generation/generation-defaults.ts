/**
 * The generation loop's sizes that memory estimates depend on: how many prompt tokens one decoder run takes
 * while prefilling, how many patches one vision-encoder run takes, and the answer length.
 */

/** ReWatch-R1's training traces reach 2,045 tokens. */
export const DEFAULT_MAX_NEW_TOKENS = 2048;

/** Prompt tokens per decoder run while prefilling (workers/inference/README.md says how it was chosen). */
export const DEFAULT_PREFILL_CHUNK = 512;

/** Patches per vision-encoder run: 8 of ReWatch's 2-frame steps (8 x 512 patches), or one step when a step is larger. */
export const MAX_VISION_PATCHES_PER_CHUNK = 4096;
