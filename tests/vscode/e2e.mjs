// End-to-end checks of editors/vscode in real VS Code (code-server) driven through
// headless Chromium (run by tests/vscode/run.sh, which starts code-server).
// Usage: node e2e.mjs URL WORKSPACE_DIR ORACLE_DIR SCREENSHOT_DIR
// ORACLE_DIR holds old10.txt, changes.txt, v1.txt (the example dump) and, for the series
// in WORKSPACE_DIR/series/, series-chain.json (`palimpsest export` of all its dumps) and
// series-own.json (`palimpsest export` of SERIES_DUMP alone).
// E2E_HISTORY_SHOT=FILE saves a screenshot of the series hover (for looking at it).
// Prints one line per check and a line "#result PASSED FAILED".

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [url, workspace, oracleDir, shotDir] = process.argv.slice(2);
const require = createRequire(process.env.PLAYWRIGHT_FROM ?? import.meta.url);
const { chromium } = require('playwright-core');

const DUMP = 'south-korea-japan-gsomia.txt';
const PLAIN = 'notes.txt';
const VDUMP = 'saved.vdump';
const SERIES_DUMP = 'voa-darfur-peacekeeping-v1-v2.txt'; // the middle dump of series/
const LANGUAGE_NAME = 'Version Dump';

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   vscode: ${name}`);
  } else {
    failed++;
    console.log(`FAIL vscode: ${name}${detail ? ` -- ${detail}` : ''}`);
  }
  return ok;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls fn until it returns a truthy value or the time runs out; returns the last value. */
async function until(fn, timeoutMs = 20000, stepMs = 250) {
  const end = Date.now() + timeoutMs;
  let value;
  for (;;) {
    try {
      value = await fn();
    } catch {
      value = undefined;
    }
    if (value || Date.now() > end) {
      return value;
    }
    await sleep(stepMs);
  }
}

const words = (s) => (s.match(/[\p{L}\p{N}’'-]+/gu) ?? []).join(' ');

const old10 = fs.readFileSync(path.join(oracleDir, 'old10.txt'), 'utf8').trim();
const changes = fs.readFileSync(path.join(oracleDir, 'changes.txt'), 'utf8').trim().split(/\s+/).map(Number);
const v1Title = fs.readFileSync(path.join(oracleDir, 'v1.txt'), 'utf8').split('\n')[0];


// History across dumps, expected: the paragraph of each row of the series dump followed
// through the rows of `palimpsest export ALL_DUMPS` (each step's rows, by paragraph
// position), independently of the server's hover code.
const nospace = (s) => s.replace(/\s+/g, '');
function seriesExpectation() {
  const chain = JSON.parse(fs.readFileSync(path.join(oracleDir, 'series-chain.json'), 'utf8'));
  const own = JSON.parse(fs.readFileSync(path.join(oracleDir, 'series-own.json'), 'utf8'));
  const byOld = new Map();
  const byNew = new Map();
  let middle;
  for (const st of chain.steps) {
    const s = { older: st.versions[0].number, newer: st.versions[1].number, rows: [] };
    let oi = 0;
    let ni = 0;
    for (const r of st.rows) {
      s.rows.push({ line: r.line, old: r.old, new: r.new, oi: r.old != null ? ++oi : null, ni: r.new != null ? ++ni : null });
    }
    byOld.set(s.older, s);
    byNew.set(s.newer, s);
    if (s.older === own.versions[0].number && s.newer === own.versions[1].number) {
      middle = s;
    }
  }
  if (!middle) {
    return { error: `no step of the chain shows versions ${own.versions[0].number} → ${own.versions[1].number}` };
  }
  const historyOf = (row) => {
    const h = [];
    let [number, idx, text] = [middle.older, row.oi, row.old];
    while (idx != null) {
      h.unshift({ number, text });
      const s = byNew.get(number);
      const r = s?.rows.find((x) => x.ni === idx);
      if (!r) break;
      [number, idx, text] = [s.older, r.oi, r.old];
    }
    [number, idx, text] = [middle.newer, row.ni, row.new];
    while (idx != null) {
      h.push({ number, text });
      const s = byOld.get(number);
      const r = s?.rows.find((x) => x.oi === idx);
      if (!r) break;
      [number, idx, text] = [s.newer, r.ni, r.new];
    }
    return h;
  };
  // Words not shared by consecutive wordings: how much the paragraph changed.
  const churn = (h) => {
    let n = 0;
    for (let i = 1; i < h.length; i++) {
      const a = h[i - 1].text.split(/\s+/);
      const b = h[i].text.split(/\s+/);
      const count = (xs) => xs.reduce((m, w) => m.set(w, (m.get(w) ?? 0) + 1), new Map());
      const ca = count(a);
      const cb = count(b);
      for (const [w, k] of ca) n += Math.max(0, k - (cb.get(w) ?? 0));
      for (const [w, k] of cb) n += Math.max(0, k - (ca.get(w) ?? 0));
    }
    return n;
  };
  // The longest history (at least three versions) that changes; the most changed of those.
  let pick;
  for (const row of middle.rows) {
    const h = historyOf(row);
    const c = churn(h);
    if (h.length >= 3 && c > 0 && (!pick || h.length > pick.expected.length
        || (h.length === pick.expected.length && c > pick.churn))) {
      pick = { line: row.line, expected: h, churn: c };
    }
  }
  if (!pick) {
    return { error: 'no row of the series dump has a paragraph in at least 3 versions that changes' };
  }
  const versions = new Map(chain.versions.map((v) => [v.number, v]));
  const stray = pick.expected.filter((e) => !versions.get(e.number)?.paragraphs.includes(e.text));
  if (stray.length > 0) {
    return { error: `followed wordings not in their chain versions: ${stray.map((e) => e.number).join(', ')}` };
  }
  return pick;
}

/** The History section of a rendered hover: per version, the label and the body's
 * words with struck-through (del/s) and bold (strong/b) runs told apart. */
async function renderedHistory(hover) {
  return hover.evaluate((root) => {
    const ps = [...root.querySelectorAll('p')];
    const at = ps.findIndex((p) => p.textContent.trim() === 'History');
    if (at < 0) {
      return null;
    }
    const out = [];
    for (const p of ps.slice(at + 1)) {
      const label = p.querySelector('em');
      const m = label && /^Version (\d+)/.exec(label.textContent.trim());
      if (!m) {
        continue;
      }
      const body = [...p.childNodes].filter((n) => n !== label);
      const text = (skip) => body.map((n) => {
        if (n.nodeType !== 1) return n.textContent;
        if (n.matches(skip)) return ' ';
        const c = n.cloneNode(true);
        c.querySelectorAll(skip).forEach((x) => x.replaceWith(' '));
        return c.textContent;
      }).join('');
      const marks = body.filter((n) => n.nodeType === 1);
      out.push({
        number: Number(m[1]),
        label: label.textContent.trim().replace(/:$/, ''),
        all: text('#none'),
        older: text('strong, b'),
        newer: text('del, s, strike'),
        struck: marks.some((n) => n.matches('del, s, strike') || n.querySelector('del, s, strike')),
        bold: marks.some((n) => n.matches('strong, b') || n.querySelector('strong, b')),
      });
    }
    return out;
  });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
  ],
});

let page;
async function statusText(id) {
  return (await page.locator(`[id="${id}"]`).first().innerText({ timeout: 2000 })).trim();
}

async function notifications() {
  const texts = await page.locator('.notification-toast, .notifications-list-container .monaco-list-row').allInnerTexts();
  return texts.map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/** Runs a command through the command palette (F1), retrying when the palette is slow. */
async function runCommand(label) {
  for (let attempt = 0; attempt < 4; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    if (!(await input.isVisible().catch(() => false))) {
      await input.waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
    }
    if (!(await input.isVisible().catch(() => false))) {
      continue;
    }
    await input.fill(`>${label}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    if (await row.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) {
      await page.keyboard.press('Enter');
      return true;
    }
    const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
    const tabs = await page.locator('.tab.active .label-name').allInnerTexts();
    const mode = await statusText('status.editor.mode').catch(() => '?');
    console.log(`#debug palette for "${label}" shows: ${JSON.stringify(rows.slice(0, 3))}; active tabs ${JSON.stringify(tabs)}; mode ${mode}`);
  }
  return false;
}

