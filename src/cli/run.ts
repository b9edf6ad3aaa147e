/**
 * `nabla-seccomp run KERNEL.spt …`: run a Solo5 spt unikernel under the
 * native tender, confined by seccomp from the tender's first instruction.
 */
import type { Command } from './command.js';
import { InputError, IoError, UsageError } from './errors.js';
import type { Io } from './io.js';
import { parseRunArguments, type RunArguments } from '../tender/arguments.js';
import { describePlan } from '../tender/describe.js';
import { TenderError } from '../tender/errors.js';
import { describeLaunch, runUnikernel, type OutputMode, type RunOptions } from '../tender/run.js';

const SIGSYS = 31;

function launchOptions(parsed: RunArguments, kernel: string, io: Io): RunOptions {
  const inherit = io.stdout === process.stdout && io.stderr === process.stderr;
  const output: OutputMode = inherit ? 'inherit' : { stdout: io.stdout, stderr: io.stderr };
  return {
    kernel,
    blocks: parsed.blocks,
    nets: parsed.nets,
    args: parsed.args,
    output,
    ...(parsed.memoryMiB === undefined ? {} : { memoryMiB: parsed.memoryMiB }),
    ...(parsed.policy === undefined ? {} : { policy: parsed.policy }),
  };
}

function asCliError(error: TenderError): Error {
  if (error.exitCode === 1) return new InputError(error.message, error.formatted);
  return error.name === 'LaunchUsageError' ? new UsageError(error.message) : new IoError(error.message);
}

/** runCommand is `nabla-seccomp run`. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run a Solo5 spt unikernel confined by seccomp',
  help: `Usage: nabla-seccomp run KERNEL.spt [--mem=MB] [--block:NAME=PATH] [--block-sector-size:NAME=N]
                          [--net:NAME=IFACE] [--net-mac:NAME=MAC] [--policy FILE]
                          [--dry-run] [--] [ARGS…]

Checks the unikernel (ELF header, segments, Solo5 ABI and manifest), opens
its devices, and runs it under the native tender. The tender runs under
policies/spt-tender.policy from its first instruction; the guest runs under
policies/solo5-spt.policy (or --policy FILE) as well, bound to its fds.

Options:
  --mem=MB                     guest memory in MiB (default 512)
  --block:NAME=PATH            attach the file PATH as block device NAME
  --block-sector-size:NAME=N   sector size of block device NAME (default 512)
  --net:NAME=IFACE             attach the existing tap interface IFACE as NAME
  --net-mac:NAME=MAC           MAC address of NAME (default: random, locally
                               administered)
  --policy FILE                the guest policy (params epoll, timer, nets, blocks)
  --dry-run                    print the launch plan (devices and fds, the
                               manifest, both filters) instead of running
  -h, --help                   show this help
  ARGS                         the guest's command line (after '--' when one
                               starts with '-')

Exit status: the guest's own status; 128+N when signal N ended it (159:
SIGSYS, a system call the policy forbids); 1 a launch that was refused (a bad
executable, manifest or device); 2 usage or I/O errors.
`,
  async run(argv, io) {
    try {
      const parsed = parseRunArguments(argv);
      if (parsed.help) {
        io.stdout.write(runCommand.help);
        return 0;
      }
      if (parsed.kernel === undefined) throw new UsageError('run needs a KERNEL.spt');
      const options = launchOptions(parsed, parsed.kernel, io);
      if (parsed.dryRun) {
        io.stdout.write(describePlan(await describeLaunch(options)));
        return 0;
      }
      const result = await runUnikernel(options);
      if (result.signal === SIGSYS) {
        io.stderr.write(`nabla-seccomp run: the guest was killed by SIGSYS: it made a system call its policy forbids\n`);
      } else if (result.signal !== undefined) {
        io.stderr.write(`nabla-seccomp run: the guest was killed by ${result.signalName}\n`);
      }
      return result.exitCode;
    } catch (error) {
      if (error instanceof TenderError) throw asCliError(error);
      throw error;
    }
  },
};
