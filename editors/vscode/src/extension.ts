// Palimpsest for VS Code: starts `palimpsest lsp` for version dumps and adds the
// commands, status bar item and virtual version documents around it.

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { looksLikeDump } from './detect';

const LANGUAGE_ID = 'versiondump';
const VERSION_LANGUAGE_ID = 'versiontext';
const SCHEME = 'palimpsest';
const README_URL = 'README.md';

interface LspPosition { line: number; character: number }
interface LspRange { start: LspPosition; end: LspPosition }

interface VersionText {
  uri: string;
  number: number;
  title: string;
  text: string;
  paragraphs: { range: LspRange; line: number; row: number }[];
}

interface Summary {
  versions: [number, number];
  caption?: string | null;
  edited?: number;
  rewritten?: number;
  added?: number;
  removed?: number;
  moved?: number;
  ambiguous?: number;
  changes?: number;
  line?: string;
}

let client: LanguageClient | undefined;
let starting: Promise<LanguageClient | undefined> | undefined;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
let extensionUri: vscode.Uri;
const versionChanged = new vscode.EventEmitter<vscode.Uri>();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionUri = context.extensionUri;
  output = vscode.window.createOutputChannel('Palimpsest');
  statusItem = vscode.window.createStatusBarItem('palimpsest.summary', vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'Palimpsest Versions';
  statusItem.command = 'palimpsest.compareVersions';
  context.subscriptions.push(output, statusItem, versionChanged);

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
      onDidChange: versionChanged.event,
      provideTextDocumentContent: (uri) => provideVersionText(uri),
    }),
    vscode.commands.registerCommand('palimpsest.openVersion', openVersion),
    vscode.commands.registerCommand('palimpsest.compareVersions', compareVersions),
    vscode.commands.registerCommand('palimpsest.showEarlierWording', showEarlierWording),
    vscode.commands.registerCommand('palimpsest.goToNextChange', () => moveToChange('palimpsest.nextChange')),
    vscode.commands.registerCommand('palimpsest.goToPreviousChange', () => moveToChange('palimpsest.previousChange')),
    vscode.commands.registerCommand('palimpsest.restartServer', restartServer),
  );

  // Plain Text owns `.txt`, so `firstLine` never applies there: look at the content ourselves.
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((doc) => void onDocument(doc)),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document.isUntitled && event.document.languageId === 'plaintext') {
        void onDocument(event.document);
      } else if (event.document.languageId === LANGUAGE_ID) {
        scheduleStatusUpdate();
        refreshVersionsOf(event.document.uri);
      }
    }),
    vscode.window.onDidChangeActiveTextEditor(() => scheduleStatusUpdate()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('palimpsest.server')) {
        void restartServer();
      } else if (event.affectsConfiguration('palimpsest')) {
        scheduleStatusUpdate();
      }
    }),
  );
  // Documents opened before activation (activation must not wait for the server).
  void Promise.all(vscode.workspace.textDocuments.map((doc) => onDocument(doc)));
  scheduleStatusUpdate();
}

export async function deactivate(): Promise<void> {
  if (client) {
    const c = client;
    client = undefined;
    await c.stop();
  }
}

async function onDocument(doc: vscode.TextDocument): Promise<void> {
  if (doc.languageId === 'plaintext' && config().get<boolean>('detectByContent', true)) {
    if (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled' || doc.uri.scheme === 'vscode-remote') {
      if (looksLikeDump(firstLines(doc, 10))) {
        output.appendLine(`Switching ${doc.uri.toString()} to ${LANGUAGE_ID}`);
        await vscode.languages.setTextDocumentLanguage(doc, LANGUAGE_ID);
        return; // the document is reopened with the new language; we get called again
      }
    }
  }
  if (doc.languageId === LANGUAGE_ID) {
    await ensureClient();
    scheduleStatusUpdate();
  }
}

function firstLines(doc: vscode.TextDocument, count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < Math.min(count, doc.lineCount); i++) {
    lines.push(doc.lineAt(i).text);
  }
  return lines;
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('palimpsest');
}

// ---------------------------------------------------------------------------
// Finding and starting the server

function isExecutableFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

function expandHome(p: string): string {
  if (p === '~' || p.startsWith('~/')) {
    return path.join(process.env.HOME ?? process.env.USERPROFILE ?? '', p.slice(1));
  }
  return p;
}

