/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers orion_scsi generates Rust bindings for, at module build time,
 * with the kernel's own bindgen flags. Only items declared in <scsi/...>
 * and in our helper header are emitted; every other type comes from
 * kernel::bindings so nothing is duplicated.
 */
#include <linux/blk-mq.h>
/* struct socket for rust/net's helpers, from the header that defines it. */
#include <linux/net.h>
#include <scsi/scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_tcq.h>
#include <scsi/scsi_transport.h>
#include <scsi/scsi_transport_iscsi.h>
#include <scsi/iscsi_if.h>
#include <scsi/iscsi_proto.h>
#include <scsi/scsi_transport_sas.h>
#include <scsi/scsi_transport_spi.h>
#include "../helpers/scsi_helpers.h"