/** Opens a workspace file with Quick Open (Ctrl+P). */
async function openFile(name) {
  for (let attempt = 0; attempt < 4; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    if (!(await input.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false))) {
      continue;
    }
    await input.fill(name);
    // The exact file, not a history entry such as "NAME: version 0 ↔ version 1".
    const exact = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = page.locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
    if (await row.waitFor({ state: 'visible', timeout: 8000 }).then(() => true, () => false)) {
      await row.click();
      const active = await until(async () => {
        const labels = await page.locator('.tab.active .label-name').allInnerTexts();
        return labels.some((label) => label.trim() === name);
      }, 8000);
      if (active) {
        return true;
      }
    }
  }
  return false;
}

async function goToLine(line) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    if (await input.waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) {
      await input.fill(`:${line}`);
      await sleep(200);
      await page.keyboard.press('Enter');
      const ok = await until(async () => (await statusText('status.editor.selection')).startsWith(`Ln ${line},`), 5000);
      if (ok) {
        return true;
      }
    }
  }
  return false;
}

async function focusEditor() {
  // Keyboard only: a click could land on a code lens or a link.
  await runCommand('View: Focus Active Editor Group');
  await sleep(300);
}

try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60000 });
  // Let the extension host come up.
  await until(() => page.locator('[id="status.host"], .statusbar').first().isVisible(), 30000);
  await sleep(2000);

  // --- the dump -------------------------------------------------------------
  const opened = await openFile(DUMP);
  check(`${DUMP} opens`, opened);

  const mode = await until(async () => {
    const text = await statusText('status.editor.mode');
    return text === LANGUAGE_NAME ? text : undefined;
  }, 45000);
  check(`language mode switches to "${LANGUAGE_NAME}"`, mode === LANGUAGE_NAME,
    `status bar says "${await statusText('status.editor.mode').catch(() => '?')}"; notifications: ${JSON.stringify(await notifications())}`);

  const squiggles = await until(async () => (await page.locator('.squiggly-info, .squiggly-warning').count()) > 0, 30000);
  check('diagnostics are drawn in the editor', !!squiggles, JSON.stringify(await notifications()));

  const status = await until(async () => {
    const texts = await page.locator('.statusbar-item').allInnerTexts();
    return texts.find((t) => /v\d+ → v\d+ · \d+ changes?/.test(t));
  }, 20000);
  check('status bar shows "vA → vB · N changes"', !!status, 'not found');

  // Hover on line 10 shows the earlier wording.
  await focusEditor();
  await goToLine(10);
  let hoverText = '';
  const hovered = await until(async () => {
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover:not(.hidden)').first();
    await hover.waitFor({ state: 'visible', timeout: 4000 });
    hoverText = await hover.innerText();
    return words(hoverText).includes(words(old10));
  }, 30000, 500);
  check('hover on line 10 shows the earlier wording', !!hovered, `hover: ${hoverText.slice(0, 300)}`);
  await page.mouse.move(150, 700); // away from tooltips (breadcrumbs, tabs)
  await sleep(800);
  fs.mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: path.join(shotDir, 'vscode-example.png') });
  await page.keyboard.press('Escape');

  // Alt+] goes to the next changed passage.
  await goToLine(1);
  await page.keyboard.press('Alt+BracketRight');
  const moved = await until(async () => (await statusText('status.editor.selection')).startsWith(`Ln ${changes[0]},`), 10000);
  check(`Alt+] moves to the next changed passage (line ${changes[0]})`, !!moved,
    `cursor: ${await statusText('status.editor.selection').catch(() => '?')}`);
  await page.keyboard.press('Alt+BracketRight');
  await page.keyboard.press('Alt+BracketLeft');
  const back = await until(async () => (await statusText('status.editor.selection')).startsWith(`Ln ${changes[0]},`), 10000);
  check('Alt+[ moves back to the previous changed passage', !!back,
    `cursor: ${await statusText('status.editor.selection').catch(() => '?')}`);

  // Code lenses from the server are shown.
  const lenses = await until(async () => (await page.locator('.contentWidgets .codelens-decoration a, .codelens-decoration a').count()) > 0, 15000);
  check('code lenses are shown', !!lenses);

  // A passage lens runs palimpsest.showEarlierWording: it moves there and opens the hover.
  await page.keyboard.press('Escape');
  const wordingLens = page.locator('.codelens-decoration a', { hasText: /wording/i }).first();
  const wordingShown = await wordingLens.waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false);
  let wordingHover = '';
  if (wordingShown) {
    await wordingLens.click();
    await until(async () => {
      const hover = page.locator('.monaco-hover:not(.hidden)').first();
      wordingHover = (await hover.isVisible()) ? await hover.innerText() : '';
      return /Version \d/.test(wordingHover);
    }, 10000);
  }
  check('a "… wording" lens opens the hover of its passage', /Version \d/.test(wordingHover),
    `lens visible: ${wordingShown}; hover: ${wordingHover.slice(0, 200)}`);
  await page.keyboard.press('Escape');
  await page.mouse.move(150, 700);

  // A code lens runs its client-side command: "Open Version 0" opens version 0.
  const lens = page.locator('.codelens-decoration a', { hasText: 'Open Version 0' }).first();
  const lensShown = await lens.waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false);
  if (lensShown) {
    await lens.click();
  }
  const lensOpened = lensShown && await until(async () => {
    const labels = await page.locator('.tab.active .label-name').allInnerTexts();
    return labels.some((label) => label.includes('-v0.txt'));
  }, 15000);
  check('clicking the "Open Version 0" lens opens version 0', !!lensOpened, `lens visible: ${lensShown}`);
  if (lensOpened) {
    // It opened beside the dump: close it, which closes that editor group too.
    await runCommand('View: Close Editor');
    await until(async () => (await page.locator('.tab .label-name', { hasText: '-v0.txt' }).count()) === 0, 5000);
  }
  await openFile(DUMP);

  // Compare Versions opens a diff editor with both versions.
  await focusEditor();
  const ran = await runCommand('Palimpsest: Compare Versions');
  const diff = await until(async () => (await page.locator('.monaco-diff-editor').count()) > 0
    && (await page.locator('.tab.active', { hasText: '↔' }).count()) > 0, 30000);
  check('Compare Versions opens a diff editor', ran && !!diff, `palette ran: ${ran}; notifications: ${JSON.stringify(await notifications())}`);
  const diffShowsText = await until(async () => {
    const text = async (side) =>
      (await page.locator(`.monaco-diff-editor .editor.${side} .view-lines`).first().innerText()).replace(/\u00a0/g, ' ');
    const modified = await text('modified');
    const original = await text('original');
    const changed = await page.locator('.monaco-diff-editor .line-insert, .monaco-diff-editor .char-insert, .monaco-diff-editor .gutter-insert').count();
    return words(modified).includes(words(v1Title)) && original.length > 0 && changed > 0;
  }, 20000);
  check('the diff editor holds both version texts and marks changes', !!diffShowsText);
  await page.screenshot({ path: path.join(shotDir, 'vscode-compare.png') });

  // Open Version… asks for a version and opens its text read-only.
  await openFile(DUMP);
  await focusEditor();
  const ranOpen = await runCommand('Palimpsest: Open Version');
  const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Version 1' }).first();
  const picked = ranOpen && (await pick.waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false));
  if (picked) {
    await pick.click();
  }
  const versionTab = await until(async () => (await page.locator('.tab.active', { hasText: '-v1.txt' }).count()) > 0
    && (await statusText('status.editor.mode')) === 'Article Version', 20000);
  const versionShown = versionTab && await until(async () => {
    const text = (await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText())
      .replace(/\u00a0/g, ' ');
    return words(text).includes(words(v1Title));
  }, 10000);
  check('Open Version… picks version 1 and opens its text', !!versionShown,
    `palette ran: ${ranOpen}; pick shown: ${picked}; tab: ${versionTab}`);

  // Settings reach the server: unticking "Diagnostics: Passages" in the Settings editor
  // removes the passage squiggles (didChangeConfiguration, then the server republishes).
  await openFile(DUMP);
  const before = await page.locator('.squiggly-info').count();
  let ticked = false;
  if (await runCommand('Preferences: Open User Settings')) {
    const editor = page.locator('.settings-editor');
    if (await editor.waitFor({ state: 'visible', timeout: 15000 }).then(() => true, () => false)) {
      await sleep(1000);
      await page.keyboard.type('palimpsest.diagnostics.passages', { delay: 20 });
      const box = page.locator('.setting-item-bool', { hasText: 'Passages' }).locator('.setting-value-checkbox').first();
      if (await box.waitFor({ state: 'visible', timeout: 15000 }).then(() => true, () => false)) {
        if ((await box.getAttribute('aria-checked')) === 'true') {
          await box.click();
        }
        ticked = (await until(async () => (await box.getAttribute('aria-checked')) === 'false', 5000)) === true;
      }
    }
  }
  await openFile(DUMP);
  const gone = ticked && await until(async () => (await page.locator('.squiggly-info').count()) < before, 20000);
  check('a changed palimpsest.diagnostics setting reaches the server', before > 0 && !!gone,
    `unticked in Settings: ${ticked}; info squiggles before: ${before}, after: ${await page.locator('.squiggly-info').count()}`);

  // --- a dump saved as .vdump --------------------------------------------------
  const vdumpOpened = await openFile(VDUMP);
  const vdumpMode = vdumpOpened && await until(async () => (await statusText('status.editor.mode')) === LANGUAGE_NAME, 20000);
  check(`${VDUMP} opens as "${LANGUAGE_NAME}"`, !!vdumpMode,
    `status bar says "${await statusText('status.editor.mode').catch(() => '?')}"`);

  // --- a plain text file that is not a dump ----------------------------------
  const plainOpened = await openFile(PLAIN);
  check(`${PLAIN} opens`, plainOpened);
  await sleep(3000);
  const plainMode = await until(async () => {
    const text = await statusText('status.editor.mode');
    return text === 'Plain Text' ? text : undefined;
  }, 15000);
  await sleep(2000);
  const stillPlain = (await statusText('status.editor.mode').catch(() => '?')) === 'Plain Text';
  check('a plain .txt that is not a dump stays Plain Text', plainMode === 'Plain Text' && stillPlain,
    `status bar says "${await statusText('status.editor.mode').catch(() => '?')}"`);

  // --- a series: hover shows the paragraph's whole history --------------------
  const series = seriesExpectation();
  const wantNumbers = series.expected?.map((e) => e.number) ?? [];
  let seriesProblems = series.error ? [series.error] : [];
  let seriesHover = '';
  if (!series.error) {
    const seriesOpened = await openFile(SERIES_DUMP);
    const seriesMode = seriesOpened && await until(async () => (await statusText('status.editor.mode')) === LANGUAGE_NAME, 30000);
    if (!seriesMode) {
      seriesProblems.push(`${SERIES_DUMP} opened: ${seriesOpened}; mode "${await statusText('status.editor.mode').catch(() => '?')}"`);
    } else {
      await focusEditor();
      await goToLine(series.line);
      // The server indexes the folder on the first request that needs it: hover until
      // the History section is there.
      let entries = null;
      await until(async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        const hover = page.locator('.monaco-hover:not(.hidden)').first();
        await hover.waitFor({ state: 'visible', timeout: 4000 });
        seriesHover = await hover.innerText();
        entries = await renderedHistory(hover);
        return entries && entries.length > 0;
      }, 30000, 500);
      const got = (entries ?? []).map((e) => e.number);
      if (!entries) {
        seriesProblems.push('no History section');
      } else if (JSON.stringify(got) !== JSON.stringify(wantNumbers)) {
        seriesProblems.push(`versions ${JSON.stringify(got)}, expected ${JSON.stringify(wantNumbers)}`);
      } else {
        entries.forEach((e, i) => {
          const want = series.expected[i].text;
          const before = i > 0 ? series.expected[i - 1].text : null;
          if (i === 0) {
            if (nospace(e.all) !== nospace(want)) {
              seriesProblems.push(`${e.label} shows "${e.all}", expected "${want}"`);
            }
          } else if (want === before) {
            if (e.all.trim() !== '(unchanged)') {
              seriesProblems.push(`${e.label} shows "${e.all}", expected (unchanged)`);
            }
          } else if (!(e.struck || e.bold) || nospace(e.older) !== nospace(before) || nospace(e.newer) !== nospace(want)) {
            seriesProblems.push(`${e.label}: the word diff (older: "${e.older}", newer: "${e.newer}") does not turn "${before}" into "${want}"`);
          }
        });
      }
      if (process.env.E2E_HISTORY_SHOT) {
        await page.screenshot({ path: process.env.E2E_HISTORY_SHOT });
      }
      if (seriesProblems.length > 0) {
        fs.mkdirSync(shotDir, { recursive: true });
        await page.screenshot({ path: path.join(shotDir, 'vscode-failure.png') });
      }
      await page.keyboard.press('Escape');
    }
  }
  check(`hover on line ${series.line ?? '?'} of ${SERIES_DUMP} shows the History of versions ${wantNumbers.join(', ')}, `
    + 'oldest first, each step as a word diff', seriesProblems.length === 0,
    `${seriesProblems.join('; ')}; hover: ${seriesHover.slice(0, 400)}`);
} catch (err) {
  check('scenario ran without an exception', false, String(err && err.stack ? err.stack : err));
  try {
    fs.mkdirSync(shotDir, { recursive: true });
    await page?.screenshot({ path: path.join(shotDir, 'vscode-failure.png') });
  } catch {
    // no page
  }
} finally {
  await browser.close();
}
console.log(`#result ${passed} ${failed}`);
process.exit(failed > 0 ? 1 : 0);
