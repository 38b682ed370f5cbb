import { describe, expect, it } from 'vitest';
import { agentAnswer } from '../../src/core/agent-answer.js';

describe('agentAnswer: what the agent said, not its envelope', () => {
  it('reads claude json and the last result event of stream-json', () => {
    expect(agentAnswer('{"type":"result","result":"A\\nB","session_id":"x"}')).toBe('A\nB');
    const stream = [
      '{"type":"system","session_id":"s"}',
      '{"type":"assistant","message":{}}',
      '{"type":"result","result":"final","total_cost_usd":0.1}',
    ].join('\n');
    expect(agentAnswer(stream)).toBe('final');
  });
  it('reads gemini json and codex agent messages', () => {
    expect(agentAnswer('{"response":"hi there","stats":{}}')).toBe('hi there');
    const codex = [
      '{"type":"thread.started","thread_id":"t"}',
      '{"type":"item.completed","item":{"type":"reasoning","text":"hmm"}}',
      '{"type":"item.completed","item":{"type":"agent_message","text":"one"}}',
      '{"type":"item.completed","item":{"type":"agent_message","text":"two"}}',
      '{"type":"turn.completed","usage":{"input_tokens":1}}',
    ].join('\n');
    expect(agentAnswer(codex)).toBe('one\ntwo');
  });
  it('keeps anything else as it is', () => {
    expect(agentAnswer('plain text\nfrom a script\n')).toBe('plain text\nfrom a script\n');
    expect(agentAnswer('{"type":"result"}')).toBe('{"type":"result"}');
    expect(agentAnswer('')).toBe('');
  });
});
