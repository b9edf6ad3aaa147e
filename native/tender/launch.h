/*
 * launch.h: the launch record the nabla-spt-tender reads from fd 3.
 *
 * The record is written by the TypeScript side of nabla-seccomp after it has
 * parsed and validated the unikernel. All numbers are little-endian, which is
 * also the byte order of every architecture the tender supports, so the
 * record is read in place through these structs.
 *
 *   header           struct launch_header (64 bytes)
 *   segments         struct launch_segment[segment_count] (48 bytes each)
 *   blob             blob_size bytes, copied to guest address SPT_BOOT_INFO_BASE
 *   filter           filter_len classic-BPF instructions (8 bytes each)
 */
#ifndef NABLA_LAUNCH_H
#define NABLA_LAUNCH_H

#include <stdint.h>

#define LAUNCH_MAGIC "NBLAUNCH"
#define LAUNCH_VERSION 1
#define LAUNCH_MAX_SEGMENTS 16
#define LAUNCH_MAX_BLOB 0x10000
#define LAUNCH_MAX_FILTER 4096 /* the kernel's BPF_MAXINSNS */
#define LAUNCH_FILTER_INSTRUCTION_SIZE 8
#define LAUNCH_MAX_SIZE                                                        \
    (sizeof(struct launch_header) +                                            \
     LAUNCH_MAX_SEGMENTS * sizeof(struct launch_segment) + LAUNCH_MAX_BLOB +  \
     LAUNCH_MAX_FILTER * LAUNCH_FILTER_INSTRUCTION_SIZE)

/* Guest memory layout of the Solo5 spt ABI (identity mapped). */
#define SPT_HOST_MEM_BASE 0x10000UL  /* lowest mapped guest byte */
#define SPT_BOOT_INFO_BASE 0x11000UL /* struct spt_boot_info, then manifest, cmdline */
#define SPT_GUEST_MIN_BASE 0x100000UL /* lowest loadable ELF address */
#define SPT_BOOT_INFO_SIZE 40UL      /* sizeof(struct spt_boot_info) */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

/* Segment protection bits, the values of PROT_READ, PROT_WRITE, PROT_EXEC. */
#define LAUNCH_PROT_READ 1U
#define LAUNCH_PROT_WRITE 2U
#define LAUNCH_PROT_EXEC 4U

/* launch_header: the fixed start of the record. */
struct launch_header {
    char magic[8];          /* "NBLAUNCH", no terminator */
    uint32_t version;       /* LAUNCH_VERSION */
    uint32_t header_size;   /* sizeof(struct launch_header) */
    uint64_t mem_size;      /* top of guest memory, page multiple, > 0x100000 */
    uint64_t entry;         /* ELF e_entry */
    uint64_t blob_size;     /* bytes of boot info + manifest + command line */
    uint32_t elf_fd;        /* fd the segments are read from */
    uint32_t segment_count; /* 1..LAUNCH_MAX_SEGMENTS */
    uint32_t filter_len;    /* guest filter instructions, 1..LAUNCH_MAX_FILTER */
    uint32_t flags;         /* 0 */
    uint64_t reserved;      /* 0 */
};

/* launch_segment: one PT_LOAD with file bytes, and the pages it protects. */
struct launch_segment {
    uint64_t file_offset;    /* where the bytes start in the ELF file */
    uint64_t vaddr;          /* guest address of the first byte */
    uint64_t filesz;         /* bytes copied from the file */
    uint64_t memsz;          /* bytes the segment occupies (rest stays zero) */
    uint32_t map_start_page; /* first page protected, address >> 12 */
    uint32_t map_end_page;   /* page after the last one protected */
    uint32_t prot;           /* LAUNCH_PROT_* subset, never WRITE with EXEC */
    uint32_t reserved;       /* 0 */
};

_Static_assert(sizeof(struct launch_header) == 64, "launch header layout");
_Static_assert(sizeof(struct launch_segment) == 48, "launch segment layout");

#endif
