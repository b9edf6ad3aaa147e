/*
 * nabla-spt-tender: starts one Solo5 spt unikernel that nabla-seccomp has
 * already parsed, validated and described in a launch record (launch.h).
 *
 * The process is confined from its first instruction: the spawn helper sets
 * no_new_privs and installs the tender's own filter before exec. The tender
 * then, with raw system calls only and no allocation:
 *
 *   1. reads the record from fd 3 into a static buffer and re-checks every
 *      bound in it (the record comes from a trusted writer, so a failed check
 *      means it was tampered with or is from another version);
 *   2. maps guest memory [0x10000, mem_size) read-write, never replacing an
 *      existing mapping;
 *   3. reads each segment's file bytes from the ELF fd and protects its
 *      pages (never writable and executable together);
 *   4. copies the boot blob to 0x11000, closes fd 3 and the ELF fd;
 *   5. installs the guest filter and jumps to the guest entry.
 *
 * Any failure writes one line "nabla-spt-tender: ..." to fd 2 and exits 1.
 *
 * Unlike the upstream tender, this one does not query personality() for
 * READ_IMPLIES_EXEC (which would make every readable mapping executable):
 * on x86_64, exec of a 64-bit ELF clears that flag, and the tender is linked
 * with a non-executable stack so the kernel never sets it again. A port to an
 * architecture whose exec keeps the flag must add the check (and the tender
 * policy must then allow personality(0xffffffff)).
 */
#include <stdint.h>

#include "launch.h"

#if defined(__x86_64__)
#include "arch-x86_64.h"
#else
#error "nabla-spt-tender: unsupported architecture"
#endif

#define RECORD_FD 3
#define ERROR_FD 2
#define EINTR 4
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define MAP_PRIVATE 0x02
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define SECCOMP_SET_MODE_FILTER 1
#define MAX_ELF_FD 0x100000U

/* sock_fprog: the kernel's description of a classic-BPF program. */
struct sock_fprog {
    unsigned short len;
    const void *filter;
};

/* The whole record, one byte larger than the largest valid one so that an
 * oversized record is noticed rather than cut short. */
static unsigned char record[LAUNCH_MAX_SIZE + 1] __attribute__((aligned(16)));

/* Linker-provided start of the tender's own image. */
extern const char __executable_start[];

/* ---- output and exit ------------------------------------------------- */

static unsigned char line[256];
static unsigned long line_length;

static void append_text(const char *text)
{
    while (*text != '\0' && line_length < sizeof line - 1)
        line[line_length++] = (unsigned char)*text++;
}

static void append_number(unsigned long value)
{
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0 && line_length < sizeof line - 1)
        line[line_length++] = (unsigned char)digits[--count];
}

/* fail ends the tender: "nabla-spt-tender: [segment N: ]MESSAGE[ (errno E)]".
 * segment and error are only printed when not negative / not zero. */
static __attribute__((noreturn)) void fail(const char *message, long segment,
                                           long error)
{
    line_length = 0;
    append_text("nabla-spt-tender: ");
    if (segment >= 0) {
        append_text("segment ");
        append_number((unsigned long)segment);
        append_text(": ");
    }
    append_text(message);
    if (error < 0) {
        append_text(" (errno ");
        append_number((unsigned long)-error);
        append_text(")");
    }
    line[line_length++] = '\n';
    arch_syscall(SYS_write, ERROR_FD, (long)line, (long)line_length, 0, 0, 0);
    for (;;)
        arch_syscall(SYS_exit_group, 1, 0, 0, 0, 0, 0);
}

static void copy_bytes(unsigned char *target, const unsigned char *source,
                       unsigned long count)
{
    for (unsigned long index = 0; index < count; index++)
        target[index] = source[index];
}

/* ---- reading and checking the record --------------------------------- */

