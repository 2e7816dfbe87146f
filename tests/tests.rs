//! Integration tests, built as one binary.

mod util;

mod bad_input;
mod cli;
mod detect;
mod generate;
mod invariance;
mod report;
mod settings;
