// SPDX-License-Identifier: GPL-2.0

//! Module parameters visible in `/sys/module/<module>/parameters/`.
//!
//! The kernel crate's `module!` registers its parameters with permission 0
//! (not in sysfs) and sets them once, at load. [`orion_params!`] registers
//! `struct kernel_param` entries of its own, in the `__param` section the
//! module loader reads, with a real permission: 0444 for a parameter that
//! only matters at load, 0644 for one that can change at run time. Values
//! live in atomics, so a sysfs write (serialised by the loader's
//! `kernel_param_lock`) and the driver's reads need no lock. Every write,
//! at load or through sysfs, is parsed and range-checked: a bad value is
//! refused with `EINVAL` and a log line naming the parameter and its range.
//! `modinfo` reads the `parm`/`parmtype` strings the macro puts in
//! `.modinfo`, as `module!` does.

use core::marker::PhantomData;
use kernel::{
    bindings,
    ffi::{c_char, c_int},
    prelude::*,
    str::{kstrtobool_bytes, parse_int::ParseInt, BStr},
    sync::atomic::{Atomic, Relaxed},
};

/// How a parameter's text is parsed and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `unsigned int`.
    U32,
    /// `unsigned long long`.
    U64,
    /// `bool` (`Y`/`N`, `1`/`0`, ...: `kstrtobool`).
    Bool,
}

/// Rust types a parameter can have.
pub trait ParamType: Copy {
    /// How its text is parsed.
    const KIND: Kind;
    /// From the stored value.
    fn from_raw(raw: u64) -> Self;
}

impl ParamType for u32 {
    const KIND: Kind = Kind::U32;
    fn from_raw(raw: u64) -> Self {
        u32::try_from(raw).unwrap_or(u32::MAX)
    }
}

impl ParamType for u64 {
    const KIND: Kind = Kind::U64;
    fn from_raw(raw: u64) -> Self {
        raw
    }
}

impl ParamType for bool {
    const KIND: Kind = Kind::Bool;
    fn from_raw(raw: u64) -> Self {
        raw != 0
    }
}

/// A parameter's value and rules, whatever its type.
pub struct RawParam {
    name: &'static str,
    kind: Kind,
    value: Atomic<u64>,
    min: u64,
    max: u64,
    /// Another parameter whose value bounds this one from above (a queue
    /// depth by the largest allowed).
    upper: Option<&'static RawParam>,
}

impl RawParam {
    /// The largest value allowed now.
    fn max_now(&self) -> u64 {
        match self.upper {
            Some(other) => self.max.min(other.value.load(Relaxed)),
            None => self.max,
        }
    }

    /// Parses and checks `text`, then stores it.
    fn set(&self, text: &[u8]) -> Result {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        let bstr = BStr::from_bytes(text);
        let parsed = match self.kind {
            Kind::U32 => u32::from_str(bstr).map(u64::from),
            Kind::U64 => u64::from_str(bstr),
            Kind::Bool => kstrtobool_bytes(text).map(u64::from),
        };
        let Ok(value) = parsed else {
            let what = if self.kind == Kind::Bool {
                "a boolean (y/n, 1/0, on/off)"
            } else {
                "a number"
            };
            pr_err!("invalid {}={}: must be {}\n", self.name, bstr, what);
            return Err(EINVAL);
        };
        let max = self.max_now();
        if self.kind != Kind::Bool && (value < self.min || value > max) {
            pr_err!(
                "invalid {}={}: must be {}..={}\n",
                self.name,
                value,
                self.min,
                max
            );
            return Err(EINVAL);
        }
        self.value.store(value, Relaxed);
        Ok(())
    }

    /// Writes the value as sysfs shows it into `buf`; returns the length.
    fn show(&self, buf: &mut [u8]) -> usize {
        let value = self.value.load(Relaxed);
        if self.kind == Kind::Bool {
            return copy_out(buf, if value != 0 { b"Y\n" } else { b"N\n" });
        }
        // At most 20 digits and the newline.
        let mut digits = [0u8; 21];
        let mut pos = digits.len();
        let mut v = value;
        pos -= 1;
        if let Some(d) = digits.get_mut(pos) {
            *d = b'\n';
        }
        loop {
            pos = pos.saturating_sub(1);
            if let Some(d) = digits.get_mut(pos) {
                *d = b'0' + (v % 10) as u8;
            }
            v /= 10;
            if v == 0 || pos == 0 {
                break;
            }
        }
        copy_out(buf, digits.get(pos..).unwrap_or(&[]))
    }
}

