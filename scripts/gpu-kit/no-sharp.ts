/** Stands in for sharp (transformers.js' image library, a native module) in the GPU kit's bundle: only the tokenizer is used there. */
export default function sharp(): never {
  throw new Error('sharp is not part of the GPU kit');
}
