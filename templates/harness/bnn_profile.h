/*
 * Profile markers: bnngen's instruction-counting QEMU plugin (src/toolchain/qemu-plugin/icount.c) counts the
 * instructions executed between bnn_profile_begin(id) and bnn_profile_end(id). Outside QEMU with the plugin
 * they do nothing but one byte read, and they never change a result. Regions of different ids may nest.
 */
#ifndef BNN_PROFILE_H
#define BNN_PROFILE_H

/* Ids are 0 .. BNN_PROFILE_MAX_IDS - 1; larger ids wrap around. A build may raise it (-DBNN_PROFILE_MAX_IDS=N):
 * bnngen bench does so for programs of more than 255 steps. */
#ifndef BNN_PROFILE_MAX_IDS
#define BNN_PROFILE_MAX_IDS 256u
#endif

/* Reserved ids; other ids are free, e.g. one per kernel step of a model. */
#define BNN_PROFILE_ID_RUN 0u /* one whole <model>_run call, in the verification harness */
/* In a profiling build of a model (bnngen bench), step k of <model>_run is region k + 1. */

void bnn_profile_begin(unsigned id);
void bnn_profile_end(unsigned id);

#endif
