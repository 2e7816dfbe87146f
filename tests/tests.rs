//! Integration tests, built as one binary.

mod util;

mod architecture;
mod bad_input;
mod cli;
mod detect;
mod generate;
mod invariance;
mod partition;
mod report;
