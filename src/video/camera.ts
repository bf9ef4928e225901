/**
 * Webcam frames for the face path. WebCodecs first: MediaStreamTrackProcessor yields VideoFrames straight from the
 * track; where it is missing (Firefox, Safari), a <video> element with requestVideoFrameCallback gives ImageBitmaps.
 * Frames arriving while the consumer is still busy are dropped (and closed) so latency never builds up.
 */

// TypeScript's DOM types lack MediaStreamTrackProcessor (Chromium has it): declared here.
declare class MediaStreamTrackProcessor<T> {
  constructor(init: { track: MediaStreamTrack; maxBufferSize?: number });
  readonly readable: ReadableStream<T>;
}

export type CameraFrame = VideoFrame | ImageBitmap;

export interface CameraOptions {
  /** Most frames per second handed to `onFrame` (the rest are dropped). Default 6. */
  maxFps?: number;
  /** Force the <video> fallback even where WebCodecs exists (for tests and comparison). */
  forceFallback?: boolean;
}

export interface CameraReader {
  readonly path: 'webcodecs' | 'video-element';
  /** Frames handed to the consumer and frames dropped because it was busy or over the rate. */
  readonly stats: { delivered: number; dropped: number };
  stop(): Promise<void>;
}

/**
 * Reads frames from the stream's first video track and calls `onFrame` for each one it keeps. `onFrame` owns the
 * frame: it must close it (or transfer it). Resolves once reading has started.
 */
export async function startCameraReader(stream: MediaStream, onFrame: (frame: CameraFrame, timestampMs: number) => Promise<void>, options: CameraOptions = {}): Promise<CameraReader> {
  const track = stream.getVideoTracks()[0];
  if (!track) throw new Error('The media stream has no video track');
  const minInterval = 1000 / (options.maxFps ?? 6);
  const stats = { delivered: 0, dropped: 0 };
  let busy = false, lastDelivered = -Infinity, stopped = false;

  const offer = (frame: CameraFrame, timestampMs: number): void => {
    if (stopped || busy || timestampMs - lastDelivered < minInterval) { frame.close(); stats.dropped++; return; }
    busy = true; lastDelivered = timestampMs; stats.delivered++;
    onFrame(frame, timestampMs).catch((error) => console.error('EmoLens frame handler failed', error)).finally(() => { busy = false; });
  };

  if (!options.forceFallback && typeof (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor === 'function') {
    const reader = new MediaStreamTrackProcessor<VideoFrame>({ track, maxBufferSize: 2 }).readable.getReader();
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done || !value) break;
        offer(value, performance.now());
      }
    })();
    return {
      path: 'webcodecs', stats,
      async stop() { stopped = true; await reader.cancel().catch(() => {}); await pump; },
    };
  }

  const video = document.createElement('video');
  video.muted = true; video.playsInline = true; video.srcObject = new MediaStream([track]);
  await video.play();
  let handle = 0;
  const tick = (now: number): void => {
    if (stopped) return;
    if (busy || now - lastDelivered < minInterval) stats.dropped++;
    else createImageBitmap(video).then((bitmap) => offer(bitmap, now), () => { stats.dropped++; });
    handle = video.requestVideoFrameCallback(tick);
  };
  handle = video.requestVideoFrameCallback(tick);
  return {
    path: 'video-element', stats,
    async stop() { stopped = true; video.cancelVideoFrameCallback(handle); video.pause(); video.srcObject = null; },
  };
}
