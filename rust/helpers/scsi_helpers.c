// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line wrappers for static inline SCSI midlayer functions, and the
 * struct sock accesses of rust/net, for the orion_scsi Rust abstractions.
 * See scsi_helpers.h.
 */
#include <linux/blk-mq.h>
#include <linux/bvec.h>
#include <linux/crc32.h>
#include <linux/highmem.h>
#include <linux/net.h>
#include <linux/ratelimit.h>
#include <linux/srcu.h>
#include <linux/scatterlist.h>
#include <linux/sysfs.h>
#include <linux/tcp.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_tcq.h>
#include <scsi/scsi_transport.h>
#include <scsi/scsi_transport_iscsi.h>
#include <scsi/scsi_transport_spi.h>
#include "scsi_helpers.h"

void *orion_helper_scsi_cmd_priv(struct scsi_cmnd *cmd)
{
	return scsi_cmd_priv(cmd);
}

struct request *orion_helper_scsi_cmd_to_rq(struct scsi_cmnd *cmd)
{
	return scsi_cmd_to_rq(cmd);
}

void orion_helper_scsi_set_resid(struct scsi_cmnd *cmd, unsigned int resid)
{
	scsi_set_resid(cmd, resid);
}

int orion_helper_scsi_add_host(struct Scsi_Host *shost, struct device *dev)
{
	return scsi_add_host(shost, dev);
}

struct Scsi_Host *orion_helper_dev_to_shost(struct device *dev)
{
	return dev_to_shost(dev);
}

/*
 * Whether the midlayer has timed the command out and the error handler
 * owns it: scsi_timeout() sets SCMD_STATE_COMPLETE before handing it over,
 * and the abstraction calls scsi_done() only after giving up its own
 * claim. A command the error handler sends itself (TEST UNIT READY,
 * REQUEST SENSE through scsi_send_eh_cmnd()) keeps the bit but is the
 * driver's to complete: scsi_done() hands it to scsi_eh_done().
 */
bool orion_helper_scsi_cmd_timed_out(struct scsi_cmnd *cmd)
{
	return cmd->submitter == SUBMITTED_BY_BLOCK_LAYER &&
	       test_bit(SCMD_STATE_COMPLETE, &cmd->state);
}

/*
 * Whether the host's tag set is being freed: the midlayer frees it when
 * tagset_refcnt drops to zero (scsi_mq_free_tags()). Every other request
 * teardown that calls exit_cmd_priv (a device's flush request, its I/O
 * scheduler's requests) happens while the device still holds its reference.
 */
bool orion_helper_shost_tagset_freeing(struct Scsi_Host *shost)
{
	return kref_read(&shost->tagset_refcnt) == 0;
}

/*
 * Reset callbacks run under the device's state mutex unless the device is
 * being deleted: __scsi_remove_device() moves it to SDEV_DEL under that
 * mutex before sdev_destroy() and before the host goes, and SG_SCSI_RESET
 * on a device file held open can still arrive after both.
 */
bool orion_helper_sdev_enter_reset(struct scsi_device *sdev)
{
	mutex_lock(&sdev->state_mutex);
	if (sdev->sdev_state == SDEV_DEL || sdev->sdev_state == SDEV_CANCEL) {
		mutex_unlock(&sdev->state_mutex);
		return false;
	}
	return true;
}

void orion_helper_sdev_exit_reset(struct scsi_device *sdev)
{
	mutex_unlock(&sdev->state_mutex);
}

void orion_helper_sdev_err_still_held(struct scsi_device *sdev)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);

	if (__ratelimit(&rs))
		sdev_printk(KERN_ERR, sdev,
			    "command dispatched while the driver still holds it: busy\n");
}

void orion_helper_sdev_warn_dropped(struct scsi_device *sdev)
{
	sdev_printk(KERN_WARNING, sdev, "command dropped without completion, failing it\n");
}

struct Scsi_Host *orion_helper_class_to_shost(struct device *dev)
{
	return class_to_shost(dev);
}

struct scsi_device *orion_helper_to_scsi_device(struct device *dev)
{
	return to_scsi_device(dev);
}

struct page *orion_helper_sg_page(struct scatterlist *sg)
{
	return sg_page(sg);
}

u32 orion_helper_crc32c(u32 crc, const void *p, size_t len)
{
	return crc32c(crc, p, len);
}

/*
 * After a receive into page memory through a bvec iterator: flushes the
 * pages of the first @bytes bytes as sg_miter_stop() does for a copy into
 * a scatterlist (a no-op where the data cache does not alias).
 */
void orion_helper_flush_bvecs(const struct bio_vec *bv, unsigned long nr, size_t bytes)
{
	for (; nr && bytes; nr--, bv++) {
		size_t len = min_t(size_t, bv->bv_len, bytes);
		size_t first = bv->bv_offset / PAGE_SIZE;
		size_t last = (bv->bv_offset + len - 1) / PAGE_SIZE;
		size_t i;

		for (i = first; len && i <= last; i++)
			flush_dcache_page(bv->bv_page + i);
		bytes -= len;
	}
}

