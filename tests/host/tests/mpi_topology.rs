// SPDX-License-Identifier: GPL-2.0

//! The SAS fabric the driver derives from the configuration pages
//! (`drivers/mptsas/mpi/topology.rs`): link rates in the class's codes,
//! end devices from SAS device page 0 with QEMU's values, derived and
//! deduplicated addresses, firmware addresses and what changes after the
//! pages are read again.
use orion_scsi_host_tests::mptsas::mpi::sas_pages::{IoUnitPhy, SasDevice0, SasPhy0};
use orion_scsi_host_tests::mptsas::mpi::topology::{
    change, class, class_rate, end_device, make_unique, phy_rates, readdressed, Change, EndDevice,
    FwAddr, Route, Skip, Uniqueness,
};

const HBA: u64 = 0x3525_4000_0000_0900;

/// SAS IO unit page 0's entry for QEMU's phy `t` (disk present or not).
fn unit(t: u8, disk: bool) -> IoUnitPhy {
    IoUnitPhy {
        port: t,
        port_flags: 0,
        phy_flags: 0,
        negotiated_link_rate: if disk { 0x09 } else { 0x02 },
        controller_phy_device_info: if disk { 0x401 } else { 0 },
        attached_dev_handle: if disk { 9 + u16::from(t) } else { 0 },
        controller_dev_handle: if disk { 9 + u16::from(t) } else { 0 },
        discovery_status: 0,
    }
}

/// SAS device page 0 of QEMU's disk at target `t` with `wwn`.
fn device(t: u8, wwn: u64) -> SasDevice0 {
    SasDevice0 {
        slot: 0,
        enclosure_handle: 0,
        sas_address: wwn,
        parent_dev_handle: u16::from(t) + 1,
        phy_num: t,
        access_status: 0,
        dev_handle: 9 + u16::from(t),
        target_id: t,
        bus: 0,
        device_info: 0x401,
        flags: 0x7,
        physical_port: t,
    }
}

#[test]
fn link_rates_in_class_codes() {
    assert_eq!(class_rate(0x08), class::G1_5);
    assert_eq!(class_rate(0x09), class::G3);
    assert_eq!(class_rate(0x0a), class::G6);
    assert_eq!(class_rate(0x02), class::FAILED);
    assert_eq!(class_rate(0x01), class::PHY_DISABLED);
    assert_eq!(class_rate(0x00), class::UNKNOWN);
    assert_eq!(class_rate(0x03), class::UNKNOWN);
    // Only the low nibble counts.
    assert_eq!(class_rate(0xf9), class::G3);
    // QEMU's SAS phy page 0: programmed and hardware 1.5-3.0 Gbit/s.
    let p0 = SasPhy0 {
        owner_dev_handle: 9,
        sas_address: HBA,
        attached_dev_handle: 9,
        attached_phy_identifier: 0,
        attached_device_info: 1,
        programmed_link_rate: 0x98,
        hw_link_rate: 0x98,
        change_count: 0,
        flags: 0,
        phy_info: 0,
    };
    let r = phy_rates(&unit(0, true), Some(&p0));
    assert_eq!(
        (
            r.negotiated,
            r.minimum_hw,
            r.maximum_hw,
            r.minimum,
            r.maximum
        ),
        (class::G3, class::G1_5, class::G3, class::G1_5, class::G3)
    );
    let r = phy_rates(&unit(2, false), None);
    assert_eq!(r.negotiated, class::FAILED);
    assert_eq!(
        (r.minimum_hw, r.maximum_hw),
        (class::UNKNOWN, class::UNKNOWN)
    );
}

#[test]
fn end_devices_from_qemu_pages() {
    let d = end_device(1, &unit(1, true), &device(1, 0x5000_c500_0000_0002), HBA).unwrap();
    assert_eq!(d.sas_address, 0x5000_c500_0000_0002);
    assert!(!d.derived);
    assert_eq!(d.fw, FwAddr { bus: 0, target: 1 });
    assert_eq!((d.phy, d.phy_identifier, d.handle), (1, 1, 10));
    // No wwn: derived from the HBA's address and the phy, stable.
    let d = end_device(3, &unit(3, true), &device(3, 0), HBA).unwrap();
    assert!(d.derived);
    assert_eq!(d.sas_address, 0x3525_4004_0000_0900);
    assert_eq!(
        d.sas_address,
        end_device(3, &unit(3, true), &device(3, 0), HBA)
            .unwrap()
            .sas_address
    );
    assert_ne!(d.sas_address, HBA);
    // A page for another handle, or none attached.
    assert_eq!(
        end_device(1, &unit(1, true), &device(2, 7), HBA),
        Err(Skip::WrongHandle)
    );
    assert_eq!(
        end_device(2, &unit(2, false), &device(2, 7), HBA),
        Err(Skip::WrongHandle)
    );
    // An expander, or an end device with no SCSI target protocol.
    let mut exp = device(1, 7);
    exp.device_info = 0x402;
    assert_eq!(
        end_device(1, &unit(1, true), &exp, HBA),
        Err(Skip::NotScsiEndDevice)
    );
    let mut smp = device(1, 7);
    smp.device_info = 0x101;
    assert_eq!(
        end_device(1, &unit(1, true), &smp, HBA),
        Err(Skip::NotScsiEndDevice)
    );
    // SATA and STP targets are scanned too.
    let mut sata = device(1, 7);
    sata.device_info = 0x81;
    assert!(end_device(1, &unit(1, true), &sata, HBA).is_ok());
}

