//! `scrapewatch config`: prints the annotated defaults, or the effective
//! configuration after `--config` and `--set`.

use anyhow::Result;
use clap::Args;
use scrapewatch::Config;
use std::path::PathBuf;

/// Arguments of `scrapewatch config`.
#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Print the annotated default configuration.
    #[arg(long)]
    pub default: bool,
    /// Configuration file to check and print.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Overrides, as for scan.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Runs the command.
pub fn run(args: ConfigArgs) -> Result<i32> {
    if args.default {
        super::write_stdout(Config::default_toml())?;
    } else {
        let config = Config::load(args.config.as_deref(), &args.set)?;
        super::write_stdout(&toml::to_string_pretty(&config)?)?;
    }
    Ok(0)
}
