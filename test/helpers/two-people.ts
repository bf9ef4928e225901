/**
 * Two people side by side in a 640×480 webcam frame, as the e2e's fake camera shows them: sample1.jpg and
 * sample3.jpg of face-api's demo photos, each framed around its face (320×240), on black, as RGBA pixels.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

export async function twoPeopleFrame(): Promise<{ data: Buffer; width: number; height: number }> {
  const framed = (file: string, left: number, top: number, width: number, height: number) =>
    sharp(join(demo, file)).extract({ left, top, width, height }).resize(320, 240).toBuffer();
  const [a, b] = await Promise.all([framed('sample1.jpg', 1310, 40, 500, 375), framed('sample3.jpg', 883, 171, 600, 450)]);
  const { data, info } = await sharp({ create: { width: 640, height: 480, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } })
    .composite([{ input: a, left: 0, top: 120 }, { input: b, left: 320, top: 120 }]).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
