// SPDX-License-Identifier: GPL-2.0

//! Every key of the specification's `[scsi]` table: its type, range and
//! where Linux keeps it (Documentation/orionctl.rst, "Configuration keys").

/// A key's type and allowed values.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// An integer in `min..=max`, in `unit`.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
        /// Unit, for messages ("ms", "").
        unit: &'static str,
    },
    /// `true` or `false`.
    Bool,
    /// A size: a string such as "1MB" or an integer of bytes.
    Size {
        /// Smallest value in bytes.
        min: u64,
        /// Largest value in bytes.
        max: u64,
        /// A multiple of this many bytes.
        multiple: u64,
        /// 0 is allowed besides `min..=max`.
        zero_ok: bool,
    },
    /// One of these strings.
    Choice(&'static [&'static str]),
}

/// A run-time setting (sysfs or procfs) a key maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// Device `timeout` (seconds).
    DeviceTimeout,
    /// Device `queue_depth`.
    QueueDepth,
    /// sd's `cache_type`.
    CacheType,
    /// Block queue `queue/scheduler`.
    Scheduler,
    /// Block queue `queue/read_ahead_kb`.
    ReadAheadKb,
    /// Block queue `queue/nomerges`.
    NoMerges,
    /// sd's `max_retries`.
    MaxRetries,
    /// Host `eh_deadline` (seconds).
    EhDeadline,
    /// /proc/sys/dev/scsi/logging_level, the error-recovery field.
    LoggingLevel,
}

impl Runtime {
    /// The attribute, as Documentation names it.
    pub fn attribute(self) -> &'static str {
        match self {
            Runtime::DeviceTimeout => "device/timeout",
            Runtime::QueueDepth => "device/queue_depth",
            Runtime::CacheType => "scsi_disk/cache_type",
            Runtime::Scheduler => "block/queue/scheduler",
            Runtime::ReadAheadKb => "block/queue/read_ahead_kb",
            Runtime::NoMerges => "block/queue/nomerges",
            Runtime::MaxRetries => "scsi_disk/max_retries",
            Runtime::EhDeadline => "scsi_host/eh_deadline",
            Runtime::LoggingLevel => "/proc/sys/dev/scsi/logging_level",
        }
    }
}

/// A module parameter a key maps to, and the adapter kinds that use it.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// The parameter's name (orion_scsi_main.rs `module!`).
    pub name: &'static str,
    /// Adapter kinds it means something for (`virtual`, `megasas`, `lsi`).
    pub kinds: &'static [&'static str],
}

/// One key.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// Its name in `[scsi]`.
    pub name: &'static str,
    /// Type and range.
    pub ty: Ty,
    /// What the system uses without a file (the driver's or kernel's default).
    pub default: &'static str,
    /// The load-time parameter, if any.
    pub param: Option<Param>,
    /// The run-time settings, if any.
    pub runtime: &'static [Runtime],
    /// Why kinds outside `param.kinds` ignore it, or a caveat.
    pub note: &'static str,
}

const ALL: &[&str] = &["virtual", "megasas", "lsi", "mptsas"];
const MS_RANGE: Ty = Ty::Int {
    min: 1000,
    max: 3_600_000,
    unit: "ms",
};

