// SPDX-License-Identifier: GPL-2.0

//! SAS transport identify data and link rates (`rust/scsi/sas/ident.rs`):
//! the codes `include/scsi/scsi_transport_sas.h` and `include/scsi/sas.h`
//! define, what `sas_rphy_add` scans, and the checks of a sysfs rate
//! request before it reaches the driver.
use orion_scsi_host_tests::sas::ident::{
    DeviceType, Identify, LinkRate, PhyRates, Protocols, RateLimits, SasError, ScanLuns,
};

/// Every link rate with its `enum sas_linkrate` value.
const RATES: [(LinkRate, u32); 13] = [
    (LinkRate::Unknown, 0),
    (LinkRate::PhyDisabled, 1),
    (LinkRate::ResetProblem, 2),
    (LinkRate::SpinupHold, 3),
    (LinkRate::PortSelector, 4),
    (LinkRate::ResetInProgress, 5),
    (LinkRate::Gbps1_5, 8),
    (LinkRate::Gbps3, 9),
    (LinkRate::Gbps6, 10),
    (LinkRate::Gbps12, 11),
    (LinkRate::Gbps22_5, 12),
    (LinkRate::Failed, 0x10),
    (LinkRate::Virtual, 0x11),
];

#[test]
fn link_rate_codes_match_the_header() {
    for (r, code) in RATES {
        assert_eq!(r.code(), code, "{r:?}");
        assert_eq!(LinkRate::from_code(code), Some(r), "{code:#x}");
    }
    for code in [6, 7, 13, 14, 15, 0x12, 0xff, u32::MAX] {
        assert_eq!(LinkRate::from_code(code), None, "{code:#x}");
    }
}

#[test]
fn only_gbps_values_are_rates_and_they_order_by_speed() {
    let rates: Vec<LinkRate> = RATES
        .iter()
        .map(|(r, _)| *r)
        .filter(|r| r.is_rate())
        .collect();
    assert_eq!(
        rates,
        [
            LinkRate::Gbps1_5,
            LinkRate::Gbps3,
            LinkRate::Gbps6,
            LinkRate::Gbps12,
            LinkRate::Gbps22_5
        ]
    );
    assert!(rates
        .windows(2)
        .all(|w| w[0] < w[1] && w[0].code() < w[1].code()));
    assert!(!LinkRate::Failed.is_rate() && !LinkRate::Unknown.is_rate());
}

#[test]
fn wire_nibble_decodes_like_smp_discover() {
    assert_eq!(LinkRate::from_wire(0x8), LinkRate::Gbps1_5);
    assert_eq!(LinkRate::from_wire(0x9), LinkRate::Gbps3);
    assert_eq!(LinkRate::from_wire(0xc), LinkRate::Gbps22_5);
    assert_eq!(LinkRate::from_wire(0x1), LinkRate::PhyDisabled);
    // The upper nibble (programmed rate in SMP DISCOVER) is ignored.
    assert_eq!(LinkRate::from_wire(0xa9), LinkRate::Gbps3);
    // Reserved values are not rates.
    for n in [0x6, 0x7, 0xd, 0xe, 0xf] {
        assert_eq!(LinkRate::from_wire(n), LinkRate::Unknown, "{n:#x}");
    }
}

#[test]
fn device_type_codes_match_the_header() {
    let types = [
        (DeviceType::Unused, 0),
        (DeviceType::EndDevice, 1),
        (DeviceType::EdgeExpander, 2),
        (DeviceType::FanoutExpander, 3),
    ];
    for (t, code) in types {
        assert_eq!(t.code(), code);
        assert_eq!(DeviceType::from_code(code), Some(t));
    }
    // libsas's internal types (SAS_HA, SAS_SATA_DEV, ...) are not ours.
    for code in [4, 5, 7, 8, 9, 100] {
        assert_eq!(DeviceType::from_code(code), None, "{code}");
    }
}

#[test]
fn protocol_bits_match_the_header_and_reject_unknown_bits() {
    assert_eq!(Protocols::SATA.bits(), 0x1);
    assert_eq!(Protocols::SMP.bits(), 0x2);
    assert_eq!(Protocols::STP.bits(), 0x4);
    assert_eq!(Protocols::SSP.bits(), 0x8);
    let all = Protocols::SATA
        .union(Protocols::SMP)
        .union(Protocols::STP)
        .union(Protocols::SSP);
    assert_eq!(Protocols::from_bits(0xf), Some(all));
    assert_eq!(Protocols::from_bits(0), Some(Protocols::NONE));
    // SAS_PROTOCOL_INTERNAL_ABORT (0x10) is libsas's, not a wire protocol.
    assert_eq!(Protocols::from_bits(0x10), None);
    assert_eq!(Protocols::from_bits(0x18), None);
    let ssp_stp = Protocols::SSP.union(Protocols::STP);
    assert!(ssp_stp.contains(Protocols::SSP));
    assert!(!ssp_stp.contains(Protocols::SSP.union(Protocols::SATA)));
    assert!(ssp_stp.intersects(Protocols::SSP.union(Protocols::SATA)));
    assert!(!ssp_stp.intersects(Protocols::SMP));
    assert!(Protocols::NONE.is_empty() && !ssp_stp.is_empty());
}

fn end_device(target: Protocols) -> Identify {
    Identify {
        device_type: DeviceType::EndDevice,
        initiator_protocols: Protocols::NONE,
        target_protocols: target,
        sas_address: 0x5000_c500_0000_0001,
        phy_identifier: 0,
    }
}

