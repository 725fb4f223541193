//! The language server. This is the only module that knows LSP and its JSON types;
//! everything it shows comes from [`crate::analysis`] through the [`crate::store`].
//!
//! Each feature has its own file; this one wires them to `tower-lsp-server`:
//! capabilities, document sync, configuration, publishing diagnostics, the server
//! commands and the custom requests. Every handler's work runs on the blocking pool,
//! so a panic there becomes an error answer to that request and the server goes on.

pub mod code_actions;
pub mod code_lens;
pub mod common;
pub mod definition;
pub mod diagnostics;
pub mod folding;
pub mod history;
pub mod hover;
pub mod inlay_hints;
pub mod links;
pub mod navigation;
pub mod output;
pub mod position;
pub mod progress;
pub mod semantic_tokens;
pub mod settings;
pub mod symbols;
pub mod transport;
pub mod version_docs;
pub mod watch;

use crate::dump::{Choices, Reading};
use crate::store::{lock, OpenParams, Store};
use common::Ctx;
use position::{span_of, Encoding};
use serde::Deserialize;
use serde_json::{json, Value};
use settings::Settings;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, RwLock};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, ClientSocket, LanguageServer, LspService, Server};

/// What the client told us at initialisation, plus the current settings.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub enc: Encoding,
    pub markdown: bool,
    pub progress: bool,
    pub code_lens_refresh: bool,
    pub semantic_refresh: bool,
    pub inlay_refresh: bool,
    /// The client registers file watchers dynamically (`watch.rs`).
    pub watch_files: bool,
    pub settings: Settings,
}

pub struct Backend {
    client: Client,
    store: Arc<Store>,
    config: Arc<RwLock<Config>>,
    /// Last generation whose diagnostics were published, per document.
    published: Arc<tokio::sync::Mutex<HashMap<String, u64>>>,
    progress_ids: Mutex<u64>,
    histories: Arc<history::Histories>,
    /// Writes diagnostics straight to the output (see `output`); without it they go
    /// through the framework's client.
    sink: Option<output::Sink>,
    /// What each open document's last framed publication can lend the next one.
    reuse: Arc<Mutex<HashMap<String, diagnostics::publish::Reuse>>>,
}

fn internal(e: impl std::fmt::Display) -> Error {
    let mut err = Error::internal_error();
    err.message = format!("internal error: {e}").into();
    err
}

/// Runs blocking work on the blocking pool; a panic there is an error answer.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        if e.is_panic() {
            internal("the request failed inside the server (it keeps running)")
        } else {
            internal(e)
        }
    })
}

#[derive(Debug, Deserialize)]
struct ChooseArgs {
    uri: Uri,
    line: u32,
    reading: Reading,
}

