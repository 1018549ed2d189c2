use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anstream::{eprint, eprintln, println};
use anstyle::{AnsiColor, Style};
use clap::{CommandFactory, Parser, Subcommand};

use sitrep::compute::restate::Restatement;
use sitrep::error::{Diagnostic, Error};
use sitrep::pipeline::{Progress, Silent};

/// sitrep builds weekly business review (WBR) sites from metric CSVs, YAML
/// program definitions and markdown narratives.
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
    /// Build every review version into the output folder (incrementally:
    /// versions whose inputs did not change keep their pages).
    Build {
        /// Write the site here instead of the `output` folder of site.yaml.
        #[arg(long, short = 'o', value_name = "DIR")]
        output: Option<PathBuf>,
        /// Print only warnings and errors.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Build draft (unpublished) weeks too; by default they are left
        /// out (`serve` shows them). Setting SITREP_BUILD_DRAFTS=1 does the
        /// same.
        #[arg(long)]
        drafts: bool,
        /// After the summary, print on stderr where the build spent its
        /// time, by stage: read, parse, compute, render, write (wall-clock
        /// time, and time summed over the versions' parallel tasks).
        #[arg(long)]
        timings: bool,
    },
    /// Validate every input and report all problems, writing nothing.
    Check,
    /// Create a new site project that builds at once.
    ///
    /// The project goes into DIR, taken relative to --root; with no DIR,
    /// into the --root folder itself (default: the current folder).
    Init {
        /// The folder to create the project in (created when missing),
        /// relative to --root.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Create things in a site project.
    #[command(subcommand)]
    New(NewCommand),
    /// Turn another tool's files into a sitrep site.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Serve the site on 127.0.0.1, rebuilding and reloading on every change.
    Serve {
        /// The port to listen on (0: any free port).
        #[arg(long, short = 'p', default_value_t = 4000)]
        port: u16,
        /// The address to listen on; anything but loopback makes the site
        /// visible on the network (0.0.0.0: every interface).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser once it is served.
        #[arg(long)]
        open: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        /// The shell to complete for.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print sitrep's man page, or write one page per command into a folder.
    Man {
        /// Write sitrep.1 and one page per command (sitrep-build.1, …) into
        /// this folder instead of printing sitrep.1.
        #[arg(long, short = 'o', value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Freeze a review week's numbers so the published review never changes.
    Publish {
        /// The review week, e.g. 2026-W47.
        #[arg(value_name = "WEEK")]
        week: String,
        /// Replace the numbers of an already published week on purpose.
        #[arg(long)]
        restate: bool,
        /// Publish even though the week's data is missing or incomplete.
        #[arg(long)]
        force: bool,
    },
    /// Run the project's sources (sources/*.sql against the database of
    /// site.yaml, executables that print CSV) and write their results to
    /// data/<name>.csv.
    Pull {
        /// The sources to run, by name (`tickets`) or path
        /// (`sources/tickets.sql`); all when none are given.
        #[arg(value_name = "SOURCE")]
        sources: Vec<String>,
        /// The last day the data should cover, bound to `:as_of`
        /// (default: the end of the last week that has ended).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<jiff::civil::Date>,
        /// The time limit of each source, e.g. 90s, 10m.
        #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = sitrep::pull::parse_duration)]
        timeout: Duration,
        /// How many sources run at once.
        #[arg(long, short = 'j', default_value_t = 4)]
        jobs: usize,
        /// Show what would run, and run nothing.
        #[arg(long)]
        dry_run: bool,
        /// Let executable sources see this environment variable too
        /// (e.g. AWS_PROFILE); repeat for more.
        #[arg(long, value_name = "NAME")]
        pass_env: Vec<String>,
    },
    /// Write the e-mail digest of a review week: self-contained, e-mail-safe
    /// HTML (or its plain-text part) with the week's status, exceptions and
    /// each program's key numbers. site.yaml has no base URL, so its links
    /// into the site are relative to the site's root folder.
    Digest {
        /// The review week (default: the newest published week).
        #[arg(value_name = "WEEK")]
        week: Option<String>,
        /// Write it to FILE instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write the plain-text part instead of HTML.
        #[arg(long)]
        text: bool,
    },
    /// Write the JSON Schemas of site.yaml and program files into schemas/
    /// of the site project, for editors with a YAML language server; or
    /// print one of them.
    Schema {
        /// Print only this schema (`site` or `program`) to standard output.
        #[arg(value_name = "KIND", value_parser = ["site", "program"])]
        kind: Option<String>,
        /// Write the schemas (or the one named) into this folder instead.
        #[arg(long, short = 'o', value_name = "DIR")]
        output: Option<PathBuf>,
    },
}

fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    sitrep::calendar::parse_iso_date(text)
        .ok_or_else(|| format!("`{text}` is not a date such as 2026-11-22"))
}

/// Pull progress on standard error.
struct PullLines;

impl sitrep::pull::PullProgress for PullLines {
    fn line(&self, text: &str) {
        eprintln!("{text}");
    }
}

#[derive(Debug, Subcommand)]
enum NewCommand {
    /// Create a review week's folder with narratives pre-filled from its numbers.
    Week {
        /// The week id (default: the newest week whose data is complete).
        #[arg(value_name = "WEEK")]
        week: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Make a site (or a program of an existing site) from a wbr-app
    /// config, its CSV files and its annotations; never overwrites a file,
    /// and lists what could not be converted and why.
    #[command(name = "wbr-app")]
    WbrApp {
        /// The wbr-app YAML config.
        #[arg(value_name = "CONFIG")]
        config: PathBuf,
        /// The site folder (default: a new folder named after the config);
        /// an existing site gains a program.
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// A CSV file wbr-app was given in its page (the config does not
        /// name it), copied into data/; repeat for more.
        #[arg(long, value_name = "FILE")]
        csv: Vec<PathBuf>,
    },
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const GOOD: Style = AnsiColor::Green.on_default().bold();

/// Shows build stages on a terminal, but only once a build has taken longer
/// than a moment: quick builds print just their summary.
struct StageProgress {
    started: Instant,
    shown: AtomicBool,
}

impl Progress for StageProgress {
    fn stage(&self, message: &str) {
        if self.started.elapsed() > Duration::from_millis(300) {
            self.shown.store(true, Ordering::Relaxed);
            eprintln!("  {message}…");
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.as_path();
    let result = match cli.command {
        Command::Build {
            output,
            quiet,
            drafts,
            timings,
        } => {
            let progress = StageProgress {
                started: Instant::now(),
                shown: AtomicBool::new(false),
            };
            let reporter: &dyn Progress = if quiet || !std::io::stderr().is_terminal() { &Silent } else { &progress };
            let from_environment = std::env::var("SITREP_BUILD_DRAFTS").is_ok_and(|value| value == "1" || value == "true");
            let options = sitrep::pipeline::BuildOptions { drafts: drafts || from_environment };
            sitrep::pipeline::build_with(root, output.as_deref(), options, reporter).map(|summary| {
                print_warnings(&summary.warnings);
                print_restatements(&summary.restatements);
                if !quiet {
                    println!(
                        "{GOOD}Built{GOOD:#} {} version{} ({} draft{}), {} page{}, {} chart{} into {} in {} ms ({} file{} written, {} unchanged, {} removed)",
                        summary.versions,
                        plural(summary.versions),
                        summary.drafts,
                        plural(summary.drafts),
                        summary.pages,
                        plural(summary.pages),
                        summary.charts,
                        plural(summary.charts),
                        summary.output.display(),
                        summary.elapsed.as_millis(),
                        summary.files.written,
                        plural(summary.files.written),
                        summary.files.unchanged,
                        summary.files.removed,
                    );
                    if summary.drafts_left_out > 0 {
                        println!(
                            "{} draft week{} left out; build with --drafts to include {}",
                            summary.drafts_left_out,
                            plural(summary.drafts_left_out),
                            if summary.drafts_left_out == 1 { "it" } else { "them" }
                        );
                    }
                }
                if timings {
                    eprint!("{}", summary.timings.table(summary.elapsed));
                }
            })
        }
        Command::Check => sitrep::pipeline::check(root).map(|summary| {
            print_warnings(&summary.warnings);
            print_restatements(&summary.restatements);
            println!(
                "{GOOD}No problems found{GOOD:#}: {} program{}, {} metric{}, {} data file{}, {} review version{}",
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
        Command::Init { dir } => {
            let today = jiff::ZonedDateTime::now().date();
            let dir = init_folder(root, dir.as_deref());
            sitrep::scaffold::init(&dir, today).map(|created| {
                print_created(&created);
                println!(
                    "\n{GOOD}Created a site project in {}{GOOD:#} with review week {}. Next:\n  cd {}\n  sitrep serve",
                    dir.display(),
                    created.week.unwrap_or_default(),
                    dir.display()
                );
            })
        }
        Command::New(NewCommand::Week { week }) => sitrep::scaffold::new_week(root, week.map(|week| read_week(&week)).as_deref()).map(|created| {
            if let Some(reason) = &created.reason {
                println!("Creating {reason}.");
            }
            print_created(&created);
            println!(
                "\n{GOOD}Created review week {}{GOOD:#}. Fill in the why in each narrative, preview with `sitrep serve`, then `sitrep publish {}`.",
                created.week.clone().unwrap_or_default(),
                created.week.unwrap_or_default()
            );
        }),
        Command::Import(ImportCommand::WbrApp { config, into, csv }) => {
            sitrep::import::import_wbr_app(root, &config, into.as_deref(), &csv).map(|imported| {
                for file in &imported.files {
                    println!("  created {}", file.display());
                }
                if !imported.not_converted.is_empty() {
                    println!("\nNot converted ({}):", imported.not_converted.len());
                    for line in &imported.not_converted {
                        println!("  - {line}");
                    }
                }
                println!(
                    "\n{GOOD}Imported{GOOD:#} {} into {} as the program {}, first review week {}. Next:",
                    config.display(),
                    imported.dir.display(),
                    imported.program,
                    imported.week
                );
                for step in &imported.next {
                    println!("  {step}");
                }
            })
        }
        Command::Serve { port, bind, open } => {
            if !bind.is_loopback() {
                eprintln!(
                    "{WARNING}warning{WARNING:#}: --bind {bind}: the site and its build errors are visible on the network to anyone who can reach this machine; requests naming {} are answered",
                    if bind.is_unspecified() { "any of its IP addresses".to_string() } else { bind.to_string() }
                );
            }
            sitrep::serve::serve(root, bind, port, |address| {
                println!("{GOOD}Serving{GOOD:#} http://{address}/ — watching content/, data/, themes/ and site.yaml; press Ctrl-C to stop");
                if open {
                    open_browser(&format!("http://{address}/"));
                }
            })
        }
        Command::Completions { shell } => {
            // Into a buffer first: the crate panics on a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sitrep", &mut script);
            write_stdout(&script, "the completion script")
        }
        Command::Man { output } => write_man_pages(output.as_deref()),
        Command::Publish { week, restate, force } => sitrep::pipeline::publish(root, &read_week(&week), restate, force).map(|summary| {
            print_warnings(&summary.warnings);
            for change in &summary.restated {
                println!("  restated: {change}");
            }
            println!(
                "{GOOD}Published week {}{GOOD:#}: its numbers are frozen in {}. Commit that file with the narratives.",
                summary.week,
                summary.path.display()
            );
        }),
        Command::Pull {
            sources,
            as_of,
            timeout,
            jobs,
            dry_run,
            pass_env,
        } => {
            let options = sitrep::pull::PullOptions {
                sources,
                as_of,
                timeout,
                jobs,
                dry_run,
                pass_env,
                today: jiff::ZonedDateTime::now().date(),
            };
            match sitrep::pull::pull(root, &options, &PullLines) {
                Ok(summary) => return report_pull(&summary, dry_run),
                Err(error) => Err(error),
            }
        }
        Command::Digest { week, output, text } => {
            let chosen = week.is_none();
            sitrep::render::digest::digest(root, week.map(|week| read_week(&week)).as_deref()).and_then(|digest| {
                let body = if text { digest.text } else { digest.html };
                eprintln!(
                    "Digest of week {}{}",
                    digest.week,
                    match (chosen, digest.draft) {
                        (true, _) => " (the newest published week)",
                        (false, true) => " (a draft)",
                        (false, false) => "",
                    }
                );
                match output {
                    Some(path) => std::fs::write(&path, body).map_err(|error| {
                        sitrep::error::Diagnostics::from(Diagnostic::new(&path, format!("cannot write the digest: {error}"))).into()
                    }),
                    None => write_stdout(body.as_bytes(), "the digest"),
                }
            })
        }
        Command::Schema { kind, output } => {
            use sitrep::schema::{write_schemas, SchemaKind, SCHEMA_FOLDER};
            let kinds = match kind.as_deref() {
                Some("site") => vec![SchemaKind::Site],
                Some("program") => vec![SchemaKind::Program],
                _ => SchemaKind::ALL.to_vec(),
            };
            match (kind, output) {
                (Some(_), None) => {
                    print!("{}", kinds[0].text());
                    Ok(())
                }
                (_, output) => {
                    let dir = output.unwrap_or_else(|| root.join(SCHEMA_FOLDER));
                    write_schemas(&dir, &kinds).map(|written| {
                        for path in written {
                            println!("  wrote {}", path.display());
                        }
                    })
                }
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Input(diagnostics)) => {
            for diagnostic in diagnostics.iter() {
                eprintln!("{ERROR}error{ERROR:#}: {diagnostic}");
            }
            let count = diagnostics.len();
            eprintln!("{count} error{} found; nothing was written.", plural(count));
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("{ERROR}error{ERROR:#}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The folder `init` creates the project in: DIR relative to --root, or
/// the --root folder itself.
fn init_folder(root: &std::path::Path, dir: Option<&std::path::Path>) -> PathBuf {
    match dir {
        Some(dir) if root == std::path::Path::new(".") => dir.to_path_buf(),
        Some(dir) => root.join(dir),
        None => root.to_path_buf(),
    }
}

/// A week id as typed on the command line: ISO week ids are read whatever
/// the case of their `W` (`2026-w50` is `2026-W50`), with a note saying so.
fn read_week(text: &str) -> String {
    let Some((year, week)) = text.split_once("-w") else {
        return text.to_string();
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    if !(digits(year) && digits(week)) {
        return text.to_string();
    }
    let id = format!("{year}-W{week}");
    eprintln!("note: {text} read as {id}");
    id
}

/// Opens `url` in the default browser; failing to is only a warning.
fn open_browser(url: &str) {
    let (program, arguments): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        // `start`'s first quoted argument is a window title.
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let url = url.to_string();
    let warn = move |reason: String| {
        eprintln!(
            "{WARNING}warning{WARNING:#}: could not open a browser ({reason}); open {url} yourself"
        );
    };
    let spawned = std::process::Command::new(program)
        .args(&arguments)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Wait on another thread: the server must not wait for the browser.
            std::thread::spawn(move || match child.wait() {
                Ok(status) if !status.success() => warn(format!("{program} failed: {status}")),
                Err(error) => warn(format!("{program}: {error}")),
                Ok(_) => {}
            });
        }
        Err(error) => warn(format!("{program}: {error}")),
    }
}

/// Writes `bytes` (`what`) to standard output; a closed pipe (`| head`)
/// is not an error.
fn write_stdout(bytes: &[u8], what: &'static str) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io(
            "cannot write",
            format!("{what} to standard output"),
            error,
        )),
        _ => Ok(()),
    }
}

/// `sitrep man`: sitrep.1 on standard output, or every command's page
/// written into `folder`.
fn write_man_pages(folder: Option<&std::path::Path>) -> Result<(), Error> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let Some(folder) = folder else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|error| Error::io("cannot write the man page to", "standard output", error))?;
        return write_stdout(&page, "the man page");
    };
    std::fs::create_dir_all(folder).map_err(|error| Error::io("cannot create", folder, error))?;
    let mut pending = vec![command];
    let mut written = Vec::new();
    while let Some(command) = pending.pop() {
        pending.extend(
            command
                .get_subcommands()
                .filter(|sub| !sub.is_hide_set())
                .cloned(),
        );
        let man = clap_mangen::Man::new(command);
        let path = folder.join(man.get_filename());
        man.generate_to(folder)
            .map_err(|error| Error::io("cannot write", &path, error))?;
        written.push(path);
    }
    written.sort();
    for path in &written {
        println!("  wrote {}", path.display());
    }
    println!(
        "{GOOD}Wrote {} man page{}{GOOD:#}; read one with `man {}`",
        written.len(),
        plural(written.len()),
        folder.join("sitrep.1").display()
    );
    Ok(())
}

fn report_pull(summary: &sitrep::pull::PullSummary, dry_run: bool) -> ExitCode {
    use sitrep::pull::Outcome;
    print_warnings(&summary.warnings);
    println!(
        "as of {} (:as_of), since {} (:since)",
        summary.as_of, summary.since
    );
    let mut pulled = 0;
    for (source, outcome) in &summary.outcomes {
        match outcome {
            Outcome::Planned(text) => println!("  {}: {text}", source.path.display()),
            Outcome::Pulled(file) => {
                pulled += 1;
                println!(
                    "  {} → {}: {} row{}",
                    source.path.display(),
                    source.output().display(),
                    file.rows,
                    plural(file.rows as usize)
                );
            }
            Outcome::Failed(problems) => {
                for problem in problems {
                    eprintln!("{ERROR}error{ERROR:#}: {problem}");
                }
            }
        }
    }
    let failed = summary.failed();
    if dry_run {
        println!("Dry run: nothing was run or written.");
    } else if pulled > 0 {
        println!(
            "{GOOD}Pulled{GOOD:#} {pulled} source{} into data/ (recorded in {}).",
            plural(pulled),
            sitrep::pull::MANIFEST_FILE
        );
    }
    if failed > 0 {
        eprintln!(
            "{failed} source{} failed; {}",
            plural(failed),
            if failed == 1 {
                "its data file was left as it was."
            } else {
                "their data files were left as they were."
            }
        );
        return ExitCode::FAILURE;
    }
    if summary.outcomes.is_empty() {
        eprintln!("{WARNING}warning{WARNING:#}: sources/ has no sources to run");
    }
    ExitCode::SUCCESS
}

fn print_created(created: &sitrep::scaffold::Created) {
    for file in &created.files {
        println!("  created {}", file.display());
    }
    for warning in &created.warnings {
        eprintln!("{WARNING}warning{WARNING:#}: {warning}");
    }
}

fn print_warnings(warnings: &[Diagnostic]) {
    for warning in warnings {
        eprintln!("{WARNING}warning{WARNING:#}: {warning}");
    }
}

fn print_restatements(restatements: &[Restatement]) {
    if restatements.is_empty() {
        return;
    }
    eprintln!(
        "{WARNING}warning{WARNING:#}: today's data restates {} number{} of published reviews (they keep their published numbers; `sitrep publish <week> --restate` updates one):",
        restatements.len(),
        plural(restatements.len())
    );
    for change in restatements {
        eprintln!("  {change}");
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

// Rendering makes millions of small strings on several threads at once;
// mimalloc handles that markedly faster than the system allocator (see
// BENCHMARKS.md). It is built with the `no_thp` feature: otherwise it asks
// the kernel for transparent huge pages for its arena, and every 4 KiB
// touched there can cost a resident 2 MiB page, which a loaded long data
// file's columns pay for (408 against 365 MiB peak on the 10M-row file).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