/// The keys, in the specification's order.
pub const KEYS: &[Key] = &[
    Key {
        name: "host_adapter_max_count",
        ty: Ty::Int { min: 0, max: 8, unit: "" },
        default: "1",
        param: Some(Param { name: "virt_adapters", kinds: &["virtual"] }),
        runtime: &[],
        note: "virtual adapters created at load; MegaRAID and LSI hosts are one per controller found",
    },
    Key {
        name: "host_adapter_max_targets",
        ty: Ty::Int { min: 1, max: 16, unit: "" },
        default: "2",
        param: Some(Param { name: "virt_targets", kinds: &["virtual"] }),
        runtime: &[],
        note: "targets of each virtual adapter; MegaRAID reports its logical drives, SPI has 16 ids",
    },
    Key {
        name: "host_adapter_max_luns",
        ty: Ty::Int { min: 1, max: 8, unit: "" },
        default: "1",
        param: Some(Param { name: "virt_luns", kinds: &["virtual"] }),
        runtime: &[],
        note: "LUNs per virtual target; hardware LUNs are what the devices report",
    },
    Key {
        name: "host_adapter_timeout",
        ty: MS_RANGE,
        default: "30000",
        param: Some(Param { name: "cmd_timeout_ms", kinds: ALL }),
        runtime: &[Runtime::DeviceTimeout],
        note: "device timeout is in whole seconds (rounded up)",
    },
    Key {
        name: "target_max_commands",
        ty: Ty::Int { min: 1, max: 256, unit: "" },
        default: "256",
        param: Some(Param { name: "target_max_cmds", kinds: &["virtual", "lsi"] }),
        runtime: &[],
        note: "orion_lsi uses at most 64 tags per target; MegaRAID firmware queues per controller",
    },
    Key {
        name: "target_queue_depth",
        ty: Ty::Int { min: 1, max: 256, unit: "" },
        default: "32",
        param: Some(Param { name: "queue_depth", kinds: &["virtual", "lsi"] }),
        runtime: &[Runtime::QueueDepth],
        note: "MegaRAID drives start at max_queue_depth; the run-time setting covers them",
    },
    Key {
        name: "target_disconnect_enabled",
        ty: Ty::Bool,
        default: "true",
        param: Some(Param { name: "target_disconnect_enabled", kinds: &["lsi"] }),
        runtime: &[],
        note: "parallel SCSI only (orion_lsi)",
    },
    Key {
        name: "target_sync_transfer_enabled",
        ty: Ty::Bool,
        default: "true",
        param: Some(Param { name: "target_sync_transfer_enabled", kinds: &["lsi"] }),
        runtime: &[],
        note: "parallel SCSI only (orion_lsi)",
    },
    Key {
        name: "read_ahead_size",
        ty: Ty::Size {
            min: 0,
            max: 256 << 20,
            multiple: 1024,
            zero_ok: true,
        },
        default: "128KB",
        param: None,
        runtime: &[Runtime::ReadAheadKb],
        note: "",
    },
    Key {
        name: "write_back_cache",
        ty: Ty::Bool,
        default: "true",
        param: Some(Param { name: "write_cache", kinds: &["virtual"] }),
        runtime: &[Runtime::CacheType],
        note: "sd changes the device's WCE bit with MODE SELECT; a device may refuse",
    },
    Key {
        name: "write_back_cache_size",
        ty: Ty::Size {
            min: 1 << 20,
            max: 1 << 30,
            multiple: 4096,
            zero_ok: true,
        },
        default: "128MB",
        param: Some(Param { name: "write_back_cache_size", kinds: &["virtual"] }),
        runtime: &[],
        note: "the virtual adapter's volatile cache; hardware caches are the device's own",
    },
    Key {
        name: "io_scheduler",
        ty: Ty::Choice(&["none", "mq-deadline", "deadline", "kyber", "bfq"]),
        default: "mq-deadline",
        param: None,
        runtime: &[Runtime::Scheduler],
        note: "\"deadline\" is mq-deadline; a scheduler the kernel lacks is reported per device",
    },
    Key {
        name: "command_batching",
        ty: Ty::Bool,
        default: "true",
        param: Some(Param { name: "virt_doorbell", kinds: &["virtual"] }),
        runtime: &[Runtime::NoMerges],
        note: "block-layer merging (nomerges 0 or 2) everywhere; batched completions on virtual adapters",
    },
    Key {
        name: "error_retry_count",
        ty: Ty::Int { min: 0, max: 5, unit: "" },
        default: "5",
        param: None,
        runtime: &[Runtime::MaxRetries],
        note: "sd's retries of a failed command (disks only)",
    },
    Key {
        name: "error_timeout",
        ty: MS_RANGE,
        default: "off",
        param: None,
        runtime: &[Runtime::EhDeadline],
        note: "time error recovery may take before the host is reset (whole seconds, rounded up)",
    },
    Key {
        name: "auto_recovery",
        ty: Ty::Bool,
        default: "true",
        param: None,
        runtime: &[],
        note: "the midlayer's error handler always recovers: true is Linux's behaviour, false cannot be applied",
    },
    Key {
        name: "error_logging_enabled",
        ty: Ty::Bool,
        default: "false",
        param: None,
        runtime: &[Runtime::LoggingLevel],
        note: "global for every SCSI host: the error-recovery field of scsi_logging_level",
    },
];

/// The key named `name`.
pub fn key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}
