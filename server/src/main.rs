//! `palimpsest`: the command line. Each subcommand lives in `cli/`.

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "palimpsest",
    version,
    about = "Read version dumps: reconstruct every version, see what changed"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a reconstructed version (title, blank line, paragraphs separated by blank lines).
    Show {
        /// The dump (`-` for standard input).
        file: PathBuf,
        /// Version number to print (default: the newer column).
        #[arg(long)]
        version: Option<u32>,
    },
    /// Print each changed passage as a word diff, with a one-line summary at the top.
    Diff {
        file: PathBuf,
        /// Colour: auto (on a terminal), always, never.
        #[arg(long, default_value = "auto")]
        color: cli::ColorChoice,
    },
    /// Print JSON in the corpus ground-truth schema (several dumps of one article:
    /// the whole chain; several articles: one JSON object per line).
    Export {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print findings as FILE:LINE:COL: severity: message.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// For each article, its versions and each paragraph's history.
    History {
        /// Folders (searched recursively for dumps) or dump files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Speak the Language Server Protocol over standard input and output.
    Lsp,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Show { file, version } => cli::show::run(&file, version),
        Command::Diff { file, color } => cli::diff::run(&file, color),
        Command::Export { files } => cli::export::run(&files),
        Command::Check { files } => cli::check::run(&files),
        Command::History { paths } => cli::history::run(&paths),
        Command::Lsp => cli::lsp::run(),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("palimpsest: {message}");
            ExitCode::from(2)
        }
    }
}