/** Returns the server executable, or an explanation of why none was found. */
function resolveServer(): { command: string } | { problem: string } {
  const configured = (config().get<string>('server.path') ?? '').trim();
  if (configured) {
    let candidate = expandHome(configured);
    if (!path.isAbsolute(candidate)) {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (folder && folder.uri.scheme === 'file') {
        candidate = path.join(folder.uri.fsPath, candidate);
      }
    }
    if (isExecutableFile(candidate)) {
      return { command: candidate };
    }
    return {
      problem: `The setting palimpsest.server.path is "${configured}", but no executable file is there.`,
    };
  }
  const names = process.platform === 'win32' ? ['palimpsest.exe', 'palimpsest.cmd', 'palimpsest'] : ['palimpsest'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutableFile(candidate)) {
        return { command: candidate };
      }
    }
  }
  return {
    problem: 'Could not find the `palimpsest` language server: it is not on PATH and the setting palimpsest.server.path is empty.',
  };
}

let problemShown = false;

async function reportServerProblem(problem: string): Promise<void> {
  output.appendLine(problem);
  output.appendLine(`PATH searched: ${process.env.PATH ?? ''}`);
  if (problemShown) {
    return; // once per session (or until the server settings change)
  }
  problemShown = true;
  const openReadme = 'Open README';
  const openSettings = 'Open Settings';
  const choice = await vscode.window.showErrorMessage(
    `Palimpsest: ${problem} Build it with \`cargo build --release\` and put it on PATH, or set palimpsest.server.path.`,
    openReadme,
    openSettings,
  );
  if (choice === openReadme) {
    const readme = vscode.Uri.joinPath(extensionUri, README_URL);
    await vscode.commands.executeCommand('markdown.showPreview', readme);
  } else if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'palimpsest.server.path');
  }
}

/**
 * The server's settings, read from the `palimpsest.*` configuration. The same section is
 * sent again on every change (synchronize.configurationSection); the server ignores the
 * client-only keys (server, detectByContent, statusBar, trace).
 */
function serverSettings(): Record<string, unknown> {
  const c = config();
  return {
    diagnostics: {
      passages: c.get<boolean>('diagnostics.passages', true),
      moves: c.get<boolean>('diagnostics.moves', true),
      ambiguity: c.get<boolean>('diagnostics.ambiguity', true),
      findings: c.get<boolean>('diagnostics.findings', true),
    },
    hover: {
      enabled: c.get<boolean>('hover.enabled', true),
      diffBlock: c.get<boolean>('hover.diffBlock', true),
      format: c.get<string | null>('hover.format', null) || null,
    },
    codeLens: {
      enabled: c.get<boolean>('codeLens.enabled', true),
      passages: c.get<boolean>('codeLens.passages', true),
    },
    inlayHints: { enabled: c.get<boolean>('inlayHints.enabled', true) },
    semanticTokens: { oneSidedRows: c.get<boolean>('semanticTokens.oneSidedRows', true) },
    progress: { thresholdBytes: c.get<number>('progress.thresholdBytes', 1000000) },
  };
}

async function ensureClient(): Promise<LanguageClient | undefined> {
  if (client) {
    return client;
  }
  if (!starting) {
    starting = startClient().finally(() => {
      starting = undefined;
    });
  }
  return starting;
}

async function startClient(): Promise<LanguageClient | undefined> {
  const found = resolveServer();
  if ('problem' in found) {
    void reportServerProblem(found.problem);
    return undefined;
  }
  output.appendLine(`Starting ${found.command} lsp`);
  const args = ['lsp', ...(config().get<string[]>('server.extraArgs') ?? [])];
  const serverOptions: ServerOptions = {
    run: { command: found.command, args },
    debug: { command: found.command, args },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    outputChannel: output,
    initializationOptions: () => ({ palimpsest: serverSettings() }),
    synchronize: { configurationSection: 'palimpsest' },
  };
  const c = new LanguageClient('palimpsest', 'Palimpsest', serverOptions, clientOptions);
  try {
    await c.start();
  } catch (err) {
    void reportServerProblem(`The language server ${found.command} failed to start (${String(err)}).`);
    try {
      await c.dispose();
    } catch {
      // already stopped
    }
    return undefined;
  }
  c.onDidChangeState((event) => {
    if (event.newState === State.Stopped && client === c) {
      client = undefined;
      statusItem.hide();
    }
  });
  client = c;
  scheduleStatusUpdate();
  return c;
}

async function restartServer(): Promise<void> {
  problemShown = false;
  const old = client;
  client = undefined;
  if (old) {
    try {
      await old.stop();
    } catch (err) {
      output.appendLine(`Stopping the server: ${String(err)}`);
    }
  }
  if (vscode.workspace.textDocuments.some((d) => d.languageId === LANGUAGE_ID)) {
    await ensureClient();
  }
}

