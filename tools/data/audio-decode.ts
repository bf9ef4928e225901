/**
 * Decodes any audio file ffmpeg understands (Ogg Opus, WAV, MP3, ...) to 16 kHz mono Float32 PCM. Node only.
 * ffmpeg does the resampling here (files are decoded whole); the live page uses `Resampler` from
 * src/audio/features.ts. Both feed the same `extractAudioFeatures`.
 */
import { spawn } from 'node:child_process';
import { AUDIO_FEATURES } from '../../src/audio/features.ts';

export async function decodeAudioFile(path: string, sampleRate: number = AUDIO_FEATURES.sampleRate): Promise<Float32Array> {
  const args = ['-nostdin', '-v', 'error', '-i', path, '-f', 'f32le', '-ac', '1', '-ar', String(sampleRate), '-'];
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', (err) => reject(new Error(`Could not decode audio file "${path}": ffmpeg failed to start (${err.message})`)));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`Could not decode audio file "${path}": ffmpeg exited with ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-2).join(' ')}` : ''}`));
        return;
      }
      const bytes = Buffer.concat(chunks);
      // Copy into a fresh, aligned buffer (Buffer pools may start at odd offsets).
      const out = new Float32Array(Math.floor(bytes.byteLength / 4));
      new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
      resolve(out);
    });
  });
}
