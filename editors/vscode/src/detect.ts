// Content detection for version dumps, shared by activation and tests.
// A dump starts with the News Sniffer source line, or (pipe-table flattening and
// excerpts) has a "Version A | Version B" line within its first ten lines.

const SOURCE_LINE = "This article is from the source '";
const VERSION_LINE = /^Version \d+ \| ?Version \d+/;

export function looksLikeDump(firstLines: readonly string[]): boolean {
  if (firstLines.length === 0) {
    return false;
  }
  const first = firstLines[0].replace(/^\uFEFF/, '');
  if (first.startsWith(SOURCE_LINE)) {
    return true;
  }
  return firstLines.slice(0, 10).some((line) => VERSION_LINE.test(line));
}
