/**
 * Lossy codec passes for training and evaluation (Node: ffmpeg's libopus and libmp3lame): a 16 kHz mono clip is
 * encoded at a low bitrate and decoded back, as a video call or a compressed upload would hand it over. Both encoders
 * are deterministic, so a seed that picks the codec and bitrate reproduces the copy. The decoded length is trimmed
 * or padded to the input's (codecs add priming samples).
 */
import { spawnSync } from 'node:child_process';
import type { CodecPass } from './acoustics.ts';

function run(args: string[], input: Buffer): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`codec: ffmpeg ${args.join(' ')} failed: ${r.stderr?.toString().trim()}`);
  return r.stdout;
}

export const codecPass: CodecPass = async (pcm, codec, kbps) => {
  const raw = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const encoded = codec === 'opus'
    ? run(['-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', `${kbps}k`, '-f', 'ogg', 'pipe:1'], raw)
    : run(['-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', '-c:a', 'libmp3lame', '-b:a', `${kbps}k`, '-f', 'mp3', 'pipe:1'], raw);
  const decoded = run(['-i', 'pipe:0', '-f', 'f32le', '-ar', '16000', '-ac', '1', 'pipe:1'], encoded);
  const out = new Float32Array(pcm.length);
  const got = new Float32Array(decoded.buffer, decoded.byteOffset, Math.floor(decoded.byteLength / 4));
  out.set(got.subarray(0, Math.min(got.length, pcm.length)));
  return out;
};
