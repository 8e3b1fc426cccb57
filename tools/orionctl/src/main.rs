// SPDX-License-Identifier: GPL-2.0

//! orionctl: manages SCSI hosts, targets and devices through the kernel's
//! standard interfaces (sysfs, SG_SCSI_RESET), shows orion_scsi's
//! statistics, and checks and applies its `[scsi]` TOML configuration
//! (Documentation/orionctl.rst).

mod addr;
mod cli;
mod config;
mod device;
mod docs;
mod error;
mod host;
mod ops;
mod output;
mod queue;
mod reset;
mod stats;
mod stats_cmd;
mod sysfs;
mod topology;

#[cfg(test)]
mod tests;

use clap::Parser;
use cli::{Cli, Cmd, ConfigCmd};
use output::Format;
use std::process::ExitCode;

/// The command's name for the JSON envelope ("host info", ...).
fn command_name(cmd: &Cmd) -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let noun = match cmd {
        Cmd::Host(_) => "host",
        Cmd::Target(_) => "target",
        Cmd::Device(_) => "device",
        Cmd::Queue(_) => "queue",
        Cmd::Stats(_) => "stats",
        Cmd::Config(_) => "config",
        Cmd::Completions { .. } => "completions",
        Cmd::GenDocs { .. } => "gen-docs",
    };
    let verb = args
        .iter()
        .skip_while(|a| a.as_str() != noun)
        .nth(1)
        .filter(|v| !v.starts_with('-') && v.chars().all(|c| c.is_ascii_lowercase()));
    match verb {
        Some(v) => format!("{noun} {v}"),
        None => noun.to_string(),
    }
}

fn run(cli: &Cli) -> error::Result<()> {
    let sys = sysfs::Sys::new(&cli.root);
    let fmt = cli.output;
    match &cli.cmd {
        Cmd::Host(c) => host::run(&sys, fmt, c),
        Cmd::Target(c) => device::run_target(&sys, fmt, c),
        Cmd::Device(c) => device::run(&sys, fmt, c),
        Cmd::Queue(c) => queue::run(&sys, fmt, c),
        Cmd::Stats(a) => stats_cmd::run(&sys, fmt, a),
        Cmd::Config(ConfigCmd::Check { file }) => config::check(fmt, file),
        Cmd::Config(ConfigCmd::Apply { file, dry_run }) => config::apply(&sys, fmt, file, *dry_run),
        Cmd::Config(ConfigCmd::Show { file }) => config::show(&sys, fmt, file.as_deref()),
        Cmd::Completions { shell } => {
            docs::completions(*shell);
            Ok(())
        }
        Cmd::GenDocs { dir } => docs::generate(dir),
    }
}

fn main() -> ExitCode {
    // Like other command-line tools: end quietly when the reader of the
    // output goes away (`orionctl ... | head`), instead of panicking on
    // EPIPE.
    // SAFETY: sets the disposition of SIGPIPE before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orionctl: {e}");
            if cli.output == Format::Json {
                output::print_json_error(&command_name(&cli.cmd), &e);
            }
            ExitCode::from(e.exit_code())
        }
    }
}
