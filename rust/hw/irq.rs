// SPDX-License-Identifier: GPL-2.0

//! One interrupt vector of a PCI function, MSI-X, MSI or INTx, with its
//! handler.
//!
//! `kernel::pci` splits the vector allocation and the handler registration
//! into two objects, the second borrowing the first, which a driver cannot
//! keep side by side in its device data. [`PciIrq`] owns both: dropping it
//! frees the handler (waiting for running invocations) and then the vectors.

use crate::bindings;
use core::ffi::c_void;
use kernel::{device::Bound, irq::Handler, pci, prelude::*};

/// The interrupt kind in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrqMode {
    /// MSI-X, vector 0.
    MsiX,
    /// MSI, one vector.
    Msi,
    /// Legacy INTx (shared line).
    Intx,
}

impl IrqMode {
    fn pci_flag(self) -> u32 {
        match self {
            IrqMode::MsiX => bindings::PCI_IRQ_MSIX,
            IrqMode::Msi => bindings::PCI_IRQ_MSI,
            IrqMode::Intx => bindings::PCI_IRQ_INTX,
        }
    }

    /// Name as the kernel prints it (`/proc/interrupts` style).
    pub fn name(self) -> &'static str {
        match self {
            IrqMode::MsiX => "MSI-X",
            IrqMode::Msi => "MSI",
            IrqMode::Intx => "INTx",
        }
    }
}

/// A registered interrupt handler on vector 0 of a PCI function.
///
/// # Invariants
///
/// Vectors were allocated for `pdev` with `pci_alloc_irq_vectors`, and
/// `handler` (boxed, so its address is stable) is registered on `irq` with
/// itself as the cookie.
pub struct PciIrq<'a, T: Handler + 'static> {
    pdev: &'a pci::Device<Bound>,
    irq: u32,
    mode: IrqMode,
    handler: KBox<T>,
}

fn raw_pdev(pdev: &pci::Device<Bound>) -> *mut bindings::pci_dev {
    // `pci::Device` is a transparent wrapper around `struct pci_dev`.
    core::ptr::from_ref(pdev)
        .cast::<bindings::pci_dev>()
        .cast_mut()
}

/// The C interrupt handler, registered by [`PciIrq::new`].
///
/// # Safety
///
/// `cookie` must be the cookie `PciIrq::new` registered with this function: a
/// pointer to a live `T`. Only the interrupt core calls this, between
/// `request_irq` and the `free_irq` in `PciIrq`'s drop, which frees the
/// handler only afterwards.
unsafe extern "C" fn handle_irq<T: Handler>(
    _irq: i32,
    cookie: *mut c_void,
) -> bindings::irqreturn_t {
    // SAFETY: The cookie is the boxed handler registered in `PciIrq::new`,
    // alive until `free_irq` returns.
    let handler = unsafe { &*cookie.cast::<T>() };
    bindings::irqreturn_t(handler.handle() as u32)
}

impl<'a, T: Handler + 'static> PciIrq<'a, T> {
    /// Allocates one vector of kind `mode` and registers `handler` on it
    /// (shared for INTx). A driver falling back from one kind to the next
    /// calls this once per kind: its handler may need to know the kind.
    pub fn new(
        pdev: &'a pci::Device<Bound>,
        mode: IrqMode,
        name: &'static CStr,
        handler: T,
    ) -> Result<Self> {
        let raw = raw_pdev(pdev);
        // SAFETY: `raw` is a live, bound PCI device.
        let ret = unsafe { bindings::pci_alloc_irq_vectors(raw, 1, 1, mode.pci_flag()) };
        if ret != 1 {
            return Err(if ret < 0 {
                Error::from_errno(ret)
            } else {
                ENODEV
            });
        }
        // SAFETY: Vectors were just allocated for `raw`.
        let irq = unsafe { bindings::pci_irq_vector(raw, 0) };
        let free_vectors = || {
            // SAFETY: Vectors are allocated and no handler is registered.
            unsafe { bindings::pci_free_irq_vectors(raw) }
        };
        let Ok(irq) = u32::try_from(irq) else {
            free_vectors();
            return Err(Error::from_errno(irq));
        };
        let handler = match KBox::new(handler, GFP_KERNEL) {
            Ok(h) => h,
            Err(e) => {
                free_vectors();
                return Err(e.into());
            }
        };
        let flags: c_ulong = if mode == IrqMode::Intx {
            bindings::IRQF_SHARED as c_ulong
        } else {
            0
        };
        // SAFETY: `irq` belongs to `raw`; the cookie is the boxed handler,
        // which `Drop` frees only after `free_irq`; `name` is static.
        let ret = unsafe {
            bindings::request_irq(
                irq,
                Some(handle_irq::<T>),
                flags,
                name.as_char_ptr(),
                core::ptr::from_ref::<T>(&handler).cast_mut().cast(),
            )
        };
        if ret != 0 {
            free_vectors();
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: Vectors allocated, handler registered with its box as cookie.
        Ok(Self {
            pdev,
            irq,
            mode,
            handler,
        })
    }

    /// The interrupt kind in use.
    pub fn mode(&self) -> IrqMode {
        self.mode
    }

    /// Waits for running invocations of the handler to finish.
    pub fn synchronize(&self) {
        // SAFETY: `irq` is registered (type invariant).
        unsafe { bindings::synchronize_irq(self.irq) }
    }
}

impl<T: Handler + 'static> Drop for PciIrq<'_, T> {
    fn drop(&mut self) {
        let cookie = core::ptr::from_ref::<T>(&self.handler)
            .cast_mut()
            .cast::<c_void>();
        // SAFETY: By the type invariant the handler is registered on `irq`
        // with this cookie; `free_irq` waits for running invocations.
        unsafe { bindings::free_irq(self.irq, cookie) };
        // SAFETY: The vectors were allocated for `pdev` and no handler is
        // registered on them any more.
        unsafe { bindings::pci_free_irq_vectors(raw_pdev(self.pdev)) };
    }
}
