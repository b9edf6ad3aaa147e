/**
 * The import round trip: a profile imported and compiled by us, and the same
 * profile given to libseccomp the way runc gives it (runc-oracle.ts), must
 * decide every call alike.
 *
 * - `kernel` widths (the default), clean inputs: zero disagreements.
 * - `libseccomp` widths, clean and junk inputs: zero disagreements.
 * - `kernel` widths, junk inputs: the differences are the language's
 *   deliberate kernel-accurate reading of 32-bit arguments. Each one is
 *   checked to be exactly that (our verdict on the junk input equals our
 *   verdict on its clean form, which libseccomp shares) and counted.
 * - `--enosys`: against the filter with runc's -ENOSYS stub in front.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/bpf/index.js';
import type { SeccompData } from '../../src/bpf/seccomp.js';
import type { ArchName } from '../../src/ir/model.js';
import { DOCKER_DEFAULT_CAPABILITIES, importProfile } from '../../src/oci/index.js';
import type { ImportOptions } from '../../src/oci/index.js';
import { Policy } from '../../src/policy.js';
import { libseccompAvailable } from '../support/libseccomp.js';
import { roundTripInputs } from './inputs.js';
import type { RuncHost } from './runc-oracle.js';
import { buildRuncFilter, enosysVerdict, libseccompName } from './runc-oracle.js';
import { archByAuditValue, archTable } from '../../src/arch/index.js';
import { X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';

interface Case {
  readonly title: string;
  readonly fixture: string;
  readonly capabilities: readonly string[];
}

const CASES: readonly Case[] = [
  { title: 'Docker-like default, default capabilities', fixture: 'docker-like.json', capabilities: DOCKER_DEFAULT_CAPABILITIES },
  {
    title: 'Docker-like default, with CAP_SYS_ADMIN and CAP_SYS_PTRACE',
    fixture: 'docker-like.json',
    capabilities: [...DOCKER_DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'],
  },
  { title: 'podman-like', fixture: 'podman-like.json', capabilities: DOCKER_DEFAULT_CAPABILITIES },
  { title: 'Firecracker-like', fixture: 'firecracker-like.json', capabilities: DOCKER_DEFAULT_CAPABILITIES },
];

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');
const hex = (value: number) => `0x${(value >>> 0).toString(16)}`;
const describeInput = (input: SeccompData) => `arch ${hex(input.arch)} nr ${hex(input.nr)} args ${(input.args ?? []).map((a) => `0x${a.toString(16)}`).join(',')}`;

/** Both filters of one case, ready to decide calls. */
function filters(testCase: Case, options: ImportOptions): { ours: Policy; run: (input: SeccompData) => number; oracle: (input: SeccompData) => number; arches: readonly ArchName[] } {
  const text = fixture(testCase.fixture);
  const imported = importProfile(text, { ...options, capabilities: testCase.capabilities, source: testCase.fixture });
  const ours = Policy.fromText(imported.text, { file: `${testCase.fixture}.policy` });
  const program = ours.bind();
  const host: RuncHost = { arch: 'x86_64', capabilities: testCase.capabilities, kernel: '6.1' };
  const runc = buildRuncFilter(JSON.parse(text), host);
  const emulator = Emulator.create(runc.bytes);
  return {
    ours,
    run: (input) => program.run(input).ret >>> 0,
    oracle: (input) => (options.enosys ? enosysVerdict(runc, input.arch, input.nr) : undefined) ?? emulator.run(input).ret >>> 0,
    arches: imported.arches,
  };
}

/**
 * newerThanTables says an input's number has no name in our syscall tables
 * (Linux 6.1) but one in libseccomp's that the profile names: runc filters it,
 * the import cannot (it skips the name with a warning).
 */
function newerThanTables(input: SeccompData, profileText: string): boolean {
  let arch = archByAuditValue(input.arch);
  if (arch === 'x86_64' && (input.nr & X32_SYSCALL_BIT) !== 0) arch = 'x32';
  if (arch === undefined || archTable(arch).byNumber.has(input.nr >>> 0)) return false;
  const name = libseccompName(arch, input.nr);
  return name !== undefined && profileText.includes(`"${name}"`);
}

