/**
 * Splits a command the way a POSIX shell splits words — quotes and backslashes only. Anything
 * that needs a shell to mean what it says (pipes, `;`, `&&`, redirections, `$(…)`, globs,
 * variables) makes it a `sh -c` command instead, which is never on the allow-list and so
 * always waits for an approval. Null for an empty or unterminated command.
 */
export function commandToArgv(command: string): string[] | null {
  const text = command.trim();
  if (!text || text.includes('\0')) return null;
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let needsShell = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text.charAt(j) !== '"'; j++) {
        const d = text.charAt(j);
        if (d === '$' || d === '`') needsShell = true;
        if (d === '\\' && '"\\$`'.includes(text.charAt(j + 1))) j++;
        word += text.charAt(j);
      }
      if (j >= text.length) return null;
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return null;
      word += text.charAt(++i);
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      if (';&|<>()$`*?[]{}~\n#'.includes(c) && !(c === '#' && inWord)) needsShell = true;
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0) return null;
  // `NAME=value cmd` is an assignment only a shell understands.
  if (words[0]?.includes('=')) needsShell = true;
  return needsShell ? ['sh', '-c', text] : words;
}
