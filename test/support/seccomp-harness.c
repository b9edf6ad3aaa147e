/*
 * seccomp-harness: run one seccomp-BPF program in the real kernel against a
 * list of syscall cases, each in a fresh child process, and print what the
 * kernel did with each.
 *
 * Input (stdin or the file named by argv[1]), all little-endian:
 *   u32 flags            passed to seccomp(SECCOMP_SET_MODE_FILTER, flags, ...)
 *   u32 length           instruction count of the filter under test
 *   length * 8 bytes     struct sock_filter[length]
 *   u32 count            number of cases
 *   count * 56 bytes     per case: u32 nr, u32 mode (0 native, 1 i386),
 *                        u64 args[6]
 *
 * Output: "ip <native> <i386>" (the instruction pointer the kernel reports for
 * each call site), then per case one line "case <index> <outcome>", where the
 * outcome is one of: passed | errno <n> | returned <n> |
 * trap <data> <syscall> <arch> | kill_thread | kill_process |
 * install_failed <errno> | unsupported <reason> | signal <n> | timeout.
 *
 * How a case runs: the child's main thread stays unfiltered; a second thread
 * installs a TRACE-everything filter, then the filter under test, then makes
 * the call. The most restrictive result of stacked filters wins, and TRACE
 * without a tracer fails the call with ENOSYS without running it, so nothing
 * the program allows ever executes. The filtered thread reports through
 * memory and then spins (even exit would be filtered); the main thread polls,
 * writes the result to the parent, and ends the process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Raw call sites: all six 64-bit registers reach the kernel untouched. The
 * labels after each trap instruction are the instruction pointer seccomp sees. */
long harness_syscall64(long nr, const uint64_t *args);
long harness_int80(long nr, const uint64_t *args);
extern const char harness_syscall64_ip[], harness_int80_ip[];
__asm__(".text\n"
        ".globl harness_syscall64\n.globl harness_syscall64_ip\n"
        "harness_syscall64:\n"
        "  mov %rdi, %rax\n  mov %rsi, %r11\n"
        "  mov 0(%r11), %rdi\n  mov 8(%r11), %rsi\n  mov 16(%r11), %rdx\n"
        "  mov 24(%r11), %r10\n  mov 32(%r11), %r8\n  mov 40(%r11), %r9\n"
        "  syscall\n"
        "harness_syscall64_ip:\n  ret\n"
        ".globl harness_int80\n.globl harness_int80_ip\n"
        "harness_int80:\n"
        "  push %rbx\n  push %rbp\n  mov %edi, %eax\n  mov %rsi, %r11\n"
        "  mov 0(%r11), %ebx\n  mov 8(%r11), %ecx\n  mov 16(%r11), %edx\n"
        "  mov 24(%r11), %esi\n  mov 32(%r11), %edi\n  mov 40(%r11), %ebp\n"
        "  int $0x80\n"
        "harness_int80_ip:\n  pop %rbp\n  pop %rbx\n  movslq %eax, %rax\n  ret\n");

enum { MODE_NATIVE = 0, MODE_I386 = 1 };
enum { STATE_RUNNING = 0, STATE_RETURNED, STATE_TRAPPED, STATE_INSTALL_FAILED, STATE_SETUP_FAILED };

struct test_case { uint32_t nr, mode; uint64_t args[6]; };

/* Shared between the filtered thread and the main thread of one child. */
static struct sock_fprog program_under_test;
static uint32_t install_flags;
static const struct test_case *current_case;
static volatile sig_atomic_t state = STATE_RUNNING;
static volatile long result_value;
static volatile int trap_data, trap_syscall;
static volatile unsigned trap_arch;

static void spin_forever(void) { for (;;) __asm__ volatile("pause"); }

/* SIGSYS from SECCOMP_RET_TRAP: record it; returning would need rt_sigreturn. */
static void on_sigsys(int signal_number, siginfo_t *info, void *context) {
  (void)signal_number; (void)context;
  trap_data = info->si_errno;
  trap_syscall = info->si_syscall;
  trap_arch = info->si_arch;
  state = STATE_TRAPPED;
  spin_forever();
}

/* The filtered thread. The TRACE filter lets exactly one call through: the
 * seccomp() that installs the program under test (matched by its pointer). */
