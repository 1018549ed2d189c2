use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sitrep::error::{Diagnostic, Error};

/// sitrep builds weekly business review (WBR) sites from markdown
/// narratives, metric CSVs and YAML program definitions.
#[derive(Debug, Parser)]
#[command(name = "sitrep", version, about, long_about = None)]
struct Cli {
    /// The site project folder (the one holding site.yaml).
    #[arg(
        long,
        short = 'r',
        global = true,
        default_value = ".",
        value_name = "DIR"
    )]
    root: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build every review version into the output folder.
    Build {
        /// Write the site here instead of the `output` folder of site.yaml.
        #[arg(long, short = 'o', value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Validate every input and report all problems, writing nothing.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Build { output } => sitrep::pipeline::build(&cli.root, output.as_deref()).map(|summary| {
            print_warnings(&summary.warnings);
            println!(
                "Built {} version{} of {} program{} into {} ({} file{} written, {} unchanged) in {} ms",
                summary.versions,
                plural(summary.versions),
                summary.programs,
                plural(summary.programs),
                summary.output.display(),
                summary.files.written,
                plural(summary.files.written),
                summary.files.unchanged,
                summary.elapsed.as_millis()
            );
        }),
        Command::Check => sitrep::pipeline::check(&cli.root).map(|summary| {
            print_warnings(&summary.warnings);
            println!(
                "No problems found: {} program{}, {} metric{}, {} data file{}, {} review version{}",
                summary.programs,
                plural(summary.programs),
                summary.metrics,
                plural(summary.metrics),
                summary.data_files,
                plural(summary.data_files),
                summary.versions,
                plural(summary.versions)
            );
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Input(diagnostics)) => {
            eprintln!("{diagnostics}");
            eprintln!("Nothing was written.");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn print_warnings(warnings: &[Diagnostic]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
