/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-line wrappers for the static inline SCSI midlayer functions the
 * Rust abstractions use (bindgen cannot bind inline functions). Each one only
 * forwards to the inline function of the same name.
 */
#ifndef ORION_SCSI_HELPERS_H
#define ORION_SCSI_HELPERS_H

struct scsi_cmnd;
struct scsi_device;
struct scsi_target;
struct Scsi_Host;
struct request;
struct device;

void *orion_helper_scsi_cmd_priv(struct scsi_cmnd *cmd);
struct scsi_cmnd *orion_helper_scsi_cmd_from_priv(void *priv);
struct request *orion_helper_scsi_cmd_to_rq(struct scsi_cmnd *cmd);
void *orion_helper_shost_priv(struct Scsi_Host *shost);
unsigned int orion_helper_scsi_bufflen(struct scsi_cmnd *cmd);
void orion_helper_scsi_set_resid(struct scsi_cmnd *cmd, unsigned int resid);
struct scsi_target *orion_helper_scsi_target(struct scsi_device *sdev);
int orion_helper_scsi_add_host(struct Scsi_Host *shost, struct device *dev);
struct Scsi_Host *orion_helper_dev_to_shost(struct device *dev);
struct scsi_cmnd *orion_helper_scsi_host_find_tag(struct Scsi_Host *shost, int tag);
struct Scsi_Host *orion_helper_class_to_shost(struct device *dev);
struct scsi_device *orion_helper_to_scsi_device(struct device *dev);

#endif
