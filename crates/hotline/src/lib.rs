//! The `hotline` binary's library half: configuration, startup, CLI, demo world, benchmarks.
//! `main.rs` stays thin so tests can start the real application in-process.

pub mod ask;
pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod generate;
pub mod history;
pub mod seed;
pub mod serve;
pub mod startup;
pub mod triage;
