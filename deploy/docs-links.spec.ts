// Every relative link in the README and docs/ leads somewhere: the file exists and, for a markdown file with an
// #anchor, a heading of that anchor does (GitHub's slugs). The README is a landing page, so a moved section must stay
// one click away.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const root = new URL('..', import.meta.url).pathname;
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchor: lower case, punctuation other than '-' and '_' dropped, spaces to '-'. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

function links(page: string): { target: string; anchor: string | undefined }[] {
  const text = readFileSync(join(root, page), 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/.test(href))
    .map((href) => {
      const [path, anchor] = href.split('#');
      return { target: path ? join(dirname(join(root, page)), path) : join(root, page), anchor };
    });
}

describe('links in the README and docs/', () => {
  it.each(pages)('every relative link of %s resolves', (page) => {
    const broken = links(page)
      .filter(({ target, anchor }) => !existsSync(target) || (anchor && target.endsWith('.md') && !anchors(target).has(anchor)))
      .map(({ target, anchor }) => `${relative(root, target)}${anchor ? `#${anchor}` : ''}`);
    expect(broken).toEqual([]);
  });

  it('the README links every page under docs/ and stays a landing page', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const page of pages.filter((p) => p.startsWith('docs/'))) expect(readme).toContain(`](${page})`);
    expect(Buffer.byteLength(readme)).toBeLessThan(12 * 1024);
  });
});