#[test]
fn addresses_made_unique() {
    let dev = |t: u8, wwn: u64| end_device(t, &unit(t, true), &device(t, wwn), HBA).unwrap();
    // Two disks with the same wwn, one with the HBA's address.
    let mut devs: Vec<EndDevice> = vec![dev(0, 5), dev(1, 5), dev(3, HBA), dev(4, 6)];
    assert_eq!(
        make_unique(&mut devs, HBA),
        Uniqueness {
            changed: 2,
            dropped: 0
        }
    );
    assert_eq!(devs[0].sas_address, 5);
    assert!(!devs[0].derived);
    assert_eq!(devs[1].sas_address, 0x3525_4002_0000_0900);
    assert!(devs[1].derived);
    assert_eq!(devs[2].sas_address, 0x3525_4004_0000_0900);
    assert_eq!(devs[3].sas_address, 6);
    let mut addrs: Vec<u64> = devs.iter().map(|d| d.sas_address).collect();
    addrs.sort();
    addrs.dedup();
    assert_eq!(addrs.len(), 4);
    // Already unique: nothing changes.
    assert_eq!(make_unique(&mut devs, HBA), Uniqueness::default());
    // A wwn equal to another phy's derived address: the second device can
    // have neither address, so it is left with 0 (not registered) rather
    // than sharing one: the class refuses nothing, and I/O for one would
    // reach the other.
    let mut devs = vec![dev(0, 0x3525_4002_0000_0900), dev(1, 0x3525_4002_0000_0900)];
    assert_eq!(
        make_unique(&mut devs, HBA),
        Uniqueness {
            changed: 0,
            dropped: 1
        }
    );
    assert_eq!(devs[0].sas_address, 0x3525_4002_0000_0900);
    assert_eq!(devs[1].sas_address, 0);
    assert!(!devs[1].derived);
}

#[test]
fn firmware_addresses_round_trip() {
    assert_eq!(FwAddr::decode(0), None);
    for (bus, target) in [(0, 0), (0, 7), (1, 255), (255, 0)] {
        let a = FwAddr { bus, target };
        assert_ne!(a.encode(), 0);
        assert_eq!(FwAddr::decode(a.encode()), Some(a));
    }
}

#[test]
fn changes_after_reading_again() {
    assert_eq!(change(None, None), Change::None);
    assert_eq!(change(None, Some(5)), Change::Add);
    assert_eq!(change(Some(5), None), Change::Remove);
    assert_eq!(change(Some(5), Some(5)), Change::Keep);
    assert_eq!(change(Some(5), Some(6)), Change::Replace);
}

#[test]
fn routes_round_trip_and_never_alias() {
    assert_eq!(Route::decode(0), Route::Gone);
    assert_eq!(Route::decode(Route::Wait.encode()), Route::Wait);
    assert_eq!(Route::decode(Route::Gone.encode()), Route::Gone);
    for (bus, target) in [(0, 0), (0, 7), (1, 255), (255, 0)] {
        let a = FwAddr { bus, target };
        let w = Route::To(a).encode();
        assert_eq!(Route::decode(w), Route::To(a));
        assert_ne!(w, Route::Wait.encode());
        assert_ne!(w, Route::Gone.encode());
    }
}

#[test]
fn readdressed_after_a_reset() {
    let mut d = end_device(1, &unit(1, true), &device(1, 0x5000_c500_0000_0002), HBA).unwrap();
    // The same device, numbered anew by the firmware: its new address.
    d.fw = FwAddr { bus: 0, target: 9 };
    assert_eq!(
        readdressed(0x5000_c500_0000_0002, Some(&d)),
        Route::To(FwAddr { bus: 0, target: 9 })
    );
    // Another device on the phy, or none: the old one's I/O goes nowhere.
    assert_eq!(readdressed(0x5000_c500_0000_0003, Some(&d)), Route::Gone);
    assert_eq!(readdressed(0x5000_c500_0000_0002, None), Route::Gone);
}