static void *filtered_thread(void *unused) {
  (void)unused;
  uint64_t cookie = (uint64_t)(uintptr_t)&program_under_test;
  struct sock_filter trace_all[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_seccomp, 0, 7),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)cookie, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2]) + 4),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(cookie >> 32), 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
  };
  struct sock_fprog trace_program = { sizeof trace_all / sizeof trace_all[0], trace_all };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &trace_program) != 0) {
    result_value = errno;
    state = STATE_SETUP_FAILED;
    spin_forever();
  }
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, install_flags, &program_under_test) < 0) {
    result_value = errno;
    state = STATE_INSTALL_FAILED;
    spin_forever();
  }
  const struct test_case *c = current_case;
  long nr = (long)(int32_t)c->nr;
  result_value = c->mode == MODE_I386 ? harness_int80(nr, c->args) : harness_syscall64(nr, c->args);
  state = STATE_RETURNED;
  spin_forever();
  return NULL;
}

/* Runs in the per-case child: start the filtered thread and report on it. */
static void run_case_child(int report_fd) {
  char message[128];
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_sigsys;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &action, NULL);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* KILL_PROCESS must not dump core */
  pthread_t thread;
  if (pthread_create(&thread, NULL, filtered_thread, NULL) != 0) _exit(3);
  struct timespec pause_time = { 0, 200000 };
  for (int polls = 0; state == STATE_RUNNING; polls++) {
    if (pthread_tryjoin_np(thread, NULL) == 0) { snprintf(message, sizeof message, "kill_thread"); break; }
    if (polls > 25000) { snprintf(message, sizeof message, "timeout"); break; }
    nanosleep(&pause_time, NULL);
  }
  long value = result_value;
  switch (state) {
  case STATE_RUNNING: break; /* message already set */
  case STATE_TRAPPED:
    snprintf(message, sizeof message, "trap %d %d 0x%x", trap_data, trap_syscall, trap_arch); break;
  case STATE_INSTALL_FAILED: snprintf(message, sizeof message, "install_failed %ld", value); break;
  case STATE_SETUP_FAILED: snprintf(message, sizeof message, "unsupported setup-errno-%ld", value); break;
  default:
    if (value == -ENOSYS) snprintf(message, sizeof message, "passed");
    else if (value <= 0 && value >= -4095) snprintf(message, sizeof message, "errno %ld", -value);
    else snprintf(message, sizeof message, "returned %ld", value);
  }
  if (write(report_fd, message, strlen(message)) < 0) _exit(4);
  _exit(0); /* exit_group: also ends the spinning filtered thread */
}

/* Does this kernel run int $0x80 from a 64-bit process? Probed in a child. */
static int ia32_available(void) {
  pid_t child = fork();
  if (child == 0) {
    uint64_t no_args[6] = { 0 };
    _exit(harness_int80(20 /* i386 getpid */, no_args) == getpid() ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void read_exactly(FILE *input, void *buffer, size_t size) {
  if (size != 0 && fread(buffer, 1, size, input) != size) {
    fprintf(stderr, "seccomp-harness: truncated input\n");
    exit(2);
  }
}

int main(int argc, char **argv) {
  FILE *input = argc > 1 ? fopen(argv[1], "rb") : stdin;
  if (input == NULL) { perror("seccomp-harness: open"); return 2; }
  uint32_t length, count;
  read_exactly(input, &install_flags, 4);
  read_exactly(input, &length, 4);
  if (length > 0xffff) { fprintf(stderr, "seccomp-harness: filter too long for sock_fprog\n"); return 2; }
  struct sock_filter *filter = calloc(length + 1, sizeof *filter); /* never NULL, even if empty */
  read_exactly(input, filter, (size_t)length * sizeof *filter);
  program_under_test.len = (unsigned short)length;
  program_under_test.filter = filter;
  read_exactly(input, &count, 4);
  struct test_case *cases = calloc(count + 1, sizeof *cases);
  read_exactly(input, cases, (size_t)count * sizeof *cases);
  int has_ia32 = ia32_available();
  printf("ip 0x%lx 0x%lx\n", (unsigned long)harness_syscall64_ip, (unsigned long)harness_int80_ip);
  for (uint32_t index = 0; index < count; index++) {
    char message[128] = "";
    if (cases[index].mode == MODE_I386 && !has_ia32) {
      printf("case %u unsupported no-ia32-emulation\n", index);
      continue;
    }
    int channel[2];
    if (pipe(channel) != 0) { perror("seccomp-harness: pipe"); return 2; }
    fflush(stdout);
    current_case = &cases[index];
    pid_t child = fork();
    if (child == 0) { close(channel[0]); run_case_child(channel[1]); }
    close(channel[1]);
    ssize_t got = read(channel[0], message, sizeof message - 1);
    message[got > 0 ? got : 0] = '\0';
    close(channel[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS && got <= 0) printf("case %u kill_process\n", index);
    else if (WIFSIGNALED(status)) printf("case %u signal %d\n", index, WTERMSIG(status));
    else if (got <= 0) printf("case %u unsupported child-exit-%d\n", index, WEXITSTATUS(status));
    else printf("case %u %s\n", index, message);
  }
  return 0;
}
