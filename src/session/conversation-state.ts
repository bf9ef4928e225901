/**
 * The state of one conversation, as plain data: the turns the fusion reads, the speakers' slots, the latest results
 * (their transcripts are the text context) and the turn count. The engine's Conversation keeps it, and the page keeps
 * a copy built by the same `recordTurn`, so a restarted inference Worker goes on with the same conversation
 * (`Conversation.restore`). No tfjs here: the page's thread imports it.
 */
import type { TurnFeatures } from '../fusion/batch.ts';
import type { TurnEmbeddings, TurnResult } from './results.ts';

export interface ConversationState {
  /** Turns so far (at most the fusion's window), oldest first. */
  turns: (TurnFeatures & { speaker: string })[];
  /** Speaker names in the order they were first seen: a name's slot is its position, capped at maxSpeakers − 1. */
  speakers: string[];
  /** The latest results (at most RESULTS_KEPT), oldest first. */
  results: TurnResult[];
  /** Turns added since the conversation began (the next turn's index). */
  count: number;
}

/** The fusion's limits the state is kept within. */
export interface ConversationLimits { maxTurns: number; maxSpeakers: number }

/** Results kept for the text encoder's context (it reads a few past turns; more would only grow memory). */
export const RESULTS_KEPT = 64;

export function emptyConversation(): ConversationState {
  return { turns: [], speakers: [], results: [], count: 0 };
}

/** The fusion's speaker slot for `speaker` in `state` (a new name gets the next free slot). */
export function speakerSlot(state: ConversationState, speaker: string, limits: ConversationLimits): number {
  const known = state.speakers.indexOf(speaker);
  return Math.min(known >= 0 ? known : state.speakers.length, limits.maxSpeakers - 1);
}

/** The turn as the fusion reads it, in `state`'s speaker slots. */
export function turnFeatures(state: ConversationState, turn: TurnEmbeddings, limits: ConversationLimits): TurnFeatures & { speaker: string } {
  return { text: turn.text, audio: turn.audio, face: turn.face, quality: turn.quality, speakerSlot: speakerSlot(state, turn.speaker, limits), speaker: turn.speaker };
}

/** Adds an accepted turn and its result to `state`, keeping it within the limits. */
export function recordTurn(state: ConversationState, turn: TurnEmbeddings, result: TurnResult, limits: ConversationLimits): void {
  const entry = turnFeatures(state, turn, limits);
  // Names past maxSpeakers − 1 all share the last slot, so only that many need remembering.
  if (!state.speakers.includes(turn.speaker) && state.speakers.length < limits.maxSpeakers) state.speakers.push(turn.speaker);
  state.turns.push(entry);
  if (state.turns.length > limits.maxTurns) state.turns.splice(0, state.turns.length - limits.maxTurns);
  state.results.push(result);
  if (state.results.length > RESULTS_KEPT) state.results.splice(0, state.results.length - RESULTS_KEPT);
  state.count++;
}

/** A deep enough copy to hand to another engine (embeddings are shared: they are never written to). */
export function copyConversation(state: ConversationState): ConversationState {
  return { turns: state.turns.map((t) => ({ ...t })), speakers: [...state.speakers], results: [...state.results], count: state.count };
}
