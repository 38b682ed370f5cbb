import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describeError, type DomainError } from '../../core/errors.js';

/** A tool's answer: the JSON for programs (structuredContent) and the same as text for models. */
export function toolResult(value: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value,
  };
}

/**
 * Expected failures come back as `isError` results the model can read and act on, never as
 * protocol errors (those are for malformed calls).
 */
export function toolError(error: DomainError | string): CallToolResult {
  const text = typeof error === 'string' ? error : describeError(error);
  return {
    isError: true,
    content: [{ type: 'text', text }],
    ...(typeof error === 'string'
      ? {}
      : { structuredContent: { error: error.code, message: text } }),
  };
}
