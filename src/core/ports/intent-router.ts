/**
 * An LLM that reads a message the rules were unsure about (an executor profile marked
 * `router`). It answers with text; the core validates it and falls back to the rules.
 */
export interface IntentRouter {
  /** The executor's name, named in the draft's assumptions. */
  readonly name: string;
  /** The model's answer, or null when it had none in time (never throws). */
  ask(prompt: string): Promise<string | null>;
}