const status = libseccompAvailable();
const suite = status.ok ? 'import round trip against runc + libseccomp' : `import round trip (skipped: ${status.reason})`;

describe.skipIf(!status.ok)(suite, () => {
  const totals = { profiles: 0, inputs: 0, disagreements: 0, junkDifferences: 0, newer: 0 };
  const newerNumbers = new Set<string>();

  for (const testCase of CASES) {
    it(`${testCase.title}: kernel widths agree on every clean input, differ on junk only as the kernel reads it`, () => {
      const { run, oracle, arches } = filters(testCase, {});
      const inputs = roundTripInputs(JSON.parse(fixture(testCase.fixture)), arches);
      const disagreements: string[] = [];
      let junkDifferences = 0;
      const text = fixture(testCase.fixture);
      for (const { clean, junk } of inputs) {
        if (newerThanTables(clean, text)) {
          newerNumbers.add(`${hex(clean.arch)}/${hex(clean.nr)}`);
          continue;
        }
        const ours = run(clean);
        if (ours !== oracle(clean)) disagreements.push(`${describeInput(clean)}: ours ${hex(ours)}, runc ${hex(oracle(clean))}`);
        const oursJunk = run(junk);
        if (oursJunk === oracle(junk)) continue;
        // Kernel-accurate: we read only the low half, so the junk changes nothing for us.
        if (oursJunk !== ours) disagreements.push(`${describeInput(junk)}: ours ${hex(oursJunk)} depends on the upper half`);
        junkDifferences++;
      }
      totals.profiles++;
      totals.inputs += inputs.length * 2;
      totals.disagreements += disagreements.length;
      totals.junkDifferences += junkDifferences;
      console.log(`${testCase.title}: ${inputs.length} clean + ${inputs.length} junk inputs, ${disagreements.length} disagreements, ${junkDifferences} kernel-accurate 32-bit differences on junk`);
      expect(disagreements.slice(0, 10)).toEqual([]);
    });

    it(`${testCase.title}: libseccomp widths agree on every input, junk included`, () => {
      const { run, oracle, arches } = filters(testCase, { widths: 'libseccomp' });
      const disagreements: string[] = [];
      const inputs = roundTripInputs(JSON.parse(fixture(testCase.fixture)), arches);
      const text = fixture(testCase.fixture);
      for (const { clean, junk } of inputs) {
        if (newerThanTables(clean, text)) continue;
        for (const input of [clean, junk]) {
          if (run(input) !== oracle(input)) disagreements.push(`${describeInput(input)}: ours ${hex(run(input))}, runc ${hex(oracle(input))}`);
        }
      }
      totals.inputs += inputs.length * 2;
      totals.disagreements += disagreements.length;
      console.log(`${testCase.title} (libseccomp widths): ${inputs.length * 2} inputs, ${disagreements.length} disagreements`);
      expect(disagreements.slice(0, 10)).toEqual([]);
    });
  }

  for (const testCase of [CASES[0]!, CASES[3]!]) {
    it(`${testCase.title}: --enosys agrees with runc's -ENOSYS stub on every clean input`, () => {
      const { run, oracle, arches } = filters(testCase, { enosys: true });
      const inputs = roundTripInputs(JSON.parse(fixture(testCase.fixture)), arches);
      const text = fixture(testCase.fixture);
      const disagreements = inputs.filter(({ clean }) => !newerThanTables(clean, text) && run(clean) !== oracle(clean)).map(({ clean }) => describeInput(clean));
      const enosys = inputs.filter(({ clean }) => oracle(clean) === 0x50026).length;
      console.log(`${testCase.title} (--enosys): ${inputs.length} inputs, ${enosys} answered ENOSYS, ${disagreements.length} disagreements`);
      expect(enosys).toBeGreaterThan(0);
      expect(disagreements.slice(0, 10)).toEqual([]);
    });
  }

  it('reports the totals', () => {
    console.log(
      `round trip: ${totals.profiles} profile cases, ${totals.inputs} inputs, ${totals.disagreements} disagreements, ` +
        `${totals.junkDifferences} documented kernel-accurate differences on junk; left out as newer than the syscall tables: ${[...newerNumbers].join(' ') || 'none'}`,
    );
    expect(totals.profiles).toBe(CASES.length);
    expect(totals.disagreements).toBe(0);
  });
});