/* read_record reads fd 3 to its end and returns the number of bytes. */
static unsigned long read_record(void)
{
    unsigned long total = 0;
    for (;;) {
        long count = arch_syscall(SYS_read, RECORD_FD, (long)(record + total),
                                  (long)(sizeof record - total), 0, 0, 0);
        if (count == -EINTR)
            continue;
        if (count < 0)
            fail("cannot read the launch record", -1, count);
        if (count == 0)
            return total;
        total += (unsigned long)count;
        if (total == sizeof record)
            fail("launch record is too large", -1, 0);
    }
}

static void check_header(const struct launch_header *header,
                         unsigned long length)
{
    static const char magic[8] = LAUNCH_MAGIC;
    if (length < sizeof *header)
        fail("launch record is shorter than its header", -1, 0);
    for (int index = 0; index < 8; index++)
        if (header->magic[index] != magic[index])
            fail("launch record has a bad magic", -1, 0);
    if (header->version != LAUNCH_VERSION)
        fail("launch record has an unsupported version", -1, 0);
    if (header->header_size != sizeof *header)
        fail("launch record has a bad header size", -1, 0);
    if (header->flags != 0 || header->reserved != 0)
        fail("launch record has unknown flags or reserved bytes set", -1, 0);
    if (header->mem_size % PAGE_SIZE != 0 ||
        header->mem_size <= SPT_GUEST_MIN_BASE)
        fail("guest memory size is not a page multiple above 0x100000", -1, 0);
    if (header->mem_size > (uint64_t)(uintptr_t)__executable_start)
        fail("guest memory would reach the tender's own image", -1, 0);
    if (header->entry < SPT_GUEST_MIN_BASE || header->entry >= header->mem_size)
        fail("entry point is outside guest memory", -1, 0);
    if (header->blob_size < SPT_BOOT_INFO_SIZE ||
        header->blob_size > LAUNCH_MAX_BLOB ||
        header->blob_size > SPT_GUEST_MIN_BASE - SPT_BOOT_INFO_BASE)
        fail("boot blob size is out of range", -1, 0);
    if (header->elf_fd <= RECORD_FD || header->elf_fd >= MAX_ELF_FD)
        fail("ELF fd is out of range", -1, 0);
    if (header->segment_count < 1 ||
        header->segment_count > LAUNCH_MAX_SEGMENTS)
        fail("segment count is out of range", -1, 0);
    if (header->filter_len < 1 || header->filter_len > LAUNCH_MAX_FILTER)
        fail("guest filter length is out of range", -1, 0);
    uint64_t expected = sizeof *header +
                        header->segment_count * sizeof(struct launch_segment) +
                        header->blob_size +
                        header->filter_len * LAUNCH_FILTER_INSTRUCTION_SIZE;
    if (length != expected)
        fail("launch record length does not match its header", -1, 0);
}

/* check_segments: each segment lies in [0x100000, mem_size), after the
 * previous one, inside its own page range, and is never writable and
 * executable at once. */
static void check_segments(const struct launch_segment *segments,
                           uint32_t count, uint64_t mem_size)
{
    uint64_t previous_end = SPT_GUEST_MIN_BASE;
    uint64_t previous_vaddr = SPT_GUEST_MIN_BASE;
    for (uint32_t index = 0; index < count; index++) {
        const struct launch_segment *segment = &segments[index];
        uint64_t start = (uint64_t)segment->map_start_page << PAGE_SHIFT;
        uint64_t end = (uint64_t)segment->map_end_page << PAGE_SHIFT;
        long number = (long)index;
        if (segment->reserved != 0)
            fail("reserved field is not zero", number, 0);
        if ((segment->prot & ~(LAUNCH_PROT_READ | LAUNCH_PROT_WRITE |
                               LAUNCH_PROT_EXEC)) != 0)
            fail("protection has unknown bits", number, 0);
        if ((segment->prot & LAUNCH_PROT_WRITE) &&
            (segment->prot & LAUNCH_PROT_EXEC))
            fail("requests write and exec permissions", number, 0);
        if (start < SPT_GUEST_MIN_BASE)
            fail("starts below 0x100000", number, 0);
        if (start < previous_end)
            fail("overlaps the previous segment", number, 0);
        if (end <= start || end > mem_size)
            fail("page range is empty or outside guest memory", number, 0);
        if (segment->vaddr < start || segment->vaddr < previous_vaddr)
            fail("address is below its page range or the previous segment",
                 number, 0);
        if (segment->filesz > segment->memsz)
            fail("file size exceeds memory size", number, 0);
        if (segment->vaddr > end || segment->memsz > end - segment->vaddr)
            fail("does not fit inside its page range", number, 0);
        if (segment->file_offset > INT64_MAX - segment->filesz)
            fail("file range overflows", number, 0);
        previous_end = end;
        previous_vaddr = segment->vaddr;
    }
}

