import { describe, expect, it } from 'vitest';
import { type Instruction, listing, op, type Program } from '../../src/bpf/index.js';

const X86_64 = 0xc000003e;
const I386 = 0x40000003;
const names: Record<number, Record<number, string>> = { [X86_64]: { 0: 'read', 59: 'execve' }, [I386]: { 11: 'execve' } };
const syscallName = (nr: number, arch: number): string | undefined => names[arch]?.[nr];

/** says: the listing line of a single instruction at index 0. */
const says = (instruction: Instruction, text: string): void => expect(listing([instruction])).toBe(`0000: ${text}`);

describe('listing: one instruction', () => {
  it.each([
    [op.load(0), 'A = nr'],
    [op.load(4), 'A = arch'],
    [op.load(8), 'A = instruction_pointer.lo'],
    [op.load(12), 'A = instruction_pointer.hi'],
    [op.load(16), 'A = args[0].lo'],
    [op.load(28), 'A = args[1].hi'],
    [op.load(60), 'A = args[5].hi'],
    [op.load(2), 'A = data[2]'],
    [op.load(64), 'A = data[64]'],
    [op.loadLength('A'), 'A = len'],
    [op.loadLength('X'), 'X = len'],
    [op.loadConstant('A', 7), 'A = 7'],
    [op.loadConstant('X', 0x40000000), 'X = 0x40000000'],
    [op.loadScratch('A', 3), 'A = M[3]'],
    [op.loadScratch('X', 15), 'X = M[15]'],
    [op.store('A', 3), 'M[3] = A'],
    [op.store('X', 0), 'M[0] = X'],
    [op.alu('add', 5), 'A += 5'],
    [op.alu('sub', 5), 'A -= 5'],
    [op.alu('mul', 5000), 'A *= 0x1388'],
    [op.alu('div', 2), 'A /= 2'],
    [op.alu('and', 0xff), 'A &= 0xff'],
    [op.alu('or', 1), 'A |= 0x1'],
    [op.alu('xor', 0xffffffff), 'A ^= 0xffffffff'],
    [op.alu('lsh', 3), 'A <<= 3'],
    [op.alu('rsh', 31), 'A >>= 31'],
    [op.aluX('mul'), 'A *= X'],
    [op.negate(), 'A = -A'],
    [op.jump(11), 'goto 0012'],
    [op.jumpIf('eq', 3, 1, 2), 'if (A == 3) goto 0002 else goto 0003'],
    [op.jumpIf('ne', 3, 0, 2), 'if (A != 3) goto 0001 else goto 0003'],
    [op.jumpIf('gt', 3, 1, 0), 'if (A > 3) goto 0002 else goto 0001'],
    [op.jumpIf('le', 3, 1, 0), 'if (A <= 3) goto 0002 else goto 0001'],
    [op.jumpIf('ge', 3, 1, 0), 'if (A >= 3) goto 0002 else goto 0001'],
    [op.jumpIf('lt', 3, 1, 0), 'if (A < 3) goto 0002 else goto 0001'],
    [op.jumpIf('set', 0x40000000, 1, 0), 'if (A & 0x40000000) goto 0002 else goto 0001'],
    [op.jumpIf('notset', 1, 1, 0), 'if (!(A & 0x1)) goto 0002 else goto 0001'],
    [op.jumpIfX('ge', 255, 0), 'if (A >= X) goto 0256 else goto 0001'],
    [op.tax(), 'X = A'],
    [op.txa(), 'A = X'],
    [op.ret(0x7fff0000), 'return ALLOW'],
    [op.ret(0x80000000), 'return KILL_PROCESS'],
    [op.ret(0), 'return KILL_THREAD'],
    [op.ret(0x00050001), 'return ERRNO(1)'],
    [op.ret(0x00050000), 'return ERRNO(0)'],
    [op.ret(0x00030005), 'return TRAP(5)'],
    [op.ret(0x7ff00002), 'return TRACE(2)'],
    [op.ret(0x7fc00000), 'return USER_NOTIF'],
    [op.ret(0x7ffc0000), 'return LOG'],
    [op.ret(0x7fff0001), 'return ALLOW(1)'],
    [op.ret(0x00010000), 'return 0x10000 (unknown action: KILL_PROCESS)'],
    [op.retA(), 'return A'],
    [op.raw(0x94, 0, 0, 3), 'raw(code 0x94, jt 0, jf 0, k 0x3)'],
  ] as [Instruction, string][])('%o reads "%s"', (instruction, text) => says(instruction, text));
});

describe('listing: seccomp names', () => {
  const filter: Program = [
    op.load(4),
    op.jumpIf('eq', X86_64, 0, 4),
    op.load(0),
    op.jumpIf('eq', 59, 7, 0),
    op.jumpIf('ne', 0, 0, 6),
    op.ret(0x7fff0000),
    op.jumpIf('eq', I386, 0, 3),
    op.load(0),
    op.jumpIf('eq', 11, 1, 0),
    op.ret(0x7fff0000),
    op.load(16),
    op.jumpIf('eq', 59, 0, 1),
    op.ret(0x00050001),
  ];

  it('names arches after loading arch and syscalls where the arch is known', () => {
    expect(listing(filter, { syscallName }).split('\n')).toEqual([
      '0000: A = arch',
      '0001: if (A == AUDIT_ARCH_X86_64) goto 0002 else goto 0006',
      '0002: A = nr',
      '0003: if (A == execve) goto 0011 else goto 0004',
      '0004: if (A != read) goto 0005 else goto 0011',
      '0005: return ALLOW',
      '0006: if (A == AUDIT_ARCH_I386) goto 0007 else goto 0010',
      '0007: A = nr',
      '0008: if (A == execve) goto 0010 else goto 0009',
      '0009: return ALLOW',
      '0010: A = args[0].lo',
      '0011: if (A == 59) goto 0012 else goto 0013',
      '0012: return ERRNO(1)',
    ]);
  });

  it('prints numbers without a syscallName option', () => {
    expect(listing(filter).split('\n')[3]).toBe('0003: if (A == 59) goto 0011 else goto 0004');
  });

  it('prints numbers where paths with different arches meet', () => {
    const merged: Program = [
      op.load(4),
      op.jumpIf('eq', X86_64, 1, 0),
      op.jumpIf('eq', I386, 0, 2),
      op.load(0),
      op.jumpIf('eq', 59, 0, 0),
      op.ret(0),
    ];
    expect(listing(merged, { syscallName }).split('\n')[4]).toBe('0004: if (A == 59) goto 0005 else goto 0005');
  });

  it('prints numbers when the arch was never checked', () => {
    expect(listing([op.load(0), op.jumpIf('eq', 59, 0, 0), op.ret(0)], { syscallName }).split('\n')[1]).toBe(
      '0001: if (A == 59) goto 0002 else goto 0002',
    );
  });

  it('prints an arch value as a number once A no longer holds arch', () => {
    expect(listing([op.load(4), op.alu('and', 0xffffffff), op.jumpIf('eq', X86_64, 0, 0), op.ret(0)]).split('\n')[2]).toBe(
      '0002: if (A == 0xc000003e) goto 0003 else goto 0003',
    );
  });

  it('learns the arch on the false branch of ne', () => {
    const program: Program = [op.load(4), op.jumpIf('ne', X86_64, 2, 0), op.load(0), op.jumpIf('eq', 0, 0, 0), op.ret(0)];
    expect(listing(program, { syscallName }).split('\n')[3]).toBe('0003: if (A == read) goto 0004 else goto 0004');
  });

  it('lists an empty program as nothing', () => expect(listing([])).toBe(''));
});
