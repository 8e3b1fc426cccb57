// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin for `make profile PROFILE_ICOUNT=1`: counts the guest
 * kernel instructions executed, per translation block start address.
 * Each time the guest runs the code at address `mark=` (a tiny user
 * program, mark.S, linked there), the counts so far are written to
 * `<out>.<n>` (n = 0, 1, ...) as "address instructions executions" lines
 * and reset. Marks around a measured run give its counts alone, which
 * scripts/icount.py turns into instructions per command and function.
 *
 * Instruction counts are exact and do not vary between runs the way
 * times under TCG do. They are not times: a helper call (division,
 * atomics, MMIO) costs far more than an add.
 *
 * Only the plugin API's stable entry points are used; they are declared
 * here because Debian ships no qemu-plugin.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct {
		int min, cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus, max_vcpus;
		} system;
	};
} qemu_info_t;
struct qemu_plugin_tb;
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb_t)(qemu_plugin_id_t id, void *userdata);
enum { CB_NO_REGS = 0 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb_t cb,
					  int flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb_t cb, void *userdata);

/* QEMU 10.0 accepts API versions 2 to 4; these calls are in all of them. */
__attribute__((visibility("default"))) int qemu_plugin_version = 2;

/* x86-64 kernel addresses: the upper half. */
#define KERNEL_START 0xffff800000000000ull

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t runs;
};

static struct block **blocks;
static size_t nr_blocks, cap_blocks;
static pthread_mutex_t blocks_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t mark_addr;
static const char *out_prefix = "icount";
static int nr_dumps;

static void dump(void)
{
	char path[4096];
	FILE *f;

	pthread_mutex_lock(&blocks_lock);
	snprintf(path, sizeof(path), "%s.%d", out_prefix, nr_dumps++);
	f = fopen(path, "w");
	for (size_t i = 0; i < nr_blocks; i++) {
		struct block *b = blocks[i];
		uint64_t runs = __atomic_exchange_n(&b->runs, 0, __ATOMIC_RELAXED);

		if (runs && f)
			fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->vaddr,
				(unsigned long long)b->insns, (unsigned long long)runs);
	}
	pthread_mutex_unlock(&blocks_lock);
	if (f)
		fclose(f);
	else
		fprintf(stderr, "icount: cannot write %s\n", path);
}

static void block_ran(unsigned int vcpu, void *userdata)
{
	struct block *b = userdata;

	__atomic_add_fetch(&b->runs, 1, __ATOMIC_RELAXED);
}

static void mark_ran(unsigned int vcpu, void *userdata)
{
	dump();
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	if (vaddr == mark_addr) {
		qemu_plugin_register_vcpu_tb_exec_cb(tb, mark_ran, CB_NO_REGS, NULL);
		return;
	}
	if (vaddr < KERNEL_START)
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		return;
	b->vaddr = vaddr;
	b->insns = qemu_plugin_tb_n_insns(tb);
	pthread_mutex_lock(&blocks_lock);
	if (nr_blocks == cap_blocks) {
		size_t cap = cap_blocks ? cap_blocks * 2 : 65536;
		struct block **grown = realloc(blocks, cap * sizeof(*grown));

		if (!grown) {
			pthread_mutex_unlock(&blocks_lock);
			free(b);
			return;
		}
		blocks = grown;
		cap_blocks = cap;
	}
	blocks[nr_blocks++] = b;
	pthread_mutex_unlock(&blocks_lock);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, block_ran, CB_NO_REGS, b);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	dump();
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
							       const qemu_info_t *info,
							       int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark_addr = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			out_prefix = argv[i] + 4;
	}
	if (!mark_addr) {
		fprintf(stderr, "icount: usage: -plugin icount.so,mark=ADDRESS,out=PREFIX\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
