//! The `scrapewatch` binary: parses the command line, runs the command, and
//! alone decides what is printed for errors and which exit status results:
//! 0 clean, 1 findings at or above `--fail-on`, 2 error, 3 `--strict`
//! stopped on a bad line. A closed pipe on stdout ends quietly with 0.

mod cli;
mod cmd;

use clap::Parser;
use scrapewatch::ErrorKind;

fn main() {
    // The program owns the process, so it, not the library, installs the
    // handler that keeps mapped input safe from files truncated under it.
    scrapewatch::input::install_sigbus_guard();
    let mut cli = cli::Cli::parse();
    let (threads, warning) = cli.command.threads();
    if let Some(warning) = warning {
        eprintln!("scrapewatch: warning: {warning}");
    }
    // `--threads` bounds every stage, detection included, not only the
    // scan's own pool. (This fails only if a pool already exists.)
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let result = match cli.command {
        cli::Command::Scan(args) => cmd::scan::run(args),
        cli::Command::Config(args) => cmd::config::run(args),
        cli::Command::Generate(args) => cmd::generate::run(args),
        cli::Command::Eval(args) => cmd::eval::run(args),
        cli::Command::Sweep(args) => cmd::sweep::run(args),
        cli::Command::Explain(args) => cmd::explain::run(args),
        cli::Command::Report(args) => cmd::report::run(args),
        cli::Command::Partition(args) => cmd::partition::run_partition(args),
        cli::Command::Detect(args) => cmd::partition::run_detect(args),
        cli::Command::Merge(args) => cmd::partition::run_merge(args),
        cli::Command::Verify(args) => cmd::verify::run(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(err) => exit_code(&err),
    };
    std::process::exit(code);
}

fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return 0;
            }
        }
    }
    // Messages can quote log content or odd file names: made printable.
    // The chain of causes, leaving out a cause whose words the message
    // already gives (a library error names its I/O cause in its message
    // and keeps it as its source).
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message = format!("{message}: {cause}");
        }
    }
    eprintln!(
        "scrapewatch: {}",
        scrapewatch::output::printable_lines(&message)
    );
    match err.downcast_ref::<scrapewatch::Error>().map(|e| e.kind()) {
        Some(ErrorKind::Strict) => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_definitions_are_consistent() {
        // Clap checks names, clashes and defaults of every subcommand.
        use clap::CommandFactory;
        crate::cli::Cli::command().debug_assert();
    }
}
