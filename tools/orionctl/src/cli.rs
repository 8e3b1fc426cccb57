// SPDX-License-Identifier: GPL-2.0

//! The command line (clap). The completions and the man pages are
//! generated from these same definitions (`orionctl completions`,
//! `make orionctl-docs`).

use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Manages SCSI hosts, targets and devices; orion_scsi's statistics and
/// its [scsi] configuration file.
///
/// Addresses: a device is H:C:T:L, /dev/sdX or /dev/sgN; a target is
/// H:C:T (or any of its devices); a host is H or hostN (or any of its
/// devices). Exit status: 0 success, 1 operation failed, 2 usage error,
/// 3 no such host/target/device, 4 permission denied, 5 invalid
/// configuration (nothing applied), 6 timed out.
#[derive(Parser, Debug)]
#[command(
    name = "orionctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Output format: human tables or JSON (stable schema, see orionctl(1)).
    #[arg(short, long, value_enum, default_value_t = Format::Table, global = true)]
    pub output: Format,
    /// Work on the system under DIR instead of / (sysfs, debugfs, /dev and
    /// /etc there; for tests and for preparing images).
    #[arg(
        long,
        value_name = "DIR",
        env = "ORIONCTL_ROOT",
        default_value = "/",
        global = true
    )]
    pub root: PathBuf,
    /// The command.
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// Top-level nouns.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// SCSI hosts (adapters): list, scan, info, reset.
    #[command(subcommand)]
    Host(HostCmd),
    /// Targets (H:C:T): info, reset, remove.
    #[command(subcommand)]
    Target(TargetCmd),
    /// Devices (LUNs): info, reset, remove.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// A device's command queue: info, depth, flush, reset.
    #[command(subcommand)]
    Queue(QueueCmd),
    /// orion_scsi's I/O statistics per host, target and LUN.
    Stats(StatsArgs),
    /// The [scsi] TOML configuration: check, apply, show.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Prints a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Writes the man pages and completion scripts into DIR.
    #[command(hide = true)]
    GenDocs {
        /// Output directory.
        dir: PathBuf,
    },
}

/// `orionctl host ...`
#[derive(Subcommand, Debug)]
pub enum HostCmd {
    /// Lists every SCSI host with its driver and device count.
    List,
    /// Scans a host for new devices (writes its sysfs `scan`).
    Scan {
        /// The host: H or hostN.
        host: String,
        /// Channel to scan (default: all).
        #[arg(long)]
        channel: Option<u32>,
        /// Target to scan (default: all).
        #[arg(long)]
        target: Option<u32>,
        /// LUN to scan (default: all).
        #[arg(long)]
        lun: Option<u64>,
    },
    /// Shows a host (every host without an argument): limits, devices
    /// with sizes; on orion hosts adapter kind, model, interrupt mode and
    /// counters.
    Info {
        /// The host: H or hostN.
        host: Option<String>,
    },
    /// Resets a host (SG_SCSI_RESET_HOST), or with --bus one bus of it.
    Reset {
        /// The host (H, hostN) or a device on it; a host reset goes
        /// through one of its devices' nodes.
        host: String,
        /// Reset the SCSI bus (channel) of the device instead of the host.
        #[arg(long)]
        bus: bool,
        /// Do not escalate to a host reset when a bus reset fails.
        #[arg(long)]
        no_escalate: bool,
    },
}

/// `orionctl target ...`
#[derive(Subcommand, Debug)]
pub enum TargetCmd {
    /// Shows a target's LUNs and their statistics totals.
    Info {
        /// The target: H:C:T, or one of its devices.
        target: String,
    },
    /// Resets a target (SG_SCSI_RESET_TARGET).
    Reset {
        /// The target: H:C:T, or one of its devices.
        target: String,
        /// Do not escalate to a bus or host reset when it fails.
        #[arg(long)]
        no_escalate: bool,
    },
    /// Removes every device of a target (writes each device's `delete`).
    Remove {
        /// The target: H:C:T, or one of its devices.
        target: String,
    },
}

/// `orionctl device ...`
#[derive(Subcommand, Debug)]
pub enum DeviceCmd {
    /// Shows a device: identity, size, queue and timeout settings,
    /// counters.
    Info {
        /// The device: H:C:T:L, /dev/sdX or /dev/sgN.
        device: String,
    },
    /// Resets a device (logical unit reset, SG_SCSI_RESET_DEVICE).
    Reset {
        /// The device: H:C:T:L, /dev/sdX or /dev/sgN.
        device: String,
        /// Do not escalate to a target, bus or host reset when it fails.
        #[arg(long)]
        no_escalate: bool,
    },
    /// Removes a device from the system (writes its `delete`); `host
    /// scan` finds it again.
    Remove {
        /// The device: H:C:T:L, /dev/sdX or /dev/sgN.
        device: String,
    },
}

/// `orionctl queue ...`
#[derive(Subcommand, Debug)]
pub enum QueueCmd {
    /// Shows the queue: depth, commands in flight, scheduler, timeouts.
    Info {
        /// The device: H:C:T:L, /dev/sdX or /dev/sgN.
        device: String,
    },
    /// Shows or sets the queue depth (sysfs `queue_depth`).
    Depth {
        /// The device: H:C:T:L, /dev/sdX or /dev/sgN.
        device: String,
        /// The new depth.
        depth: Option<u32>,
    },
    /// Writes back cached data and waits until no command is in flight:
    /// fsync of the block device (dirty pages, then SYNCHRONIZE CACHE when
    /// the device caches writes), then a wait for the in-flight count to
    /// reach 0.
    Flush {
        /// The device: H:C:T:L, /dev/sdX or /dev/sgN.
        device: String,
        /// Give up waiting after this many seconds (exit status 6).
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Restores the queue's defaults: depth, command timeout and error
    /// handling timeout, and (orion) restarts peak tracking.
    Reset {
        /// The device: H:C:T:L, /dev/sdX or /dev/sgN.
        device: String,
    },
}

/// `orionctl stats ...`
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct StatsArgs {
    /// Errors by sense key instead.
    #[command(subcommand)]
    pub sub: Option<StatsSub>,
    /// A host, target or device (default: every orion host).
    pub address: Option<String>,
    /// Refresh every N seconds like iostat, showing rates over the interval.
    #[arg(short, long, value_name = "N")]
    pub watch: Option<f64>,
    /// With --watch: stop after this many reports.
    #[arg(short, long, requires = "watch")]
    pub count: Option<u64>,
    /// Draw the latency histograms as bars.
    #[arg(long)]
    pub histogram: bool,
}

/// `orionctl stats errors`
#[derive(Subcommand, Debug)]
pub enum StatsSub {
    /// CHECK CONDITIONs by sense key per LUN, with the midlayer's error
    /// and timeout counts.
    Errors {
        /// A host, target or device (default: every orion host).
        address: Option<String>,
    },
}

/// `orionctl config ...`
#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Validates a [scsi] TOML file; changes nothing.
    Check {
        /// The file.
        file: PathBuf,
    },
    /// Validates, then applies: load-time keys to
    /// /etc/modprobe.d/orion_scsi.conf (next load), run-time keys to the
    /// present orion devices, and a udev rule for devices that come later.
    Apply {
        /// The file.
        file: PathBuf,
        /// Show what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Shows every key: its default, the file's value and what the system
    /// has now.
    Show {
        /// A configuration file to compare with.
        file: Option<PathBuf>,
    },
}