// ---------------------------------------------------------------------------
// Version documents: palimpsest://version/N/<name>-vN.txt?dump=<dump uri>

function versionUri(dump: vscode.Uri, version: number): vscode.Uri {
  const base = path.posix.basename(dump.path) || 'dump';
  const stem = base.replace(/\.[^.]*$/, '') || base;
  return vscode.Uri.from({
    scheme: SCHEME,
    authority: 'version',
    path: `/${version}/${stem}-v${version}.txt`,
    query: new URLSearchParams({ dump: dump.toString() }).toString(),
  });
}

function parseVersionUri(uri: vscode.Uri): { dump: vscode.Uri; version: number } | undefined {
  const match = /^\/(\d+)\//.exec(uri.path);
  const dump = new URLSearchParams(uri.query).get('dump');
  if (!match || !dump) {
    return undefined;
  }
  return { dump: vscode.Uri.parse(dump, true), version: Number(match[1]) };
}

async function provideVersionText(uri: vscode.Uri): Promise<string> {
  const parsed = parseVersionUri(uri);
  if (!parsed) {
    throw new Error(`Not a Palimpsest version address: ${uri.toString()}`);
  }
  const doc = await vscode.workspace.openTextDocument(parsed.dump);
  if (doc.languageId !== LANGUAGE_ID) {
    await onDocument(doc);
  }
  const c = await ensureClient();
  if (!c) {
    throw new Error('The Palimpsest language server is not running.');
  }
  const result = await c.sendRequest<VersionText | null>('palimpsest/versionText', {
    textDocument: { uri: c.code2ProtocolConverter.asUri(parsed.dump) },
    version: parsed.version,
  });
  if (!result) {
    throw new Error(`Version ${parsed.version} is not in ${parsed.dump.toString()}.`);
  }
  return result.text;
}

/** Opens a version as a read-only document in the Article Version language (wrapped lines). */
async function openVersionDocument(dump: vscode.Uri, version: number): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(versionUri(dump, version));
  if (doc.languageId !== VERSION_LANGUAGE_ID) {
    return vscode.languages.setTextDocumentLanguage(doc, VERSION_LANGUAGE_ID);
  }
  return doc;
}

const refreshTimers = new Map<string, NodeJS.Timeout>();

/** Open version documents follow edits of their dump (debounced). */
function refreshVersionsOf(dump: vscode.Uri): void {
  const key = dump.toString();
  const pending = refreshTimers.get(key);
  if (pending) {
    clearTimeout(pending);
  }
  refreshTimers.set(key, setTimeout(() => {
    refreshTimers.delete(key);
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === SCHEME && parseVersionUri(doc.uri)?.dump.toString() === key) {
        versionChanged.fire(doc.uri);
      }
    }
  }, 500));
}

/** Finds the dump a command applies to: an explicit argument, else the active editor. */
function dumpFromArgument(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  if (typeof arg === 'string' && arg.length > 0) {
    return vscode.Uri.parse(arg, true);
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return undefined;
  }
  if (editor.document.uri.scheme === SCHEME) {
    return parseVersionUri(editor.document.uri)?.dump;
  }
  if (editor.document.languageId === LANGUAGE_ID) {
    return editor.document.uri;
  }
  return undefined;
}

async function summaryOf(dump: vscode.Uri): Promise<Summary | undefined> {
  const c = await ensureClient();
  if (!c) {
    return undefined;
  }
  return (
    (await c.sendRequest<Summary | null>('palimpsest/summary', {
      textDocument: { uri: c.code2ProtocolConverter.asUri(dump) },
    })) ?? undefined
  );
}

