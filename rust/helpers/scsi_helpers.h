/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-line wrappers for the static inline SCSI midlayer functions the
 * Rust abstractions use (bindgen cannot bind inline functions). Most only
 * forward to the inline function of the same name. The socket helpers of
 * rust/net also touch struct sock fields, since struct sock is opaque to
 * kernel::bindings.
 */
#ifndef ORION_SCSI_HELPERS_H
#define ORION_SCSI_HELPERS_H

#include <linux/types.h>

struct scsi_cmnd;
struct scsi_device;
struct scsi_target;
struct Scsi_Host;
struct request;
struct device;
struct scatterlist;
struct bio_vec;
struct work_struct;
struct delayed_work;
struct workqueue_struct;
struct attribute;
struct spi_transport_attrs;
struct scsi_transport_template;
enum spi_signal_type;
struct iscsi_cls_conn;
struct iscsi_cls_session;
struct sock;
struct socket;
struct page;

/*
 * The socket callbacks orion_scsi replaces on a TCP socket it drives, in the
 * order struct sock declares them. orion_helper_sk_install_callbacks() swaps
 * them with the socket's, orion_helper_sk_restore_callbacks() puts them back.
 */
struct orion_sk_callbacks {
	void (*data_ready)(struct sock *sk);
	void (*state_change)(struct sock *sk);
	void (*write_space)(struct sock *sk);
};

void *orion_helper_scsi_cmd_priv(struct scsi_cmnd *cmd);
struct request *orion_helper_scsi_cmd_to_rq(struct scsi_cmnd *cmd);
void orion_helper_scsi_set_resid(struct scsi_cmnd *cmd, unsigned int resid);
int orion_helper_scsi_add_host(struct Scsi_Host *shost, struct device *dev);
struct Scsi_Host *orion_helper_dev_to_shost(struct device *dev);
bool orion_helper_scsi_cmd_timed_out(struct scsi_cmnd *cmd);
bool orion_helper_shost_tagset_freeing(struct Scsi_Host *shost);
bool orion_helper_sdev_enter_reset(struct scsi_device *sdev);
void orion_helper_sdev_exit_reset(struct scsi_device *sdev);
void orion_helper_sdev_err_still_held(struct scsi_device *sdev);
void orion_helper_sdev_warn_dropped(struct scsi_device *sdev);
int orion_helper_tags_read_lock(struct Scsi_Host *shost);
void orion_helper_tags_read_unlock(struct Scsi_Host *shost, int idx);
struct scsi_cmnd *orion_helper_find_started_cmd(struct Scsi_Host *shost, u32 unique_tag);
bool orion_helper_scsi_cmd_from_eh(struct scsi_cmnd *cmd);
struct Scsi_Host *orion_helper_class_to_shost(struct device *dev);
struct scsi_device *orion_helper_to_scsi_device(struct device *dev);
struct page *orion_helper_sg_page(struct scatterlist *sg);
u32 orion_helper_crc32c(u32 crc, const void *p, size_t len);
void orion_helper_flush_bvecs(const struct bio_vec *bv, unsigned long nr, size_t bytes);
void orion_helper_copy_highpage(struct page *to, struct page *from);
void orion_helper_init_delayed_work(struct delayed_work *dwork, void (*fn)(struct work_struct *));
bool orion_helper_queue_delayed_work_ms(struct delayed_work *dwork, unsigned int ms);
struct delayed_work *orion_helper_to_delayed_work(struct work_struct *work);
struct workqueue_struct *orion_helper_alloc_workqueue(const char *name, unsigned int flags,
						      int max_active);
struct scsi_target *orion_helper_scsi_target(struct scsi_device *sdev);
struct spi_transport_attrs *orion_helper_spi_attrs(struct scsi_target *starget);
void orion_helper_spi_set_signalling(struct Scsi_Host *shost, enum spi_signal_type sig);
bool orion_helper_transport_has_hosts(struct scsi_transport_template *t);
struct iscsi_cls_session *orion_helper_iscsi_conn_session(struct iscsi_cls_conn *conn);
bool orion_helper_iscsi_conn_quiesce(struct iscsi_cls_conn *conn);
bool orion_helper_sock_is_tcp(struct socket *sock);
void orion_helper_sock_set_storage_opts(struct socket *sock);
int orion_helper_sk_install_callbacks(struct sock *sk, void *user_data,
				      struct orion_sk_callbacks *cbs);
void orion_helper_sk_restore_callbacks(struct sock *sk, const struct orion_sk_callbacks *cbs);
void *orion_helper_sk_callback_read_lock(struct sock *sk, const void *tag);
void orion_helper_sk_callback_read_unlock(struct sock *sk);
bool orion_helper_sk_closed(struct sock *sk);
bool orion_helper_sendpage_ok(struct page *page);

#endif
