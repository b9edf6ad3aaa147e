/** The example policy at the top of docs/policy-language.md, verbatim. */
export const SPT_POLICY = `# policies/solo5-spt.policy: the guest side of a Solo5 spt tender.
policy solo5_spt

param epoll: fd
param timer: fd
param nets: [fd]
param blocks: [{ fd: fd, block_size: u64, capacity: u64 }]

default kill_process

allow exit_group
allow write where fd == 1
allow epoll_pwait where epfd == epoll
allow timerfd_settime where ufd == timer
allow clock_gettime where which_clock in { CLOCK_MONOTONIC, CLOCK_REALTIME }

when arch x86_64 {
  allow arch_prctl where option == ARCH_SET_FS
}

for net in nets {
  allow read, write where fd == net
}

for b in blocks {
  allow pread64, pwrite64
    where fd == b.fd && count == b.block_size && pos <= b.capacity - b.block_size
}
`;

/** SPT_PARAMS are the bindings of the worked example: one block device, no network. */
export const SPT_PARAMS = {
  epoll: 4,
  timer: 5,
  nets: [],
  blocks: [{ fd: 6, block_size: 512, capacity: 4194304 }],
};
