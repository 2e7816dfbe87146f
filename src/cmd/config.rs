//! `scrapewatch config`: prints the annotated defaults, or the effective
//! configuration after `--config` and `--set`.

use anyhow::Result;
use clap::Args;
use scrapewatch::output::{is_unprintable, printable_lines};
use scrapewatch::Config;
use std::path::PathBuf;

/// Arguments of `scrapewatch config`.
#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Print the annotated default configuration (with `--preset`: the
    /// preset's settings, to adapt).
    #[arg(long)]
    pub default: bool,
    /// List the presets, one a line.
    #[arg(long, conflicts_with_all = ["default", "config", "set"])]
    pub presets: bool,
    /// A preset: its settings are laid over the file's, under `--set`.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Configuration file to check and print.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Overrides, as for scan.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Runs the command.
pub fn run(args: ConfigArgs) -> Result<i32> {
    use scrapewatch::format::preset;
    if args.presets {
        let mut out = String::new();
        for p in preset::ALL {
            out.push_str(&format!("{:<12} {}\n", p.name, p.about));
        }
        super::write_stdout(&out)?;
    } else if let (true, Some(name)) = (args.default, &args.preset) {
        let p = preset::find(name).ok_or_else(|| {
            anyhow::anyhow!("--preset: `{name}` is not one of {}", preset::names())
        })?;
        let text = format!(
            "# Preset {}: {}.\n# Use with --preset {} (or `preset = \"{}\"` in [[input.sources]]),\n# or adapt it: these keys in a --config file do the same.\n{}",
            p.name, p.about, p.name, p.name, p.toml
        );
        super::write_stdout(&text)?;
    } else if args.default {
        super::write_stdout(Config::default_toml())?;
    } else {
        let config = Config::load_with(args.config.as_deref(), args.preset.as_deref(), &args.set)?;
        super::write_stdout(&printable_toml(&toml::to_string_pretty(&config)?))?;
    }
    Ok(0)
}

/// TOML safe to show on a terminal. The toml crate escapes control
/// characters but writes bidirectional and invisible ones raw: they are
/// written as TOML `\uXXXX` escapes when that reads back to the same
/// configuration (they sit in basic strings), else as visible escapes.
fn printable_toml(text: &str) -> String {
    if !text.chars().any(|c| c != '\n' && is_unprintable(c)) {
        return text.to_string();
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c != '\n' && is_unprintable(c) {
            escaped.push_str(&format!("\\u{:04X}", c as u32));
        } else {
            escaped.push(c);
        }
    }
    let same = matches!(
        (text.parse::<toml::Table>(), escaped.parse::<toml::Table>()),
        (Ok(a), Ok(b)) if a == b
    );
    if same {
        escaped
    } else {
        printable_lines(text).into_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn printable_toml_escapes_bidi_and_reads_back_the_same() {
        let text = "a = \"x\u{202e}y\"\n";
        assert_eq!(super::printable_toml(text), "a = \"x\\u202Ey\"\n");
        // A literal string cannot hold an escape: shown visibly instead.
        let literal = "a = 'x\u{202e}\\y'\n";
        assert_eq!(super::printable_toml(literal), "a = 'x\\u{202e}\\y'\n");
    }
}