#[test]
fn end_device_identify_needs_the_type_and_an_address() {
    assert_eq!(end_device(Protocols::SSP).check_end_device(), Ok(()));
    let mut id = end_device(Protocols::SSP);
    id.device_type = DeviceType::EdgeExpander;
    assert_eq!(id.check_end_device(), Err(SasError::NotEndDevice));
    id.device_type = DeviceType::Unused;
    assert_eq!(id.check_end_device(), Err(SasError::NotEndDevice));
    let mut id = end_device(Protocols::SSP);
    id.sas_address = 0;
    assert_eq!(id.check_end_device(), Err(SasError::NoAddress));
}

#[test]
fn scan_follows_sas_rphy_add() {
    // SSP targets: every LUN; SATA/STP: LUN 0; no SCSI target protocol
    // (an SMP-only device, an initiator): no target at all.
    assert_eq!(end_device(Protocols::SSP).scan_luns(), Some(ScanLuns::All));
    assert_eq!(
        end_device(Protocols::SATA).scan_luns(),
        Some(ScanLuns::Lun0)
    );
    assert_eq!(end_device(Protocols::STP).scan_luns(), Some(ScanLuns::Lun0));
    assert_eq!(
        end_device(Protocols::SSP.union(Protocols::SATA)).scan_luns(),
        Some(ScanLuns::All)
    );
    assert_eq!(end_device(Protocols::SMP).scan_luns(), None);
    assert_eq!(end_device(Protocols::NONE).scan_luns(), None);
    let mut expander = end_device(Protocols::SSP);
    expander.device_type = DeviceType::FanoutExpander;
    assert_eq!(expander.scan_luns(), None);
}

/// A 1.5-3.0 Gbit/s phy as QEMU's mptsas1068 reports it, programmed to
/// its full range.
const QEMU_PHY: PhyRates = PhyRates {
    negotiated: LinkRate::Gbps3,
    minimum_hw: LinkRate::Gbps1_5,
    minimum: LinkRate::Gbps1_5,
    maximum_hw: LinkRate::Gbps3,
    maximum: LinkRate::Gbps3,
};

#[test]
fn rate_request_within_the_hardware_range_is_accepted() {
    assert_eq!(
        RateLimits::check(9, 0, &QEMU_PHY),
        Ok(RateLimits {
            minimum: Some(LinkRate::Gbps3),
            maximum: None
        })
    );
    assert_eq!(
        RateLimits::check(0, 8, &QEMU_PHY),
        Ok(RateLimits {
            minimum: None,
            maximum: Some(LinkRate::Gbps1_5)
        })
    );
    assert_eq!(
        RateLimits::check(8, 9, &QEMU_PHY),
        Ok(RateLimits {
            minimum: Some(LinkRate::Gbps1_5),
            maximum: Some(LinkRate::Gbps3)
        })
    );
}

#[test]
fn rate_request_refuses_states_and_nothing() {
    // What the class passes for "Unknown" (0 in the written field).
    assert_eq!(RateLimits::check(0, 0, &QEMU_PHY), Err(SasError::NoChange));
    // "Phy disabled", "Spin-up hold", "Link Rate failed" are names the
    // class accepts for these files, but not rates.
    for code in [1, 3, 0x10] {
        assert_eq!(
            RateLimits::check(code, 0, &QEMU_PHY),
            Err(SasError::NotARate),
            "{code}"
        );
        assert_eq!(
            RateLimits::check(0, code, &QEMU_PHY),
            Err(SasError::NotARate),
            "{code}"
        );
    }
    assert_eq!(RateLimits::check(6, 0, &QEMU_PHY), Err(SasError::NotARate));
    assert_eq!(
        RateLimits::check(0, u32::MAX, &QEMU_PHY),
        Err(SasError::NotARate)
    );
}

#[test]
fn rate_request_stays_inside_the_hardware() {
    assert_eq!(
        RateLimits::check(0, 10, &QEMU_PHY),
        Err(SasError::OutsideHardware)
    );
    assert_eq!(
        RateLimits::check(10, 0, &QEMU_PHY),
        Err(SasError::OutsideHardware)
    );
    let fast = PhyRates {
        minimum_hw: LinkRate::Gbps3,
        minimum: LinkRate::Gbps3,
        ..QEMU_PHY
    };
    assert_eq!(
        RateLimits::check(8, 0, &fast),
        Err(SasError::OutsideHardware)
    );
    // Unknown hardware limits do not bound the request.
    let unknown = PhyRates::UNKNOWN;
    assert_eq!(
        RateLimits::check(12, 0, &unknown),
        Ok(RateLimits {
            minimum: Some(LinkRate::Gbps22_5),
            maximum: None
        })
    );
}

#[test]
fn rate_request_keeps_minimum_at_or_below_maximum() {
    // Raising the minimum above the programmed maximum.
    let capped = PhyRates {
        maximum: LinkRate::Gbps1_5,
        ..QEMU_PHY
    };
    assert_eq!(RateLimits::check(9, 0, &capped), Err(SasError::MinAboveMax));
    // Lowering the maximum below the programmed minimum.
    let floored = PhyRates {
        minimum: LinkRate::Gbps3,
        ..QEMU_PHY
    };
    assert_eq!(
        RateLimits::check(0, 8, &floored),
        Err(SasError::MinAboveMax)
    );
    // Both at once, crossed.
    assert_eq!(
        RateLimits::check(9, 8, &QEMU_PHY),
        Err(SasError::MinAboveMax)
    );
    // Equal is fine, and an unknown programmed limit does not constrain.
    assert!(RateLimits::check(9, 9, &QEMU_PHY).is_ok());
    let unprogrammed = PhyRates {
        maximum: LinkRate::Unknown,
        ..QEMU_PHY
    };
    assert!(RateLimits::check(9, 0, &unprogrammed).is_ok());
}