#[derive(Debug, Deserialize)]
struct NavArgs {
    uri: Uri,
    position: Position,
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend::with_sink(client, None)
    }

    pub fn with_sink(client: Client, sink: Option<output::Sink>) -> Backend {
        Backend {
            sink,
            client,
            store: Arc::new(Store::new()),
            config: Arc::new(RwLock::new(Config::default())),
            published: Arc::new(tokio::sync::Mutex::new(HashMap::new())),
            progress_ids: Mutex::new(0),
            histories: Arc::new(history::Histories::default()),
            reuse: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn config(&self) -> Config {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Runs `f` on the current snapshot of a document (off the async executor).
    /// `Ok(None)` when the document is not open.
    async fn with_doc<T: Send + 'static>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&Ctx) -> T + Send + 'static,
    ) -> Result<Option<T>> {
        let store = self.store.clone();
        let config = self.config();
        let uri = uri.clone();
        let histories = self.histories.clone();
        blocking(move || {
            let snap = store.snapshot(uri.as_str())?;
            let cx = Ctx {
                snap: &snap,
                enc: config.enc,
                settings: &config.settings,
                uri: &uri,
                histories: &histories,
            };
            Some(f(&cx))
        })
        .await
    }

    async fn with_doc_required<T: Send + 'static>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&Ctx) -> T + Send + 'static,
    ) -> Result<T> {
        self.with_doc(uri, f)
            .await?
            .ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))
    }

    /// Analyses the current text (if needed) and publishes its diagnostics with the
    /// document version; a result older than what was already published is dropped.
    fn schedule_diagnostics(&self, uri: Uri) {
        let store = self.store.clone();
        let client = self.client.clone();
        let config = self.config();
        let published = self.published.clone();
        let histories = self.histories.clone();
        let scheduled = store.generation(uri.as_str()).map(|g| g.0);
        let sink = self.sink.clone();
        let framed = sink.is_some();
        let reuse = self.reuse.clone();
        tokio::spawn(async move {
            let key = uri.as_str().to_string();
            let u = uri.clone();
            let st = store.clone();
            let res = blocking(move || {
                // A newer edit already scheduled its own publication: skip this one.
                if st.generation(u.as_str()).map(|g| g.0) != scheduled {
                    return None;
                }
                let snap = st.snapshot(u.as_str())?;
                if st.generation(u.as_str())?.0 != snap.generation {
                    return None; // a newer edit is on its way
                }
                let cx = Ctx {
                    snap: &snap,
                    enc: config.enc,
                    settings: &config.settings,
                    uri: &u,
                    histories: &histories,
                };
                // Serialised here, on the blocking pool, when the output allows it.
                let payload = if framed {
                    // Taken out while in use: publications of other documents go on.
                    let mut r = lock(&reuse).remove(u.as_str()).unwrap_or_default();
                    // On the worker pool (see `Store::snapshot`); the framing takes no lock.
                    let frame = rayon::scope(|_| {
                        diagnostics::publish::frame(&cx, true, snap.version, &mut r)
                    });
                    let mut all = lock(&reuse);
                    // Checked under the lock `did_close` takes after closing.
                    if st.is_open(u.as_str()) {
                        all.insert(u.as_str().to_string(), r);
                    }
                    match frame {
                        Ok(frame) => Payload::Frame(frame),
                        Err(_) => Payload::Typed(diagnostics::compute(&cx, true)),
                    }
                } else {
                    Payload::Typed(diagnostics::compute(&cx, true))
                };
                Some((snap.generation, snap.version, payload))
            })
            .await;
            match res {
                Ok(Some((generation, version, payload))) => {
                    let mut p = published.lock().await;
                    if !store.is_open(&key) || p.get(&key).is_some_and(|&g| g > generation) {
                        return;
                    }
                    p.insert(key, generation);
                    match (payload, &sink) {
                        (Payload::Frame(frame), Some(sink)) => sink.send(frame).await,
                        (Payload::Frame(_), None) => unreachable!("framed only with a sink"),
                        (Payload::Typed(diags), _) => {
                            client.publish_diagnostics(uri, diags, Some(version)).await
                        }
                    }
                }
                Ok(None) => {}
                Err(e) => client.log_message(MessageType::ERROR, e.message).await,
            }
        });
    }

    /// Asks the client to refresh lenses, tokens and hints. The requests run detached:
    /// a notification handler that awaited the client's answers would keep the server
    /// alive after its input closed if the client never answered.
    async fn refresh_views(&self) {
        let c = self.config();
        let client = self.client.clone();
        tokio::spawn(async move {
            if c.code_lens_refresh {
                let _ = client.code_lens_refresh().await;
            }
            if c.semantic_refresh {
                let _ = client.semantic_tokens_refresh().await;
            }
            if c.inlay_refresh {
                let _ = client.inlay_hint_refresh().await;
            }
        });
    }

    fn next_progress_token(&self) -> NumberOrString {
        let mut n = lock(&self.progress_ids);
        *n += 1;
        NumberOrString::String(format!("palimpsest-analysis-{}", *n))
    }

    async fn choose(&self, args: Vec<Value>) -> Result<Option<Value>> {
        let arg = args
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid_params("expected [{uri, line, reading}]"))?;
        let ChooseArgs { uri, line, reading } = serde_json::from_value(arg)
            .map_err(|e| Error::invalid_params(format!("expected {{uri, line, reading}}: {e}")))?;
        let key = uri.as_str().to_string();
        let store = self.store.clone();
        let config = self.config();
        let u = uri.clone();
        let histories = self.histories.clone();
        let saved = blocking(move || -> Result<Value> {
            let snap = store
                .snapshot(&key)
                .ok_or_else(|| Error::invalid_params(format!("{key} is not open")))?;
            let path = snap.path.clone().ok_or_else(|| {
                Error::invalid_params("choices are kept in a sidecar file next to the dump: this document is not a file")
            })?;
            let cx = Ctx {
                snap: &snap,
                enc: config.enc,
                settings: &config.settings,
                uri: &u,
                histories: &histories,
            };
            let ri = cx
                .row_at_line(line)
                .ok_or_else(|| Error::invalid_params(format!("line {line} is not a body row")))?;
            let a = snap.analysis().expect("row_at_line needs an analysis");
            let row = &a.dump.rows[ri];
            let mut choices: Choices = (*snap.choices).clone();
            choices.set(row.line, a.dump.slice(&row.span), reading);
            let written = choices.save_for(&path).map_err(internal)?;
            store.set_choices(&key, choices, None);
            Ok(json!({"line": line, "reading": reading, "sidecar": written.display().to_string()}))
        })
        .await??;
        self.schedule_diagnostics(uri);
        self.refresh_views().await;
        Ok(Some(saved))
    }

    async fn navigate(&self, args: Vec<Value>, forward: bool) -> Result<Option<Value>> {
        let arg = args
            .into_iter()
            .next()
            .ok_or_else(|| Error::invalid_params("expected [{uri, position}]"))?;
        let NavArgs { uri, position } = serde_json::from_value(arg)
            .map_err(|e| Error::invalid_params(format!("expected {{uri, position}}: {e}")))?;
        let target = self
            .with_doc_required(&uri, move |cx| navigation::target(cx, position, forward))
            .await?;
        Ok(Some(serde_json::to_value(target).map_err(internal)?))
    }

    /// `palimpsest/versionText`.
    pub async fn version_text(&self, params: version_docs::VersionTextParams) -> Result<Value> {
        let n = params.version;
        self.with_doc_required(&params.text_document.uri, move |cx| {
            version_docs::version_text(cx, n)
        })
        .await?
    }

    /// `palimpsest/stats`: how long the current snapshot took to read and analyse,
    /// and how many word diffs it computed (the rest came from the cache).
    pub async fn stats(&self, params: version_docs::SummaryParams) -> Result<Value> {
        self.with_doc_required(&params.text_document.uri, |cx| {
            json!({
                "version": cx.snap.version,
                "generation": cx.snap.generation,
                "analysisMicros": cx.snap.took.as_micros() as u64,
                "diffsComputed": cx.snap.diffs_computed,
                "rows": cx.analysis().map(|a| a.dump.rows.len()).unwrap_or(0),
                "bytes": cx.snap.rope.len_bytes(),
            })
        })
        .await
    }

    /// `palimpsest/summary`.
    pub async fn summary(&self, params: version_docs::SummaryParams) -> Result<Value> {
        self.with_doc_required(&params.text_document.uri, version_docs::summary)
            .await?
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let enc = Encoding::negotiate(
            caps.general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        let td = caps.text_document.as_ref();
        let markdown = td
            .and_then(|t| t.hover.as_ref())
            .and_then(|h| h.content_format.as_ref())
            .and_then(|f| f.first())
            .map(|k| *k == MarkupKind::Markdown)
            .unwrap_or(true);
        let ws = caps.workspace.as_ref();
        let mut settings = Settings::default();
        let mut warning = None;
        if let Some(opts) = &params.initialization_options {
            match Settings::from_value(opts) {
                Ok(s) => settings = s,
                Err(e) => warning = Some(format!("palimpsest: initializationOptions ignored: {e}")),
            }
        }
        {
            let mut c = self.config.write().unwrap_or_else(|e| e.into_inner());
            *c = Config {
                enc,
                markdown,
                progress: caps
                    .window
                    .as_ref()
                    .and_then(|w| w.work_done_progress)
                    .unwrap_or(false),
                code_lens_refresh: ws
                    .and_then(|w| w.code_lens.as_ref())
                    .and_then(|c| c.refresh_support)
                    .unwrap_or(false),
                semantic_refresh: ws
                    .and_then(|w| w.semantic_tokens.as_ref())
                    .and_then(|c| c.refresh_support)
                    .unwrap_or(false),
                inlay_refresh: ws
                    .and_then(|w| w.inlay_hint.as_ref())
                    .and_then(|c| c.refresh_support)
                    .unwrap_or(false),
                watch_files: watch::supported(caps),
                settings,
            };
        }
        if let Some(w) = warning {
            self.client.log_message(MessageType::WARNING, w).await;
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(enc.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: Default::default(),
                }),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![
                        code_actions::CHOOSE.to_string(),
                        navigation::NEXT.to_string(),
                        navigation::PREVIOUS.to_string(),
                    ],
                    ..Default::default()
                }),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: semantic_tokens::legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: Some(false),
                            ..Default::default()
                        },
                    ),
                ),
                inlay_hint_provider: Some(OneOf::Left(true)),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "palimpsest".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.config().watch_files {
            watch::register(&self.client);
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths: Vec<std::path::PathBuf> = params
            .changes
            .into_iter()
            .filter_map(|c| c.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        let histories = self.histories.clone();
        let changed = blocking(move || {
            let mut any = false;
            for p in &paths {
                any |= histories.file_changed(p);
            }
            any
        })
        .await
        .unwrap_or(false);
        if changed {
            self.refresh_views().await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let key = doc.uri.as_str().to_string();
        let path = if doc.uri.scheme().as_str() == "file" {
            doc.uri.to_file_path().map(|p| p.into_owned())
        } else {
            None
        };
        let (choices, choices_error) = match &path {
            Some(p) => match Choices::load_for(p) {
                Ok(c) => (c.unwrap_or_default(), None),
                Err(e) => (Choices::default(), Some(e)),
            },
            None => (Choices::default(), None),
        };
        let size = doc.text.len();
        self.store.open(OpenParams {
            key: key.clone(),
            version: doc.version,
            text: doc.text,
            path,
            choices,
            choices_error: choices_error.clone(),
        });
        lock_published_reset(&self.published, &key).await;
        if let Some(e) = choices_error {
            self.client
                .show_message(MessageType::WARNING, format!("Palimpsest: {e}"))
                .await;
        }
        let config = self.config();
        if config.progress && size >= config.settings.progress.threshold_bytes {
            progress::analyse_with_progress(
                &self.client,
                &self.store,
                &key,
                self.next_progress_token(),
                size,
            )
            .await;
        }
        self.schedule_diagnostics(doc.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let enc = self.config().enc;
        let uri = params.text_document.uri;
        let changes = params.content_changes;
        let ok = self
            .store
            .edit(uri.as_str(), params.text_document.version, move |editor| {
                for ch in changes {
                    match ch.range {
                        Some(range) => {
                            let span = span_of(editor.rope(), range, enc);
                            editor.replace(span, &ch.text);
                        }
                        None => editor.set(&ch.text),
                    }
                }
            });
        if ok {
            self.schedule_diagnostics(uri);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        if self.store.close(uri.as_str()) {
            lock(&self.reuse).remove(uri.as_str());
            self.published.lock().await.remove(uri.as_str());
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        match Settings::from_value(&params.settings) {
            Ok(s) => {
                self.config
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .settings = s;
                for key in self.store.keys() {
                    if let Ok(uri) = Uri::from_str(&key) {
                        // Same generation: force a republish with the new settings.
                        self.published.lock().await.remove(&key);
                        self.schedule_diagnostics(uri);
                    }
                }
                self.refresh_views().await;
            }
            Err(e) => {
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("palimpsest: settings ignored: {e}"),
                    )
                    .await
            }
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let md = {
            let c = self.config();
            match c.settings.hover.format.as_deref() {
                Some("plaintext") => false,
                Some("markdown") => true,
                _ => c.markdown,
            }
        };
        Ok(self
            .with_doc(&p.text_document.uri, move |cx| {
                hover::compute(cx, p.position, md)
            })
            .await?
            .flatten())
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.with_doc(&params.text_document.uri, |cx| {
            DocumentSymbolResponse::Nested(symbols::compute(cx))
        })
        .await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.with_doc(&params.text_document.uri, folding::compute)
            .await
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        self.with_doc(&params.text_document.uri, links::compute)
            .await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.with_doc(&params.text_document.uri, code_lens::compute)
            .await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let range = params.range;
        self.with_doc(&params.text_document.uri, move |cx| {
            inlay_hints::compute(cx, range)
        })
        .await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.with_doc(&params.text_document.uri, |cx| {
            SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data: semantic_tokens::compute(cx),
            })
        })
        .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let range = params.range;
        let diags = params.context.diagnostics;
        self.with_doc(&params.text_document.uri, move |cx| {
            code_actions::compute(cx, range, &diags)
        })
        .await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let uri = p.text_document.uri;
        let pos = p.position;
        if let Some((number, dump)) = common::parse_version_uri(uri.as_str()) {
            let Ok(dump_uri) = Uri::from_str(&dump) else {
                return Ok(None);
            };
            let store = self.store.clone();
            let enc = self.config().enc;
            return blocking(move || {
                let snap = store.snapshot(dump_uri.as_str())?;
                definition::from_version(&snap, &dump_uri, number, pos, enc)
                    .map(GotoDefinitionResponse::Scalar)
            })
            .await;
        }
        Ok(self
            .with_doc(&uri, move |cx| {
                definition::from_dump(cx, pos).map(GotoDefinitionResponse::Scalar)
            })
            .await?
            .flatten())
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        match params.command.as_str() {
            code_actions::CHOOSE => self.choose(params.arguments).await,
            navigation::NEXT => self.navigate(params.arguments, true).await,
            navigation::PREVIOUS => self.navigate(params.arguments, false).await,
            "palimpsest.debugPanic" if std::env::var_os("PALIMPSEST_DEBUG_PANIC").is_some() => {
                blocking(|| -> Option<Value> {
                    panic!("deliberate panic (PALIMPSEST_DEBUG_PANIC)")
                })
                .await
            }
            other => Err(Error::invalid_params(format!("unknown command {other}"))),
        }
    }
}

async fn lock_published_reset(published: &tokio::sync::Mutex<HashMap<String, u64>>, key: &str) {
    published.lock().await.remove(key);
}

/// Diagnostics ready to send: already framed for the output, or typed for the client.
enum Payload {
    Frame(Arc<Vec<u8>>),
    Typed(Vec<Diagnostic>),
}

/// The service with the custom requests registered; with a sink, diagnostics are
/// written straight to the output (see `output`).
pub fn service(sink: Option<output::Sink>) -> (LspService<Backend>, ClientSocket) {
    LspService::build(move |client| Backend::with_sink(client, sink))
        .custom_method("palimpsest/versionText", Backend::version_text)
        .custom_method("palimpsest/summary", Backend::summary)
        .custom_method("palimpsest/stats", Backend::stats)
        .finish()
}

/// Serves LSP over standard input and output until the client exits.
pub fn run_stdio() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (output, sink, writer) = output::channel(std::io::stdout());
    std::thread::Builder::new()
        .name("palimpsest-output".into())
        .spawn(writer)?;
    rt.block_on(async {
        let (service, socket) = service(Some(sink.clone()));
        let (reader, input) = tokio::io::duplex(1 << 20);
        let filtering = tokio::spawn(transport::filter(tokio::io::stdin(), input));
        Server::new(reader, output, socket).serve(service).await;
        // Everything queued (the answer to `shutdown` among it) goes out before exit.
        // (A writer stuck on a client that stopped reading is left behind: the process
        // exits without it.)
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), sink.close()).await;
        // A client may still write after `exit` (Neovim does, as it quits): read that
        // until it closes our input, briefly, so it never writes into a closed pipe.
        let _ = tokio::time::timeout(std::time::Duration::from_millis(50), filtering).await;
    });
    // The stdin reader may still be blocked in a read: do not wait for it.
    rt.shutdown_background();
    Ok(())
}
