//! Benchmarks. Placeholder.
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Not yet.
    Create,
}

pub async fn run(_c: &BenchCommand) -> anyhow::Result<()> {
    Ok(())
}