async function openVersion(dumpArg?: unknown, versionArg?: unknown): Promise<void> {
  const dump = dumpFromArgument(dumpArg);
  if (!dump) {
    void vscode.window.showInformationMessage('Palimpsest: open a version dump first.');
    return;
  }
  let version = typeof versionArg === 'number' ? versionArg : undefined;
  if (version === undefined) {
    const summary = await summaryOf(dump);
    if (!summary) {
      return;
    }
    const [a, b] = summary.versions;
    const picked = await vscode.window.showQuickPick(
      [
        { label: `Version ${a}`, description: 'left column', version: a },
        { label: `Version ${b}`, description: summary.caption ?? 'right column', version: b },
      ],
      { placeHolder: 'Open which version of the article?' },
    );
    if (!picked) {
      return;
    }
    version = picked.version;
  }
  const doc = await openVersionDocument(dump, version);
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

async function compareVersions(dumpArg?: unknown, aArg?: unknown, bArg?: unknown): Promise<void> {
  const dump = dumpFromArgument(dumpArg);
  if (!dump) {
    void vscode.window.showInformationMessage('Palimpsest: open a version dump first.');
    return;
  }
  let a = typeof aArg === 'number' ? aArg : undefined;
  let b = typeof bArg === 'number' ? bArg : undefined;
  if (a === undefined || b === undefined) {
    const summary = await summaryOf(dump);
    if (!summary) {
      return;
    }
    [a, b] = summary.versions;
  }
  const name = path.posix.basename(dump.path);
  await openVersionDocument(dump, a);
  await openVersionDocument(dump, b);
  await vscode.commands.executeCommand(
    'vscode.diff',
    versionUri(dump, a),
    versionUri(dump, b),
    `${name}: version ${a} ↔ version ${b}`,
  );
}

async function showEarlierWording(dumpArg?: unknown, lineArg?: unknown): Promise<void> {
  const dump = dumpFromArgument(dumpArg);
  if (!dump) {
    return;
  }
  const doc = await vscode.workspace.openTextDocument(dump);
  const editor = await vscode.window.showTextDocument(doc);
  const line = typeof lineArg === 'number' ? Math.min(Math.max(lineArg, 0), doc.lineCount - 1) : editor.selection.active.line;
  const position = new vscode.Position(line, 0);
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  await vscode.commands.executeCommand('editor.action.showHover');
}

async function moveToChange(command: 'palimpsest.nextChange' | 'palimpsest.previousChange'): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== LANGUAGE_ID) {
    return;
  }
  const c = await ensureClient();
  if (!c) {
    return;
  }
  const here = editor.selection.active;
  const result = (await c.sendRequest(ExecuteCommandRequest.type, {
    command,
    arguments: [
      {
        uri: c.code2ProtocolConverter.asUri(editor.document.uri),
        position: { line: here.line, character: here.character },
      },
    ],
  })) as LspPosition | null;
  if (!result || typeof result.line !== 'number') {
    const which = command === 'palimpsest.nextChange' ? 'after' : 'before';
    vscode.window.setStatusBarMessage(`Palimpsest: no changed passage ${which} the cursor`, 3000);
    return;
  }
  const target = new vscode.Position(result.line, result.character ?? 0);
  editor.selection = new vscode.Selection(target, target);
  editor.revealRange(new vscode.Range(target, target), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

// ---------------------------------------------------------------------------
// Status bar: "v0 → v1 · 17 changes"

let statusTimer: NodeJS.Timeout | undefined;

function scheduleStatusUpdate(): void {
  if (statusTimer) {
    clearTimeout(statusTimer);
  }
  statusTimer = setTimeout(() => void updateStatus(), 250);
}

async function updateStatus(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== LANGUAGE_ID || !config().get<boolean>('statusBar.enable', true) || !client) {
    statusItem.hide();
    return;
  }
  const doc = editor.document;
  try {
    const summary = await summaryOf(doc.uri);
    if (!summary || vscode.window.activeTextEditor?.document !== doc) {
      return;
    }
    const [a, b] = summary.versions;
    const changes = summary.changes ?? 0;
    statusItem.text = `$(versions) v${a} → v${b} · ${changes} ${changes === 1 ? 'change' : 'changes'}`;
    const parts: string[] = [];
    const counts: [keyof Summary, string][] = [
      ['edited', 'edited'],
      ['rewritten', 'rewritten'],
      ['added', 'added'],
      ['removed', 'removed'],
      ['moved', 'moved'],
      ['ambiguous', 'ambiguous'],
    ];
    for (const [key, label] of counts) {
      const value = summary[key];
      if (typeof value === 'number' && value > 0) {
        parts.push(`${value} ${label}`);
      }
    }
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`Version ${a} → version ${b}${summary.caption ? ` ${summary.caption}` : ''}\n\n`);
    const line = typeof summary.line === 'string' && summary.line ? summary.line : parts.join(', ');
    tooltip.appendText(line || 'No changed passages');
    tooltip.appendMarkdown('\n\nClick to compare the two versions.');
    statusItem.tooltip = tooltip;
    statusItem.show();
  } catch (err) {
    output.appendLine(`palimpsest/summary failed: ${String(err)}`);
    statusItem.hide();
  }
}
