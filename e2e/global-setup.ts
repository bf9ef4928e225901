/**
 * Makes the fake webcam and microphone files at test time (nothing binary is committed): a face photo that ships
 * with @vladmandic/face-api looped into a .y4m, and espeak-ng speech with pauses into a .wav (Chromium loops both).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLANK_VIDEO, FAKE_AUDIO, FAKE_VIDEO, FIXTURES, MUSIC_AUDIO, RECORDING, SILENT_AUDIO, SPEECH_OVER_MUSIC_AUDIO, TWO_FACES_VIDEO } from '../playwright.config.ts';
import { music, typing } from '../tools/bench/vad-scene.ts';
import { mulberry32 } from '../tools/train/augment.ts';
import { decodeAudioFile } from '../tools/data/audio-decode.ts';
import { wav } from '../test/helpers/wav.ts';

export const FACE_PHOTO = 'node_modules/@vladmandic/face-api/demo/sample1.jpg';
const SECOND_FACE_PHOTO = 'node_modules/@vladmandic/face-api/demo/sample3.jpg';
const SENTENCES = ['I am so happy to see you again, this is wonderful!', 'No, this is terrible. I am really angry about it.'];

function run(cmd: string, args: string[]): void {
  try { execFileSync(cmd, args, { stdio: 'pipe' }); } catch (e) {
    throw new Error(`e2e fixtures: \`${cmd} ${args.join(' ')}\` failed (${(e as Error).message}). Install it: apt-get install -y ffmpeg sox espeak-ng`);
  }
}

export default async function globalSetup(): Promise<void> {
  mkdirSync(FIXTURES, { recursive: true });
  if (!existsSync(FAKE_VIDEO)) {
    // A webcam-like 4:3 framing around one face of the photo (its face box is about 1377,152 363×341 in the
    // 1920×1280 original), 4 s at 10 fps, 640×480: enough frames for the detector, ~18 MB as a temp file.
    run('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', FACE_PHOTO, '-t', '4', '-r', '10', '-vf', 'crop=800:600:1120:0,scale=640:480', '-pix_fmt', 'yuv420p', FAKE_VIDEO]);
  }
  if (!existsSync(FAKE_AUDIO)) {
    const parts: string[] = [];
    SENTENCES.forEach((s, i) => {
      const speech = join(FIXTURES, `s${i}.wav`);
      run('espeak-ng', ['-w', speech, '-s', '150', s]);
      const padded = join(FIXTURES, `p${i}.wav`);
      // 1.2 s of silence after each sentence ends the turn for the voice-activity detector.
      run('sox', [speech, '-r', '48000', '-c', '1', '-b', '16', padded, 'pad', '0.3', '1.2']);
      parts.push(padded);
    });
    run('sox', [...parts, FAKE_AUDIO]);
  }
  if (!existsSync(RECORDING)) {
    // File mode's input: the fake camera's framing of the photo with the fake microphone's speech, as a user's recording.
    run('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-framerate', '10', '-i', FACE_PHOTO, '-i', FAKE_AUDIO, '-vf', 'crop=800:600:1120:0,scale=640:480', '-c:v', 'libvpx', '-b:v', '400k', '-c:a', 'libopus', '-shortest', RECORDING]);
  }
  if (!existsSync(TWO_FACES_VIDEO)) {
    // Two people side by side, each framed from one photo (faces about 165 and 185 px wide in 640×480, both found
    // by the tiny detector at its 224 input), letterboxed: 4 s at 10 fps.
    run('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', FACE_PHOTO, '-loop', '1', '-i', SECOND_FACE_PHOTO, '-t', '4', '-r', '10', '-filter_complex',
      '[0]crop=500:375:1310:40,scale=320:240[a];[1]crop=600:450:883:171,scale=320:240[b];[a][b]hstack,pad=640:480:0:120', '-pix_fmt', 'yuv420p', TWO_FACES_VIDEO]);
  }
  if (!existsSync(BLANK_VIDEO)) run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=640x480:r=10', '-t', '2', '-pix_fmt', 'yuv420p', BLANK_VIDEO]);
  if (!existsSync(SILENT_AUDIO)) run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', SILENT_AUDIO, 'trim', '0', '3']);
  const rng = mulberry32(5);
  if (!existsSync(MUSIC_AUDIO)) {
    // 8 s of music, then 4 s of typing over quieter music: loud, busy sound, and no voice in it.
    const m = music(12, rng), t = typing(4, rng);
    for (let i = 0; i < t.length; i++) { const j = 8 * 16000 + i; m[j] = 0.4 * m[j] + t[i]; }
    writeFileSync(MUSIC_AUDIO, wav(m, 16000));
  }
  if (!existsSync(SPEECH_OVER_MUSIC_AUDIO)) {
    // The fake microphone's two sentences, each over music 12 dB under the voice, with 3 s of music alone between.
    const parts: Float32Array[] = [];
    for (const i of [0, 1]) {
      const voice = await decodeAudioFile(join(FIXTURES, `s${i}.wav`));
      const bed = music(voice.length / 16000, rng), rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
      const g = rms(voice) / rms(bed) / 10 ** (12 / 20);
      parts.push(voice.map((v, k) => v + g * bed[k]), music(3, rng).map((v) => v * g));
    }
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    writeFileSync(SPEECH_OVER_MUSIC_AUDIO, wav(all, 16000));
  }
}
