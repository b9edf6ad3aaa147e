/*
 * arch-x86_64.h: what the tender needs to know about x86_64 Linux: syscall
 * numbers, the raw syscall instruction, the process entry stub and the jump
 * into the guest (Solo5 spt ABI: sp = mem_size - 8, boot info in rdi).
 *
 * Another architecture provides a header with the same names.
 */
#ifndef NABLA_ARCH_H
#define NABLA_ARCH_H

#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_pread64 17
#define SYS_exit_group 231
#define SYS_seccomp 317

/* ARCH_GUEST_STACK_GAP: the guest starts with sp = mem_size minus this, so
 * that sp + 8 is 16-byte aligned as it is right after a call. */
#define ARCH_GUEST_STACK_GAP 8UL

/* arch_syscall issues one raw system call; errors come back as -errno. */
static inline long arch_syscall(long number, long a0, long a1, long a2,
                                long a3, long a4, long a5)
{
    register long r10 __asm__("r10") = a3;
    register long r8 __asm__("r8") = a4;
    register long r9 __asm__("r9") = a5;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a0), "S"(a1), "d"(a2), "r"(r10),
                       "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

/*
 * _start: the kernel enters here with rsp at argc. The tender takes nothing
 * from its arguments or environment, so the stub only clears the frame
 * pointer, aligns the stack as the C ABI expects before a call, and calls
 * tender_main, which never returns.
 */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call tender_main\n"
        "    ud2\n"
        ".size _start, . - _start\n");

/*
 * arch_enter_guest switches to the guest stack and jumps (no call, nothing
 * pushed) to the guest entry with the boot info address as first argument.
 * Every other general register is cleared so no tender value leaks into the
 * guest's initial state; rax keeps the entry address the guest knows anyway.
 */
static inline __attribute__((noreturn)) void
arch_enter_guest(unsigned long entry, unsigned long stack,
                 unsigned long boot_info)
{
    __asm__ volatile("mov %%rcx, %%rsp\n"
                     "xor %%ebx, %%ebx\n"
                     "xor %%ecx, %%ecx\n"
                     "xor %%edx, %%edx\n"
                     "xor %%esi, %%esi\n"
                     "xor %%ebp, %%ebp\n"
                     "xor %%r8d, %%r8d\n"
                     "xor %%r9d, %%r9d\n"
                     "xor %%r10d, %%r10d\n"
                     "xor %%r11d, %%r11d\n"
                     "xor %%r12d, %%r12d\n"
                     "xor %%r13d, %%r13d\n"
                     "xor %%r14d, %%r14d\n"
                     "xor %%r15d, %%r15d\n"
                     "jmp *%%rax\n"
                     :
                     : "a"(entry), "c"(stack), "D"(boot_info)
                     : "memory");
    __builtin_unreachable();
}

#endif
