//! Integration tests, built as one binary.

mod util;

mod accounting;
mod architecture;
mod bad_input;
mod cli;
mod detect;
mod formats;
mod generate;
mod invariance;
mod output_safety;
mod partition;
mod report;
mod settings;
