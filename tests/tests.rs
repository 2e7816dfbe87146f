//! Integration tests, built as one binary.

mod util;

mod accounting;
mod architecture;
mod bad_input;
mod cli;
mod columnar;
mod detect;
mod formats;
mod gaps;
mod generate;
mod invariance;
mod manifest;
mod output_safety;
mod partition;
mod period;
mod report;
mod schema;
mod settings;
mod siem;
mod state;
mod web;
