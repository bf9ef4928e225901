/**
 * Where a session's spoken turns come from: Silero VAD (through the engine, so the model runs in the inference
 * Worker beside the text encoder) by default, the energy VAD when asked for or when Silero cannot run. Silero tells
 * a voice from music, typing or a fan, which an energy threshold cannot; the energy VAD needs no model. A Worker that
 * died or hung and is being restarted is not a reason to give Silero up: the chunk goes again to the new Worker (its
 * Silero state starts afresh). A Silero failure that stays (model file refused, Worker gone for good) falls back to
 * the energy VAD for the rest of the stream, says so once, and loses no audio: the chunk that failed goes to the
 * energy VAD.
 */
import { SileroTurnSegmenter, type FrameScorer } from '../audio/silero-vad.ts';
import { TurnSegmenter, type Turn } from '../audio/vad.ts';
import type { TurnEngine } from './results.ts';

export type VadChoice = 'silero' | 'energy';

let streams = 0;

/** Silero scores from the engine, for one stream id. */
class EngineFrameScorer implements FrameScorer {
  constructor(private readonly engine: Required<Pick<TurnEngine, 'voiceActivity'>>, readonly id: string) {}
  probabilities(frames: Float32Array): Promise<number[]> { return this.engine.voiceActivity(this.id, frames); }
  reset(): void { void this.engine.voiceActivity(this.id, null).catch(() => undefined); }
}

/** The error of a call whose Worker died or hung and is being started again (worker-rpc's WorkerError kinds). */
function restarting(error: unknown): boolean {
  const e = error as { name?: string; kind?: string } | undefined;
  return e?.name === 'WorkerError' && (e.kind === 'died' || e.kind === 'hung');
}

export class VoiceTurns {
  private silero?: SileroTurnSegmenter;
  private scorer?: EngineFrameScorer;
  private energy?: TurnSegmenter;
  /** Samples pushed so far, and where the stream was when the energy VAD took over (its turns count from there). */
  private pushed = 0;
  private energyFrom = 0;
  private chain: Promise<unknown> = Promise.resolve();

  /** `onFallback` hears why Silero was given up (once). */
  constructor(engine: TurnEngine, choice: VadChoice, private readonly onFallback: (reason: string) => void) {
    if (choice === 'silero' && engine.voiceActivity) {
      this.scorer = new EngineFrameScorer(engine as Required<Pick<TurnEngine, 'voiceActivity'>>, `vad-${++streams}-${Date.now()}`);
      this.silero = new SileroTurnSegmenter(this.scorer);
    } else {
      this.energy = new TurnSegmenter();
      if (choice === 'silero') queueMicrotask(() => onFallback('this engine has no Silero model'));
    }
  }

  /** Which VAD makes the turns now. */
  get kind(): VadChoice { return this.silero ? 'silero' : 'energy'; }

  /** Feeds 16 kHz mono samples; resolves with the turns they completed. Calls are taken in order. */
  push(chunk16k: Float32Array): Promise<Turn[]> {
    const own = chunk16k.slice(); // the caller may reuse its buffer while this waits its turn
    const run = this.chain.then(() => this.pushNow(own));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pushNow(chunk: Float32Array): Promise<Turn[]> {
    const at = this.pushed;
    this.pushed += chunk.length;
    if (this.silero) {
      try {
        try {
          return await this.silero.push(chunk);
        } catch (error) {
          // A failed push changed nothing, so the same chunk can go to the restarted Worker.
          if (!restarting(error)) throw error;
          return await this.silero.push(chunk);
        }
      } catch (error) {
        // What Silero had of an open turn is kept; the energy VAD goes on from this chunk, on the same clock.
        const held = this.silero.flush();
        this.silero = undefined;
        this.energy = new TurnSegmenter();
        this.energyFrom = at;
        this.onFallback((error as Error)?.message ?? String(error));
        return [...held, ...this.fromEnergy(this.energy.push(chunk))];
      }
    }
    return this.fromEnergy(this.energy!.push(chunk));
  }

  /** Energy turns on the stream's clock (the energy VAD counts from where it took over). */
  private fromEnergy(turns: Turn[]): Turn[] {
    return this.energyFrom ? turns.map((t) => ({ ...t, startSample: t.startSample + this.energyFrom, endSample: t.endSample + this.energyFrom })) : turns;
  }

  /** Ends the stream: the open turn, if it holds enough speech, after every chunk pushed so far. */
  async flush(): Promise<Turn[]> {
    await this.chain;
    const out = this.silero ? this.silero.flush() : this.fromEnergy(this.energy!.flush());
    this.scorer?.reset();
    return out;
  }
}
