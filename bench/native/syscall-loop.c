/*
 * syscall-loop: time one syscall in a loop, with or without a seccomp filter.
 *
 *   syscall-loop [--filter FILE] [--memory-file FD:SIZE] [--dev-null FD]
 *                --nr NR --iterations N [ARG...]
 *
 * Each ARG is a number (decimal or 0x hex) or the word "buffer", a pointer to
 * 4 KiB of scratch memory. The timed work runs in a forked child: it places the
 * requested descriptors, installs the filter (no_new_privs, then seccomp(2)),
 * makes one checked call, warms up, times the loop with the vDSO clock, writes
 * the result into memory shared with the parent and leaves with exit_group.
 * The parent, which never installs anything, prints one line:
 *
 *   ns_per_call=<float> first_return=<long> first_errno=<int>
 *
 * or "error=<text>" and exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_INSTRUCTIONS 4096
#define WARM_UP 2000

struct options {
  const char *filter_path;
  int memory_fd;
  long memory_size;
  int dev_null_fd;
  long nr;
  long iterations;
  long args[6];
};

struct shared_result {
  int stage; /* 0 not started, 1 installed, 2 done, negative: failed step */
  int setup_errno;
  long first_return;
  int first_errno;
  double ns_per_call;
};

static struct sock_filter instructions[MAX_INSTRUCTIONS];
static unsigned short instruction_count;
static char scratch[4096] __attribute__((aligned(64)));

static void fail(const char *message) {
  printf("error=%s\n", message);
  exit(1);
}

static long parse_number(const char *text) {
  if (strcmp(text, "buffer") == 0) return (long)scratch;
  char *end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0') fail("bad number");
  return (long)value;
}

static void parse_options(int argc, char **argv, struct options *options) {
  int arg_count = 0;
  options->memory_fd = -1;
  options->dev_null_fd = -1;
  options->nr = -1;
  options->iterations = 0;
  for (int index = 1; index < argc; index++) {
    const char *word = argv[index];
    const char *value = index + 1 < argc ? argv[index + 1] : NULL;
    if (strcmp(word, "--filter") == 0 && value) {
      options->filter_path = value;
      index++;
    } else if (strcmp(word, "--memory-file") == 0 && value) {
      if (sscanf(value, "%d:%ld", &options->memory_fd, &options->memory_size) != 2) fail("bad --memory-file");
      index++;
    } else if (strcmp(word, "--dev-null") == 0 && value) {
      options->dev_null_fd = (int)parse_number(value);
      index++;
    } else if (strcmp(word, "--nr") == 0 && value) {
      options->nr = parse_number(value);
      index++;
    } else if (strcmp(word, "--iterations") == 0 && value) {
      options->iterations = parse_number(value);
      index++;
    } else if (arg_count < 6) {
      options->args[arg_count++] = parse_number(word);
    } else {
      fail("too many arguments");
    }
  }
  if (options->nr < 0 || options->iterations <= 0) fail("--nr and --iterations are required");
}

static void read_filter(const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file) fail("cannot open the filter file");
  size_t count = fread(instructions, sizeof(struct sock_filter), MAX_INSTRUCTIONS + 1, file);
  fclose(file);
  if (count == 0 || count > MAX_INSTRUCTIONS) fail("the filter file is empty or too long");
  instruction_count = (unsigned short)count;
}

/* place_descriptors puts a sized memory file and /dev/null at the requested numbers. */
static int place_descriptors(const struct options *options) {
  if (options->memory_fd >= 0) {
    int fd = memfd_create("disk", 0);
    if (fd < 0 || ftruncate(fd, options->memory_size) != 0) return -1;
    if (fd != options->memory_fd && (dup2(fd, options->memory_fd) < 0 || close(fd) != 0)) return -1;
  }
  if (options->dev_null_fd >= 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) return -1;
    if (fd != options->dev_null_fd && (dup2(fd, options->dev_null_fd) < 0 || close(fd) != 0)) return -1;
  }
  return 0;
}

static double now_ns(void) {
  struct timespec spec;
  clock_gettime(CLOCK_MONOTONIC, &spec);
  return (double)spec.tv_sec * 1e9 + (double)spec.tv_nsec;
}

/* run_child does the timed work; it never returns. */
static void run_child(const struct options *options, volatile struct shared_result *result) {
  const long *a = options->args;
  /* Stay on the CPU we start on: a migration in the middle of the loop would
   * add the cost of cold caches to whichever filter happened to be timed. */
  cpu_set_t here;
  CPU_ZERO(&here);
  CPU_SET(sched_getcpu(), &here);
  sched_setaffinity(0, sizeof here, &here);
  if (place_descriptors(options) != 0) {
    result->stage = -1;
    result->setup_errno = errno;
    syscall(SYS_exit_group, 1);
  }
  if (options->filter_path) {
    struct sock_fprog program = { .len = instruction_count, .filter = instructions };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      result->stage = -2;
      result->setup_errno = errno;
      syscall(SYS_exit_group, 1);
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
      result->stage = -3;
      result->setup_errno = errno;
      syscall(SYS_exit_group, 1);
    }
  }
  result->stage = 1;
  errno = 0;
  result->first_return = syscall(options->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  result->first_errno = result->first_return == -1 ? errno : 0;
  for (long index = 0; index < WARM_UP; index++) syscall(options->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  double start = now_ns();
  for (long index = 0; index < options->iterations; index++) syscall(options->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
  double elapsed = now_ns() - start;
  result->ns_per_call = elapsed / (double)options->iterations;
  result->stage = 2;
  syscall(SYS_exit_group, 0);
}

int main(int argc, char **argv) {
  struct options options = { 0 };
  parse_options(argc, argv, &options);
  if (options.filter_path) read_filter(options.filter_path);
  volatile struct shared_result *result =
      mmap(NULL, sizeof(struct shared_result), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (result == MAP_FAILED) fail("mmap");
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) run_child(&options, result);
  int status = 0;
  if (waitpid(child, &status, 0) != child) fail("waitpid");
  if (WIFSIGNALED(status)) {
    printf("error=child killed by signal %d at stage %d\n", WTERMSIG(status), result->stage);
    return 1;
  }
  if (result->stage != 2) {
    printf("error=setup step %d failed: %s\n", -result->stage, strerror(result->setup_errno));
    return 1;
  }
  printf("ns_per_call=%.3f first_return=%ld first_errno=%d\n", result->ns_per_call, result->first_return,
         result->first_errno);
  return 0;
}