/* ---- building the guest ---------------------------------------------- */

static void map_guest_memory(uint64_t mem_size)
{
    long address = arch_syscall(SYS_mmap, (long)SPT_HOST_MEM_BASE,
                                (long)(mem_size - SPT_HOST_MEM_BASE),
                                PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS |
                                    MAP_FIXED_NOREPLACE,
                                -1, 0);
    if (address < 0 && address > -4096)
        fail("cannot map guest memory", -1, address);
    if ((unsigned long)address != SPT_HOST_MEM_BASE)
        fail("guest memory was not placed at 0x10000", -1, 0);
}

static void load_segment(const struct launch_segment *segment, long fd,
                         long number)
{
    unsigned char *target = (unsigned char *)(uintptr_t)segment->vaddr;
    uint64_t done = 0;
    while (done < segment->filesz) {
        long count = arch_syscall(SYS_pread64, fd, (long)(target + done),
                                  (long)(segment->filesz - done),
                                  (long)(segment->file_offset + done), 0, 0);
        if (count == -EINTR)
            continue;
        if (count < 0)
            fail("cannot read from the ELF file", number, count);
        if (count == 0)
            fail("ELF file ends inside the segment", number, 0);
        done += (uint64_t)count;
    }
    uint64_t start = (uint64_t)segment->map_start_page << PAGE_SHIFT;
    uint64_t end = (uint64_t)segment->map_end_page << PAGE_SHIFT;
    long result = arch_syscall(SYS_mprotect, (long)start, (long)(end - start),
                               (long)segment->prot, 0, 0, 0);
    if (result < 0)
        fail("cannot protect the segment", number, result);
}

static void close_fd(long fd)
{
    long result = arch_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
    if (result < 0)
        fail("cannot close a tender fd", -1, result);
}

/* tender_main is called by _start and never returns. */
__attribute__((noreturn, used)) void tender_main(void)
{
    unsigned long length = read_record();
    const struct launch_header *header = (const void *)record;
    check_header(header, length);
    const struct launch_segment *segments =
        (const void *)(record + sizeof *header);
    check_segments(segments, header->segment_count, header->mem_size);
    const unsigned char *blob =
        (const unsigned char *)(segments + header->segment_count);
    const unsigned char *filter = blob + header->blob_size;

    /* The boot info starts with the guest's memory size; it must agree. */
    uint64_t boot_mem_size = 0;
    copy_bytes((unsigned char *)&boot_mem_size, blob, sizeof boot_mem_size);
    if (boot_mem_size != header->mem_size)
        fail("boot info memory size does not match the header", -1, 0);

    map_guest_memory(header->mem_size);
    for (uint32_t index = 0; index < header->segment_count; index++)
        load_segment(&segments[index], (long)header->elf_fd, (long)index);
    copy_bytes((unsigned char *)SPT_BOOT_INFO_BASE, blob, header->blob_size);
    close_fd(RECORD_FD);
    close_fd((long)header->elf_fd);

    struct sock_fprog program = {
        .len = (unsigned short)header->filter_len,
        .filter = filter,
    };
    long result = arch_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
                               (long)&program, 0, 0, 0);
    if (result < 0)
        fail("cannot install the guest filter", -1, result);
    arch_enter_guest(header->entry, header->mem_size - ARCH_GUEST_STACK_GAP,
                     SPT_BOOT_INFO_BASE);
}