void orion_helper_init_delayed_work(struct delayed_work *dwork, void (*fn)(struct work_struct *))
{
	INIT_DELAYED_WORK(dwork, fn);
}

/* copy_highpage() is a static inline (the virtual adapter's pre-images). */
void orion_helper_copy_highpage(struct page *to, struct page *from)
{
	copy_highpage(to, from);
}

/*
 * Periodic driver work (health checks) may sleep for seconds while it
 * resets a controller: it runs on the unbound long-running workqueue.
 */
bool orion_helper_queue_delayed_work_ms(struct delayed_work *dwork, unsigned int ms)
{
	return queue_delayed_work(system_dfl_long_wq, dwork, msecs_to_jiffies(ms));
}

struct delayed_work *orion_helper_to_delayed_work(struct work_struct *work)
{
	return to_delayed_work(work);
}

/*
 * alloc_workqueue() is variadic; Rust passes the name already formatted.
 * The name is copied into the workqueue, so it may live on the stack.
 */
struct workqueue_struct *orion_helper_alloc_workqueue(const char *name, unsigned int flags,
						      int max_active)
{
	return alloc_workqueue("%s", flags, max_active, name);
}


struct scsi_target *orion_helper_scsi_target(struct scsi_device *sdev)
{
	return scsi_target(sdev);
}

struct spi_transport_attrs *orion_helper_spi_attrs(struct scsi_target *starget)
{
	return (struct spi_transport_attrs *)&starget->starget_data;
}

void orion_helper_spi_set_signalling(struct Scsi_Host *shost, enum spi_signal_type sig)
{
	spi_signalling(shost) = sig;
}

/*
 * Whether hosts are still registered with a transport template: its host
 * attribute container lists a class device per host until
 * scsi_remove_host() removes it. Read when the template is about to be
 * released, when no one walks the list any more.
 */
bool orion_helper_transport_has_hosts(struct scsi_transport_template *t)
{
	struct klist *k = &t->host_attrs.ac.containers;
	bool busy;

	spin_lock(&k->k_lock);
	busy = !list_empty(&k->k_list);
	spin_unlock(&k->k_lock);
	return busy;
}

/*
 * A driver's lookup of a command by tag: inside the tag set's SRCU read
 * section (the block layer frees request pages through it), with the
 * tag map read once and checked, since blk_mq_free_tag_set() clears the
 * maps before it frees the requests.
 */
int orion_helper_tags_read_lock(struct Scsi_Host *shost)
{
	return srcu_read_lock(&shost->tag_set.tags_srcu);
}

void orion_helper_tags_read_unlock(struct Scsi_Host *shost, int idx)
{
	srcu_read_unlock(&shost->tag_set.tags_srcu, idx);
}

struct scsi_cmnd *orion_helper_find_started_cmd(struct Scsi_Host *shost, u32 unique_tag)
{
	struct blk_mq_tags **maps = READ_ONCE(shost->tag_set.tags);
	u16 hwq = blk_mq_unique_tag_to_hwq(unique_tag);
	u16 tag = blk_mq_unique_tag_to_tag(unique_tag);
	struct blk_mq_tags *tags;
	struct request *rq;

	if (!maps || hwq >= shost->tag_set.nr_hw_queues)
		return NULL;
	tags = READ_ONCE(maps[hwq]);
	if (!tags || tag >= tags->nr_tags)
		return NULL;
	rq = READ_ONCE(tags->rqs[tag]);
	if (!rq || !blk_mq_request_started(rq))
		return NULL;
	/*
	 * With a host-wide tag set every hardware queue's tags are the shared
	 * ones: rqs[tag] is whichever request holds the tag, on any queue.
	 * Only the request the whole unique tag names is the one asked for.
	 */
	if (blk_mq_unique_tag(rq) != unique_tag)
		return NULL;
	return blk_mq_rq_to_pdu(rq);
}

/* A command the error handler sent itself (TEST UNIT READY, REQUEST SENSE). */
bool orion_helper_scsi_cmd_from_eh(struct scsi_cmnd *cmd)
{
	return cmd->submitter == SUBMITTED_BY_SCSI_ERROR_HANDLER;
}

struct iscsi_cls_session *orion_helper_iscsi_conn_session(struct iscsi_cls_conn *conn)
{
	return iscsi_conn_to_session(conn);
}

/*
 * Before a connection is destroyed: mark it down and in cleanup (so an
 * error event no longer queues the class's cleanup work), then wait for
 * that work. Returns whether the connection was bound or up, i.e. still
 * needs stopping.
 */
