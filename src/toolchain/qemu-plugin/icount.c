/*
 * bnngen's QEMU TCG plugin: exact counts of guest instructions executed between profile markers.
 *
 * The guest brackets a measured region with bnn_profile_begin(id) / bnn_profile_end(id) (templates/harness/
 * bnn_profile.c). Each marker reads bnn_profile_ids[id]; the plugin cannot read guest registers (plugin API v1),
 * but it sees the address of that read, and (address - &bnn_profile_ids[0]) is the id. Instructions outside the
 * two marker functions are counted inline (no callback); only the markers' loads get a callback. A region's
 * count is therefore every instruction executed after bnn_profile_begin returns up to the call of
 * bnn_profile_end, the markers' own instructions excluded. Regions of distinct ids may nest.
 *
 * Counting: by default each translation block adds its number of (non-marker) instructions when it starts,
 * after QEMU's exit-request check. TCG takes interrupts only between blocks, so a block that starts runs to its
 * end unless one of its instructions raises an exception; in the measured code (no system calls, no faults:
 * a fault ends the program) none does, and the count is exact. count=insn adds 1 before every instruction
 * instead: exact even across exceptions, about 2.3x slower; the tests check that both agree.
 *
 * Arguments (QEMU 7.2: -plugin icount.so,key=value,...), addresses and sizes in hex or decimal:
 *   begin=ADDR,begin_size=N,end=ADDR,end_size=N   the marker functions' code (Thumb bit cleared)
 *   ids=ADDR,ids_size=N                           the id table, one byte per id
 *   out=FILE                                      the report, written as regions close and completed at exit
 *   count=tb (default) or count=insn              counting granularity, see above
 * Report lines: "region ID INSTRUCTIONS" per closed region in execution order, then
 * "summary TOTAL REGIONS ERRORS" and, if any, "error FIRST-ERROR". No summary line: QEMU did not exit normally.
 *
 * QEMU 7.2 (Debian) exports the plugin API but ships no qemu-plugin.h: the declarations below are the subset of
 * API version 1 used here, with the types of QEMU 7.2's include/qemu/qemu-plugin.h.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef uint32_t qemu_plugin_meminfo_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
    const char *target_name;
    struct { int min; int cur; } version;
    bool system_emulation;
    union { struct { int smp_vcpus; int max_vcpus; } system; };
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_mem_rw { QEMU_PLUGIN_MEM_R = 1, QEMU_PLUGIN_MEM_W, QEMU_PLUGIN_MEM_RW };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info, uint64_t vaddr,
                                          void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op, void *ptr,
                                                uint64_t imm);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

struct range { uint64_t start, size; };
static struct range begin_code, end_code, id_table;
static char begin_tag, end_tag; /* userdata of the marker loads: their addresses say which marker read the table */

static bool per_insn;          /* count=insn */
static uint64_t executed;      /* instructions executed outside the markers; single vCPU, so a plain counter */
static uint64_t *region_start; /* per id: value of `executed` when its region began */
static bool *region_open;
static uint64_t total, regions, errors;
static char first_error[160];
static FILE *out;

static bool inside(const struct range *r, uint64_t addr) { return addr - r->start < r->size; }

static void fail(const char *what, uint64_t id)
{
    if (errors++ == 0) snprintf(first_error, sizeof first_error, "%s (id %" PRIu64 ")", what, id);
}

static void on_marker_load(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *marker)
{
    uint64_t id = vaddr - id_table.start;
    (void)vcpu;
    (void)info;
    if (!inside(&id_table, vaddr)) return;
    if (marker == &begin_tag) {
        if (region_open[id]) fail("bnn_profile_begin twice without bnn_profile_end", id);
        region_open[id] = true;
        region_start[id] = executed;
    } else if (!region_open[id]) {
        fail("bnn_profile_end without bnn_profile_begin", id);
    } else {
        uint64_t n = executed - region_start[id];
        region_open[id] = false;
        total += n;
        regions++;
        fprintf(out, "region %" PRIu64 " %" PRIu64 "\n", id, n);
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t i, n = qemu_plugin_tb_n_insns(tb);
    uint64_t counted = 0;
    (void)id;
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        if (inside(&begin_code, pc) || inside(&end_code, pc)) {
            /* MEM_RW although the markers only read: QEMU 7.2 never calls back for a MEM_R registration. */
            qemu_plugin_register_vcpu_mem_cb(insn, on_marker_load, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                             inside(&begin_code, pc) ? &begin_tag : &end_tag);
        } else if (per_insn) {
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
        } else {
            counted++;
        }
    }
    if (counted > 0) qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, counted);
}

static void write_summary(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    fprintf(out, "summary %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", total, regions, errors);
    if (errors > 0) fprintf(out, "error %s\n", first_error);
    fclose(out);
}

/* Parses "key=number" into *value when the key matches; returns whether it did. */
static bool number_arg(const char *arg, const char *key, uint64_t *value)
{
    size_t len = strlen(key);
    char *end;
    if (strncmp(arg, key, len) != 0 || arg[len] != '=') return false;
    *value = strtoull(arg + len + 1, &end, 0);
    return end != arg + len + 1 && *end == '\0';
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv)
{
    const char *path = NULL;
    int i;
    if (info->system_emulation && info->system.smp_vcpus != 1) {
        fprintf(stderr, "icount plugin: needs exactly one vCPU\n");
        return -1;
    }
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "out=", 4) == 0) path = a + 4;
        else if (strcmp(a, "count=insn") == 0 || strcmp(a, "count=tb") == 0) per_insn = a[6] == 'i';
        else if (!number_arg(a, "begin", &begin_code.start) && !number_arg(a, "begin_size", &begin_code.size) &&
                 !number_arg(a, "end", &end_code.start) && !number_arg(a, "end_size", &end_code.size) &&
                 !number_arg(a, "ids", &id_table.start) && !number_arg(a, "ids_size", &id_table.size)) {
            fprintf(stderr, "icount plugin: bad argument '%s'\n", a);
            return -1;
        }
    }
    if (path == NULL || begin_code.size == 0 || end_code.size == 0 || id_table.size == 0) {
        fprintf(stderr, "icount plugin: needs out=, begin=, begin_size=, end=, end_size=, ids=, ids_size=\n");
        return -1;
    }
    region_start = calloc(id_table.size, sizeof *region_start);
    region_open = calloc(id_table.size, sizeof *region_open);
    out = fopen(path, "w");
    if (region_start == NULL || region_open == NULL || out == NULL) {
        fprintf(stderr, "icount plugin: cannot set up (report file %s)\n", path);
        return -1;
    }
    fprintf(out, "bnn-icount 1\n");
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_summary, NULL);
    return 0;
}
