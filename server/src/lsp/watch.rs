//! Asks the client to watch the dump files (`client/registerCapability` for
//! `workspace/didChangeWatchedFiles`), so a dump added to, saved in or deleted from the
//! folder of an open dump updates its chain ([`super::history`]). Only for clients that
//! support dynamic registration of the watcher.

use tower_lsp_server::ls_types::*;
use tower_lsp_server::Client;

/// The registration id.
pub const ID: &str = "palimpsest-watch-dumps";

/// The files the history library reads as dumps ([`crate::history::is_dump_name`]).
/// Sidecars are not watched: the library reads a dump's sidecar with the dump.
pub const GLOB: &str = "**/*.txt";

/// Whether the client can register the watcher dynamically.
pub fn supported(caps: &ClientCapabilities) -> bool {
    caps.workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false)
}

pub fn registration() -> Registration {
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![FileSystemWatcher {
            glob_pattern: GlobPattern::String(GLOB.to_string()),
            kind: Some(WatchKind::Create | WatchKind::Change | WatchKind::Delete),
        }],
    };
    Registration {
        id: ID.to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: serde_json::to_value(options).ok(),
    }
}

/// Sends the registration without waiting for the answer; a refusal is logged.
pub fn register(client: &Client) {
    let client = client.clone();
    tokio::spawn(async move {
        if let Err(e) = client.register_capability(vec![registration()]).await {
            client
                .log_message(
                    MessageType::WARNING,
                    format!(
                        "palimpsest: the client refused to watch {GLOB} ({e}); \
                         dumps added to a folder later join their chain only when opened"
                    ),
                )
                .await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registration_json() {
        let r = serde_json::to_value(registration()).unwrap();
        assert_eq!(
            r,
            json!({
                "id": ID,
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": {"watchers": [{"globPattern": "**/*.txt", "kind": 7}]},
            })
        );
    }

    #[test]
    fn only_with_dynamic_registration() {
        let mut caps = ClientCapabilities::default();
        assert!(!supported(&caps));
        caps.workspace = Some(WorkspaceClientCapabilities {
            did_change_watched_files: Some(DidChangeWatchedFilesClientCapabilities {
                dynamic_registration: Some(true),
                relative_pattern_support: None,
            }),
            ..Default::default()
        });
        assert!(supported(&caps));
    }
}
