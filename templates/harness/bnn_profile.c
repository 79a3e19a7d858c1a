/*
 * Profile markers (see bnn_profile.h). The plugin cannot read registers, so each marker reads the byte
 * bnn_profile_ids[id] and the plugin takes the id from the address read. noinline and the volatile read keep
 * every call and its read in the program at any optimisation level.
 */
#include "bnn_profile.h"

/* Initialised and not volatile itself, so that it stays in flash (.rodata) instead of taking RAM. */
const unsigned char bnn_profile_ids[BNN_PROFILE_MAX_IDS] = {1};

/* A volatile read of bnn_profile_ids[id]: the compiler must emit it. */
#define READ_ID_BYTE(id) ((void)*(const volatile unsigned char *)&bnn_profile_ids[(id) % BNN_PROFILE_MAX_IDS])

__attribute__((noinline)) void bnn_profile_begin(unsigned id)
{
    READ_ID_BYTE(id);
}

__attribute__((noinline)) void bnn_profile_end(unsigned id)
{
    READ_ID_BYTE(id);
}
