/**
 * Microphone capture: MediaStream audio track → AudioWorklet ('emolens-capture') → 16 kHz mono Float32 chunks
 * (20 ms each by default) delivered to `onChunk` on the main thread. The worklet node has no outputs and is not
 * connected to the speakers (no echo); the AudioContext runs at the device rate and the worklet resamples with the
 * shared `Resampler`. The caller owns the stream: `stop()` closes the audio graph, not the tracks.
 */
import workletUrl from './capture-worklet.ts?worker&url';
import type { CaptureOptions } from './capture-worklet.ts';

export interface MicrophoneHandle {
  /** Flushes the resampler tail to `onChunk`, then disconnects and closes the AudioContext. */
  stop(): Promise<void>;
  /** The AudioContext's (device) sample rate; chunks are always 16 kHz. */
  sampleRate: number;
}

export async function startMicrophone(
  stream: MediaStream, onChunk: (pcm16k: Float32Array) => void, options: CaptureOptions = {},
): Promise<MicrophoneHandle> {
  if (stream.getAudioTracks().length === 0) {
    throw new Error('startMicrophone: the MediaStream has no audio track (request it with getUserMedia({ audio: true }))');
  }
  const context = new AudioContext({ latencyHint: 'interactive' });
  try {
    await context.audioWorklet.addModule(workletUrl);
    const source = context.createMediaStreamSource(stream);
    // No outputs: browsers pull such a worklet node without a path to the destination.
    const node = new AudioWorkletNode(context, 'emolens-capture', {
      numberOfInputs: 1, numberOfOutputs: 0, channelCountMode: 'max', processorOptions: options,
    });
    let flushed: (() => void) | undefined;
    node.port.onmessage = (event: MessageEvent) => {
      if (event.data instanceof Float32Array) onChunk(event.data);
      else if (event.data?.type === 'flushed') flushed?.();
    };
    source.connect(node);
    if (context.state === 'suspended') await context.resume();
    return {
      sampleRate: context.sampleRate,
      async stop() {
        source.disconnect();
        // Wait (briefly) for the worklet to post its last samples.
        await new Promise<void>((resolve) => { flushed = resolve; node.port.postMessage('flush'); setTimeout(resolve, 200); });
        node.port.onmessage = null;
        node.disconnect();
        await context.close();
      },
    };
  } catch (err) {
    await context.close().catch(() => undefined);
    throw err;
  }
}
