import { readFileSync } from 'node:fs';

/**
 * What README.md says about the CLI, read from the README itself so that the tests compare the
 * program with the documentation as it stands.
 */
export function readReadme(path = 'README.md'): string {
  return readFileSync(path, 'utf8');
}

/** One option as a usage line of the README's CLI table shows it. */
export interface DocumentedOption {
  /** `--redirect-uri` */
  long: string;
  /** Outside any `[...]` or `(... | ...)`: the command refuses to run without it. */
  mandatory: boolean;
  /** Followed by a placeholder (`--email E`, `--type web|spa`): takes a value. */
  takesValue: boolean;
  /** The placeholder lists the allowed values (`web|spa|native`). */
  choices?: string[];
  /** Its `[...]` group is followed by `...`. */
  repeatable: boolean;
}

/** One row of the README's CLI table: `clients:rotate-secret ID [--grace D]`. */
export interface DocumentedCommand {
  name: string;
  usage: string;
  /** Placeholders before the first option (`ID`). */
  positionals: string[];
  options: DocumentedOption[];
}

/** The rows of the table in the README's `## CLI` section. */
export function cliTable(readme: string): DocumentedCommand[] {
  const section = /^## CLI\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (!section) {
    throw new Error('README.md has no "## CLI" section');
  }
  return section
    .split('\n')
    .filter((line) => /^\| `[a-z]+:[a-z-]+/.test(line))
    .map((line) => parseUsage(/^\| `([^`]+)`/.exec(line)![1].replaceAll('\\|', '|')));
}

function parseUsage(usage: string): DocumentedCommand {
  const [name, ...rest] = usage.match(/"[^"]*"|[^\s[\]()]+|[[\]()]/g) ?? [''];
  const positionals: string[] = [];
  const options: DocumentedOption[] = [];
  // The groups the current word is in: '[' optional, '(' one of several.
  const groups: { bracket: string; members: DocumentedOption[] }[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (word === '[' || word === '(') {
      groups.push({ bracket: word, members: [] });
    } else if (word === ']' || word === ')') {
      const group = groups.pop()!;
      if (rest[i + 1]?.startsWith('...')) {
        group.members.forEach((option) => (option.repeatable = true));
      }
    } else if (word.startsWith('--')) {
      const next = rest[i + 1];
      const takesValue = next !== undefined && !/^(--|[[\]()|]|\.\.\.)/.test(next);
      const option: DocumentedOption = {
        long: word,
        mandatory: groups.length === 0,
        takesValue,
        repeatable: false,
        ...(takesValue && next.includes('|') ? { choices: next.split('|') } : {}),
      };
      options.push(option);
      groups.forEach((group) => group.members.push(option));
      if (takesValue) {
        i++;
      }
    } else if (word !== '|' && !word.startsWith('...') && options.length === 0) {
      positionals.push(word);
    }
  }
  return { name, usage, positionals, options };
}

/**
 * Every place the README shows CLI options: inline code spans outside code blocks
 * (`users:create --admin`, `--first-party`) and the `npm run cli -- ...` lines of its shell
 * blocks. `command` is the command the mention names, if it names one.
 */
export function optionMentions(
  readme: string,
): { text: string; command?: string; options: string[] }[] {
  const mentions: string[] = [];
  let fence: string | undefined;
  for (const line of readme.split('\n')) {
    const opening = /^```(\w*)/.exec(line);
    if (opening) {
      fence = fence === undefined ? opening[1] : undefined;
      continue;
    }
    if (fence === undefined) {
      mentions.push(...[...line.matchAll(/`([^`]+)`/g)].map((match) => match[1]));
    } else if (fence === 'sh' && line.startsWith('npm run cli -- ')) {
      mentions.push(line);
    }
  }
  return mentions
    .map((text) => ({
      text,
      command: /(?:^|\s)([a-z]+:[a-z-]+)/.exec(text)?.[1],
      options: [...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0]),
    }))
    .filter((mention) => mention.options.length > 0);
}

/** A `npm run cli -- ...` line of one of the README's shell blocks, as the CLI receives it. */
export interface CliExample {
  line: string;
  args: string[];
  /** What `<<< 'text'` feeds it (the shell adds a newline), or what a person types. */
  stdin?: string;
}

/** What a person types, then Ctrl-D, when an example reads a password from the terminal. */
export const TYPED_PASSWORD = 'a typed passphrase, long enough\n';

export function cliExamples(readme: string): CliExample[] {
  const examples: CliExample[] = [];
  let fence: string | undefined;
  for (const line of readme.split('\n')) {
    const opening = /^```(\w*)/.exec(line);
    if (opening) {
      fence = fence === undefined ? opening[1] : undefined;
    } else if (fence === 'sh' && line.startsWith('npm run cli -- ')) {
      const words = shellWords(line.slice('npm run cli -- '.length));
      const hereString = words.indexOf('<<<');
      examples.push(
        hereString === -1
          ? {
              line,
              args: words,
              stdin: words.includes('--password-stdin') ? TYPED_PASSWORD : undefined,
            }
          : { line, args: words.slice(0, hereString), stdin: `${words[hereString + 1]}\n` },
      );
    }
  }
  return examples;
}

/** Splits a command line as a POSIX shell would, for the quoting the README uses. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === "'" || char === '"') {
      const end = line.indexOf(char, i + 1);
      if (end === -1) {
        throw new Error(`unterminated ${char} in: ${line}`);
      }
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(char)) {
      if (word !== undefined) {
        words.push(word);
      }
      word = undefined;
    } else if (char === '#' && word === undefined) {
      break; // a comment
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) {
    words.push(word);
  }
  return words;
}
