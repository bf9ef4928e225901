/**
 * The demo's transcript source for voice turns: what was typed in the text box while speaking, if anything (it is
 * taken and the box cleared), otherwise what the chosen adapter heard (none for the typed-only choice).
 */
import type { SpeechToText, TurnAudio } from '../stt/speech-to-text.ts';

export class TypedFirst implements SpeechToText {
  readonly id: string;
  readonly label: string;
  readonly onDevice: boolean;

  constructor(private readonly takeTyped: () => string | undefined, private readonly inner?: SpeechToText) {
    this.id = inner ? `typed+${inner.id}` : 'typed';
    this.label = inner ? `typed, else ${inner.label}` : 'typed (text box)';
    this.onDevice = inner?.onDevice ?? true;
  }

  start(stream?: MediaStream): Promise<void> { return this.inner?.start(stream) ?? Promise.resolve(); }

  async transcribe(turn: TurnAudio): Promise<string | undefined> {
    return this.takeTyped() ?? this.inner?.transcribe(turn);
  }

  stop(): void { this.inner?.stop(); }
  dispose(): Promise<void> { return this.inner?.dispose() ?? Promise.resolve(); }
}
