//! Settings, from `initializationOptions` and `workspace/didChangeConfiguration`.
//! Documented in docs/settings.md. Every field is optional; a missing one keeps its
//! default, and a value that does not fit is ignored with a log message.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    pub diagnostics: DiagnosticSettings,
    pub hover: HoverSettings,
    pub code_lens: CodeLensSettings,
    pub inlay_hints: InlayHintSettings,
    pub semantic_tokens: SemanticTokenSettings,
    pub progress: ProgressSettings,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DiagnosticSettings {
    /// One Information diagnostic per changed, added or removed passage.
    pub passages: bool,
    /// One Information diagnostic at each end of a moved sentence.
    pub moves: bool,
    /// A Warning on every ambiguous decision.
    pub ambiguity: bool,
    /// Other findings about the file (truncation, stray lines, …).
    pub findings: bool,
}

impl Default for DiagnosticSettings {
    fn default() -> Self {
        DiagnosticSettings {
            passages: true,
            moves: true,
            ambiguity: true,
            findings: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HoverSettings {
    pub enabled: bool,
    /// Show the ```diff block under the inline word diff (markdown only).
    pub diff_block: bool,
    /// "markdown" or "plaintext" to override what the client prefers.
    pub format: Option<String>,
}

impl Default for HoverSettings {
    fn default() -> Self {
        HoverSettings {
            enabled: true,
            diff_block: true,
            format: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CodeLensSettings {
    pub enabled: bool,
    /// A lens above every changed passage (the summary lenses always show).
    pub passages: bool,
}

impl Default for CodeLensSettings {
    fn default() -> Self {
        CodeLensSettings {
            enabled: true,
            passages: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InlayHintSettings {
    pub enabled: bool,
}

impl Default for InlayHintSettings {
    fn default() -> Self {
        InlayHintSettings { enabled: true }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SemanticTokenSettings {
    /// Colour whole added / removed paragraphs, not only word changes.
    pub one_sided_rows: bool,
}

impl Default for SemanticTokenSettings {
    fn default() -> Self {
        SemanticTokenSettings {
            one_sided_rows: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProgressSettings {
    /// Report work-done progress for dumps at least this large (bytes).
    pub threshold_bytes: usize,
}

impl Default for ProgressSettings {
    fn default() -> Self {
        ProgressSettings {
            threshold_bytes: 1_000_000,
        }
    }
}

impl Settings {
    /// Reads settings from a client value: either the settings object itself or an
    /// object with a `palimpsest` key holding it. `None` for a value that does not fit.
    pub fn from_value(v: &serde_json::Value) -> Result<Settings, String> {
        let v = v.get("palimpsest").unwrap_or(v);
        if v.is_null() {
            return Ok(Settings::default());
        }
        serde_json::from_value(v.clone()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn partial_and_nested() {
        let s = Settings::from_value(&json!({"palimpsest": {"diagnostics": {"passages": false}}}))
            .unwrap();
        assert!(!s.diagnostics.passages);
        assert!(s.diagnostics.ambiguity);
        assert!(s.hover.enabled);
        let s = Settings::from_value(&json!({"hover": {"format": "plaintext"}})).unwrap();
        assert_eq!(s.hover.format.as_deref(), Some("plaintext"));
        assert_eq!(
            Settings::from_value(&json!(null)).unwrap(),
            Settings::default()
        );
        assert!(Settings::from_value(&json!({"hover": 3})).is_err());
    }
}