fn copy_out(buf: &mut [u8], text: &[u8]) -> usize {
    let n = text.len().min(buf.len());
    if let (Some(dst), Some(src)) = (buf.get_mut(..n), text.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}

/// A module parameter of type `T`, declared with [`orion_params!`].
pub struct Param<T: ParamType> {
    raw: RawParam,
    _t: PhantomData<T>,
}

impl<T: ParamType> Param<T> {
    /// A parameter `name` with `default`, accepting `min..=max` (bounded
    /// by `upper`'s value too, if given). For [`orion_params!`].
    pub const fn new(
        name: &'static str,
        default: u64,
        min: u64,
        max: u64,
        upper: Option<&'static RawParam>,
    ) -> Self {
        Self {
            raw: RawParam {
                name,
                kind: T::KIND,
                value: Atomic::new(default),
                min,
                max,
                upper,
            },
            _t: PhantomData,
        }
    }

    /// The current value.
    pub fn value(&self) -> T {
        T::from_raw(self.raw.value.load(Relaxed))
    }

    /// The untyped parameter, for another's `upper` bound and for the
    /// `kernel_param` entry.
    pub const fn raw(&'static self) -> &'static RawParam {
        &self.raw
    }
}

/// `kernel_param_ops.set`.
///
/// # Safety
///
/// `val` must be null or a NUL-terminated string valid for the call, and
/// `kp` a `kernel_param` made by [`orion_params!`] (its `arg` a
/// `&'static RawParam`). The loader and sysfs call it so.
unsafe extern "C" fn set(val: *const c_char, kp: *const bindings::kernel_param) -> c_int {
    if val.is_null() {
        // A bare `name` on the command line: no value to take.
        return EINVAL.to_errno();
    }
    // SAFETY: `kp` is ours (safety requirements): `arg` is the union member
    // the macro wrote, a pointer to a static `RawParam`.
    let param = unsafe { &*(*kp).__bindgen_anon_1.arg.cast::<RawParam>() };
    // SAFETY: `val` is a NUL-terminated string valid for the call.
    let text = unsafe { CStr::from_char_ptr(val) };
    match param.set(text.to_bytes()) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `kernel_param_ops.get`: sysfs `show`, into a page.
///
/// # Safety
///
/// `buffer` must be valid for writes of `PAGE_SIZE` bytes and `kp` as for
/// [`set`].
unsafe extern "C" fn get(buffer: *mut c_char, kp: *const bindings::kernel_param) -> c_int {
    // SAFETY: As for `set`.
    let param = unsafe { &*(*kp).__bindgen_anon_1.arg.cast::<RawParam>() };
    // SAFETY: sysfs hands a page (safety requirements), not otherwise
    // referenced during the call.
    let buf =
        unsafe { core::slice::from_raw_parts_mut(buffer.cast::<u8>(), kernel::page::PAGE_SIZE) };
    param.show(buf) as c_int
}

/// The operations of every parameter [`orion_params!`] declares.
pub static OPS: bindings::kernel_param_ops = bindings::kernel_param_ops {
    flags: 0,
    set: Some(set),
    get: Some(get),
    free: None,
};

/// The bytes of `s` as an array (for `.modinfo` strings built by `concat!`).
pub const fn bytes<const N: usize>(s: &str) -> [u8; N] {
    let src = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N && i < src.len() {
        out[i] = src[i];
        i += 1;
    }
    out
}

/// Declares module parameters in a module `$m`:
///
/// ```ignore
/// orion_params! {
///     mod module_params;
///     queue_depth: u32 {
///         default: 32, range: [1, 256], upper: max_queue_depth, perm: 0o644,
///         description: "Default queue depth",
///     },
/// }
/// ```
///
/// Each becomes `module_params::name`, a [`Param`] (`.value()`), with its
/// `kernel_param` entry and `modinfo` strings. `perm` is 0o444 or 0o644.
#[macro_export]
macro_rules! orion_params {
    (
        mod $m:ident;
        $(
            $name:ident : $ty:ident {
                default: $default:expr,
                range: [$min:expr, $max:expr],
                $(upper: $upper:ident,)?
                perm: $perm:literal,
                description: $desc:literal $(,)?
            }
        ),* $(,)?
    ) => {
        pub(crate) mod $m {
            use $crate::params::Param;
            $(
                #[allow(non_upper_case_globals)]
                pub(crate) static $name: Param<$ty> = Param::new(
                    ::core::stringify!($name),
                    $default as u64,
                    $min as u64,
                    $max as u64,
                    $crate::orion_params!(@upper $($upper)?),
                );

                const _: () = {
                    const _: () = ::core::assert!($perm == 0o444 || $perm == 0o644);
                    const NAME: &::core::ffi::CStr = match ::core::ffi::CStr::from_bytes_with_nul(
                        ::core::concat!(::core::stringify!($name), "\0").as_bytes(),
                    ) {
                        Ok(s) => s,
                        // Evaluated at compile time (a `const` item): a bad
                        // name fails the build; no panic reaches the module.
                        Err(_) => panic!("parameter name"),
                    };
                    const PARM: &str = ::core::concat!(
                        "parm=", ::core::stringify!($name), ":", $desc, "\0"
                    );
                    const PARMTYPE: &str = ::core::concat!(
                        "parmtype=", ::core::stringify!($name), ":",
                        $crate::orion_params!(@type $ty), "\0"
                    );
                    #[link_section = ".modinfo"]
                    #[used(compiler)]
                    static PARM_INFO: [u8; PARM.len()] = $crate::params::bytes(PARM);
                    #[link_section = ".modinfo"]
                    #[used(compiler)]
                    static PARMTYPE_INFO: [u8; PARMTYPE.len()] = $crate::params::bytes(PARMTYPE);
                    #[link_section = "__param"]
                    #[used(compiler)]
                    static ENTRY: ::kernel::module_param::KernelParam =
                        ::kernel::module_param::KernelParam::new(::kernel::bindings::kernel_param {
                            name: ::kernel::str::as_char_ptr_in_const_context(NAME),
                            // The loader's `struct module`, live until the
                            // module is unloaded; only its address is taken.
                            mod_: &raw mut ::kernel::bindings::__this_module,
                            ops: &$crate::params::OPS,
                            perm: $perm,
                            level: -1,
                            flags: 0,
                            __bindgen_anon_1: ::kernel::bindings::kernel_param__bindgen_ty_1 {
                                arg: ::core::ptr::from_ref($name.raw()).cast_mut().cast(),
                            },
                        });
                };
            )*
        }
    };
    (@upper) => { None };
    (@upper $upper:ident) => { Some($upper.raw()) };
    (@type u32) => { "uint" };
    (@type u64) => { "ullong" };
    (@type bool) => { "bool" };
}
