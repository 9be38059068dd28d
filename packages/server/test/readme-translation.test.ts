import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string): string => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');

/** Section headings (`##`, `###`), in order: their text differs by language, their number and levels must not. */
function headingLevels(markdown: string): string[] {
  return [...markdown.matchAll(/^(#{2,3}) /gm)].map((m) => m[1]!);
}

/**
 * The fenced code blocks with comments dropped (`# …` in shell, line and block comments in JavaScript), which are the only part of a
 * block that is translated: the commands and code themselves must be the same in both languages.
 */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) =>
    body!
      .split('\n')
      .map((line) =>
        lang === 'sh'
          ? line.replace(/(^|\s)#(?!!).*$/, '')
          : line.replace(/\/\*.*?\*\//g, '').replace(/(^|\s)\/\/.*$/, ''),
      )
      .map((line) => line.trimEnd())
      .filter((line) => line !== '')
      .join('\n'),
  );
}

describe('README.zh-CN.md follows README.md', () => {
  it('has the same sections, at the same levels (a section added to one was missing in the other)', () => {
    expect(headingLevels(read('README.zh-CN.md'))).toEqual(headingLevels(read('README.md')));
  });

  it('has the same commands and code, only the comments translated', () => {
    expect(codeBlocks(read('README.zh-CN.md'))).toEqual(codeBlocks(read('README.md')));
  });
});
