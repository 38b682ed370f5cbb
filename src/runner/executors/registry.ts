import { createClaudeProfile } from './claude.js';
import { createCodexProfile } from './codex.js';
import { createGeminiProfile } from './gemini.js';
import type { ExecutorProfile } from './profile.js';
import type { Price } from './usage-meter.js';
import { SHELL_PROFILE } from './shell.js';

export { SHELL_PROFILE };

/** One `executors:` entry of the config (SPEC §4), as parsed in entry/. */
export interface ExecutorConfig {
  readonly name: string;
  readonly cli: string;
  readonly model: string | null;
  /** claude only: permission prompts go to Switchboard's approve_tool_use MCP tool. */
  readonly permissionPrompts?: boolean | undefined;
  /** Prices tokens for CLIs that print no cost (codex, gemini) and for live metering. */
  readonly price?: Price | null | undefined;
}

/**
 * The profile for a configured executor. Profiles add no permission-bypass flags
 * (`--dangerously-*`, yolo, auto-approve): what an agent may do is the host's config, not ours.
 */
export function createExecutorProfile(config: ExecutorConfig): ExecutorProfile {
  const options = { name: config.name, model: config.model || null, price: config.price ?? null };
  if (config.permissionPrompts && config.cli !== 'claude') {
    throw new Error(`Executor "${config.name}": permission_prompts works with cli claude only`);
  }
  switch (config.cli) {
    case 'claude':
      return createClaudeProfile({ ...options, permissionPrompts: config.permissionPrompts });
    case 'codex':
      return createCodexProfile(options);
    case 'gemini':
      return createGeminiProfile(options);
    default:
      throw new Error(
        `Executor "${config.name}": unknown cli "${config.cli}" (expected claude, codex or ` +
          'gemini; shell commands use the built-in shell profile)',
      );
  }
}
