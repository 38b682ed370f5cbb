// The stand-in claude and the executors of the escalation-ladder suites (HTTP and chat).
// A stand-in claude: haiku always fails (is_error, exit 1); sonnet fails prompts that say
// "hard", "tricky" or "doomed" and times out on "slow"; opus fails "tricky" and "doomed";
// max and ultra (the consensus pair: configured, not on the ladder) fail only "doomed".
// Each run costs something, as real ones do.
export const LADDER_CLAUDE = `#!/bin/sh
model=""
for a in "$@"; do case "$a" in --model=*) model="\${a#--model=}" ;; esac; done
prompt=$(cat)
fail() { printf '{"type":"result","subtype":"error","is_error":true,"result":"%s could not do it","total_cost_usd":%s}\\n' "$model" "$1"; exit 1; }
case "$model" in
  haiku) fail 0.01 ;;
  sonnet) case "$prompt" in *hard*|*tricky*|*doomed*) fail 0.05 ;; *slow*) sleep 30 ;; esac ;;
  opus) case "$prompt" in *tricky*|*doomed*) fail 0.3 ;; esac ;;
  *) case "$prompt" in *doomed*) fail 0.02 ;; esac ;;
esac
printf '{"type":"result","subtype":"success","is_error":false,"result":"The fix: retry once.\\\\ndone by %s","total_cost_usd":0.2}\\n' "$model"
`;

export const LADDER_EXECUTORS = [
  'executors:',
  '  - { name: claude-haiku, cli: claude, model: haiku }',
  '  - { name: claude-sonnet, cli: claude, model: sonnet }',
  '  - { name: claude-opus, cli: claude, model: opus }',
  '  - { name: claude-max, cli: claude, model: max }',
  '  - { name: claude-ultra, cli: claude, model: ultra }',
  'ladder: [claude-haiku, claude-sonnet, claude-opus, consensus, human]',
];
