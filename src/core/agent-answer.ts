import { readAgentOutput } from './compression/agent-output.js';

/**
 * The agent's own answer in a CLI's output (claude's result, gemini's response, codex's agent
 * messages), so that two agents are compared on what they said rather than on their JSON
 * envelopes (session ids, costs); the output itself when it holds none of the known shapes
 * (a shell command, a CLI that printed text).
 */
export function agentAnswer(stdout: string): string {
  return readAgentOutput(stdout.split('\n'))?.answer ?? stdout;
}