bool orion_helper_iscsi_conn_quiesce(struct iscsi_cls_conn *conn)
{
	bool was_up;

	spin_lock_irq(&conn->lock);
	was_up = READ_ONCE(conn->state) != ISCSI_CONN_DOWN &&
		 READ_ONCE(conn->state) != ISCSI_CONN_FAILED;
	WRITE_ONCE(conn->state, ISCSI_CONN_DOWN);
	set_bit(ISCSI_CLS_CONN_BIT_CLEANUP, &conn->flags);
	spin_unlock_irq(&conn->lock);
	cancel_work_sync(&conn->cleanup_work);
	return was_up;
}

/*
 * A TCP socket over IPv4 or IPv6 that is not listening: what rust/net's
 * TcpSocket drives. A listener's callbacks are about new connections.
 */
bool orion_helper_sock_is_tcp(struct socket *sock)
{
	struct sock *sk = sock->sk;

	return sk && sk_is_tcp(sk) && READ_ONCE(sk->sk_state) != TCP_LISTEN;
}

/*
 * The options iscsi_tcp sets on the socket it takes over: socket memory is
 * allocated without sleeping and may use the reserves (writeback and swap
 * go through this socket), not from the current task's page fragment (the
 * sender may be in reclaim), and short PDUs are sent without Nagle's delay.
 * The memalloc static key is taken once per socket and, as in iscsi_tcp,
 * not given back.
 */
void orion_helper_sock_set_storage_opts(struct socket *sock)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_allocation, GFP_ATOMIC | (sk->sk_allocation & __GFP_MEMALLOC));
	sk->sk_use_task_frag = false;
	if (!sock_flag(sk, SOCK_MEMALLOC))
		sk_set_memalloc(sk);
	release_sock(sk);
	tcp_sock_set_nodelay(sk);
}

/*
 * Makes user_data and the callbacks in *cbs the socket's, and leaves the
 * callbacks they replace in *cbs, all under sk_callback_lock: a callback
 * that finds user_data finds the old callbacks too. Fails if another user
 * (a kernel socket user, a BPF map) holds sk_user_data. NOCOPY keeps
 * user_data out of sockets cloned from this one, should userspace make it
 * a listener.
 */
int orion_helper_sk_install_callbacks(struct sock *sk, void *user_data,
				      struct orion_sk_callbacks *cbs)
{
	struct orion_sk_callbacks old;

	if ((uintptr_t)user_data & ~SK_USER_DATA_PTRMASK)
		return -EINVAL;
	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data) {
		write_unlock_bh(&sk->sk_callback_lock);
		return -EBUSY;
	}
	old.data_ready = sk->sk_data_ready;
	old.state_change = sk->sk_state_change;
	old.write_space = sk->sk_write_space;
	__rcu_assign_sk_user_data_with_flags(sk, user_data, SK_USER_DATA_NOCOPY);
	sk->sk_data_ready = cbs->data_ready;
	sk->sk_state_change = cbs->state_change;
	sk->sk_write_space = cbs->write_space;
	*cbs = old;
	write_unlock_bh(&sk->sk_callback_lock);
	return 0;
}

/*
 * Puts the callbacks saved by orion_helper_sk_install_callbacks() back and
 * clears sk_user_data. Taking sk_callback_lock for writing waits for the
 * callbacks running under it: none runs with the old user_data afterwards.
 */
void orion_helper_sk_restore_callbacks(struct sock *sk, const struct orion_sk_callbacks *cbs)
{
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	sk->sk_data_ready = cbs->data_ready;
	sk->sk_state_change = cbs->state_change;
	sk->sk_write_space = cbs->write_space;
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Takes sk_callback_lock for reading and returns the user_data installed
 * by orion_helper_sk_install_callbacks(), or NULL when sk_user_data is not
 * ours: cleared, or another user's, found by a callback of ours that the
 * socket layer fetched before a restore and called after that user's
 * install. Ours carries exactly the NOCOPY flag (the BPF users add their
 * own) and starts with the address tag; what sk_user_data points to is
 * alive while the lock is held, its user frees it only after clearing
 * sk_user_data under the write lock.
 */
void *orion_helper_sk_callback_read_lock(struct sock *sk, const void *tag)
{
	uintptr_t data;
	void *ptr;

	read_lock_bh(&sk->sk_callback_lock);
	data = (uintptr_t)sk->sk_user_data;
	if ((data & ~SK_USER_DATA_PTRMASK) != SK_USER_DATA_NOCOPY)
		return NULL;
	ptr = (void *)(data & SK_USER_DATA_PTRMASK);
	if (*(const void **)ptr != tag)
		return NULL;
	return ptr;
}

void orion_helper_sk_callback_read_unlock(struct sock *sk)
{
	read_unlock_bh(&sk->sk_callback_lock);
}

/* The peer has closed its side, or the connection is gone. */
bool orion_helper_sk_closed(struct sock *sk)
{
	int state = READ_ONCE(sk->sk_state);

	return state == TCP_CLOSE || state == TCP_CLOSE_WAIT;
}

bool orion_helper_sendpage_ok(struct page *page)
{
	return sendpage_ok(page);
}
