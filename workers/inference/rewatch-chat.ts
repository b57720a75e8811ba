/** A ReWatch question about a video, as a chat prompt: ReWatch's system prompt and message layout. */
import type { AskRequest, ChatRequest } from '../../src/lib/protocol/inference-protocol.ts';
import { buildReWatchMessages } from '../../src/lib/generation/rewatch-prompt.ts';

/** @throws TypeError on a request that cannot make a prompt (no frames, bad duration). */
export function askToChat(request: AskRequest): ChatRequest {
  const { frames, duration, question } = request;
  if (frames.frames.length === 0) throw new TypeError('the video has no frames');
  if (!(duration > 0)) throw new TypeError(`duration must be positive, got ${duration}`);
  return {
    messages: buildReWatchMessages(question, duration),
    visuals: [
      { kind: 'video', width: frames.width, height: frames.height, frames: frames.frames, sampleFps: frames.sampleFps },
    ],
    maxNewTokens: request.maxNewTokens,
    temperature: request.temperature,
    topP: request.topP,
    prefillChunkTokens: request.prefillChunkTokens,
  };
}
