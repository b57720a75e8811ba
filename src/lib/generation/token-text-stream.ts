/**
 * Generated tokens to text pieces as they come, for streaming: byte-level BPE tokens can end inside a UTF-8
 * character (decoded as U+FFFD until the next token completes it), so a piece is only given out once its text
 * is whole. Decoding restarts after each line break, which keeps every decode short on long answers. The
 * pieces joined equal the decode of all ids (the tokenizer's decode is injected; Qwen's does no clean-up that
 * could change earlier characters).
 */
export class TokenTextStream {
  #pending: number[] = [];
  #given = 0;

  constructor(private readonly decode: (ids: number[]) => string) {}

  /** The new text `id` completes ('' while a character is still incomplete). */
  push(id: number): string {
    this.#pending.push(id);
    const text = this.decode(this.#pending);
    if (text.endsWith('\uFFFD')) return '';
    const piece = text.slice(this.#given);
    if (text.endsWith('\n')) {
      this.#pending = [];
      this.#given = 0;
    } else {
      this.#given = text.length;
    }
    return piece;
  }

  /** Whatever is still held back (an incomplete character at the very end). */
  flush(): string {
    const piece = this.#pending.length ? this.decode(this.#pending).slice(this.#given) : '';
    this.#pending = [];
    this.#given = 0;
    return piece;
  }
}
