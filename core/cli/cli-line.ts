// How the runtime API reads a line (HAProxy 2.6 management guide §9.3): commands separated by `;`, words by spaces
// or tabs, a backslash making the next character plain (`\;`, `\ `, `\\`); no quoting (2.6.12 keeps `"` as a
// character: `get weight "be/s1"` looks for backend `"be`, measured). A trailing CR is the client's CRLF. Pure;
// stats thread.

/** The commands of one line, each as its words; an empty command (`;;`, a blank line) is an empty array. */
export function splitCommands(line: string): string[][] {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\' && i + 1 < text.length) {
      word += text[++i] ?? '';
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === ';') {
      if (inWord) words.push(word);
      commands.push(words);
      words = [];
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  commands.push(words);
  return commands;
}
