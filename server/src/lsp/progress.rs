//! Work-done progress while a large dump is analysed (when the client supports it).

use crate::store::Store;
use std::sync::Arc;
use tower_lsp_server::ls_types::NumberOrString;
use tower_lsp_server::Client;

pub async fn analyse_with_progress(
    client: &Client,
    store: &Arc<Store>,
    key: &str,
    token: NumberOrString,
    size: usize,
) {
    if client
        .create_work_done_progress(token.clone())
        .await
        .is_err()
    {
        return;
    }
    let p = client
        .progress(token, "Palimpsest")
        .with_message(format!("Analysing {:.1} MB dump", size as f64 / 1e6))
        .begin()
        .await;
    let store = store.clone();
    let key = key.to_string();
    let res = tokio::task::spawn_blocking(move || {
        store.snapshot(&key).map(|s| (s.took, s.analysis.is_ok()))
    })
    .await;
    match res {
        Ok(Some((took, true))) => {
            p.finish_with_message(format!("Analysed in {} ms", took.as_millis()))
                .await
        }
        Ok(Some((_, false))) => p.finish_with_message("Not a version dump").await,
        _ => p.finish().await,
    }
}
