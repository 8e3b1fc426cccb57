// SPDX-License-Identifier: GPL-2.0

//! The interrupt kind of a PCI adapter: the `<driver>_irq` module parameter
//! (0 auto, 1 MSI-X, 2 MSI, 3 INTx) and the set-up that tries each allowed
//! kind in turn, with a handler that knows whether it landed on a shared
//! INTx line (then it must check that its own device raised the interrupt).

use crate::hw::{IrqMode, PciIrq};
use kernel::{device::Bound, irq::Handler, pci, prelude::*};

/// A `<driver>_irq` parameter value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IrqChoice {
    /// MSI-X, then MSI, then INTx: the first the device and platform offer.
    Auto,
    /// MSI-X only.
    MsiX,
    /// MSI only.
    Msi,
    /// INTx only.
    Intx,
}

impl IrqChoice {
    /// Parses the value of the parameter `param`; anything else is refused
    /// with a log line naming the parameter.
    pub(crate) fn from_param(param: &str, v: u32) -> Result<Self> {
        Ok(match v {
            0 => IrqChoice::Auto,
            1 => IrqChoice::MsiX,
            2 => IrqChoice::Msi,
            3 => IrqChoice::Intx,
            _ => {
                pr_err!(
                    "invalid {}={}: must be 0 (auto), 1 (MSI-X), 2 (MSI) or 3 (INTx)\n",
                    param,
                    v
                );
                return Err(EINVAL);
            }
        })
    }

    /// The kinds to try, in order.
    pub(crate) fn modes(self) -> &'static [IrqMode] {
        match self {
            IrqChoice::Auto => &[IrqMode::MsiX, IrqMode::Msi, IrqMode::Intx],
            IrqChoice::MsiX => &[IrqMode::MsiX],
            IrqChoice::Msi => &[IrqMode::Msi],
            IrqChoice::Intx => &[IrqMode::Intx],
        }
    }
}

/// Registers a handler on the first kind of `choice` that works; `make`
/// builds the handler, told whether the kind is INTx. Logs and fails with
/// `ENODEV` when none does.
pub(crate) fn request_irq<'a, T: Handler + 'static>(
    pdev: &'a pci::Device<Bound>,
    choice: IrqChoice,
    name: &'static CStr,
    mut make: impl FnMut(bool) -> T,
) -> Result<PciIrq<'a, T>> {
    for &mode in choice.modes() {
        if let Ok(irq) = PciIrq::new(pdev, mode, name, make(mode == IrqMode::Intx)) {
            return Ok(irq);
        }
    }
    dev_err!(pdev.as_ref(), "no usable interrupt ({:?})\n", choice);
    Err(ENODEV)
}
