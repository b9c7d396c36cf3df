/**
 * glibc malloc settings for the daemon on Linux, given in the environment
 * it starts with (`GLIBC_TUNABLES`, read by glibc before any code runs: a
 * process cannot set them for itself). The systemd unit sets them
 * (deploy/systemd/tollgate-daemon.service), and so do `npm start` and the
 * benchmark for the daemons they spawn (docs/DAEMON.md, Memory, "glibc's
 * malloc settings"):
 *
 * - `glibc.malloc.hugetlb=1`: malloc asks for transparent huge pages
 *   (`madvise(MADV_HUGEPAGE)`) on what it maps, which kernels whose THP
 *   mode is `madvise` (Debian's default) then back with 2 MiB pages. The
 *   daemon's big buffers (the view image it reads at start, a snapshot
 *   frame, the compile's columns and the new image) each cost one page
 *   fault per 4 KiB otherwise: 82,000 faults for a 335 MB image at
 *   1,000,000 policies, 3 to 12 µs each on the virtual machine measured;
 * - `glibc.malloc.mmap_threshold=1048576`: every allocation of 1 MiB or
 *   more gets a mapping of its own, given back to the system when freed.
 *   glibc's default threshold rises with each large block freed (up to 32
 *   MiB), so the compile's columns moved into its main heap and stayed
 *   there as resident memory after the apply, which huge pages alone made
 *   larger.
 *
 * Measured at 100,000 and 1,000,000 policies (docs/BENCHMARKS.md, "glibc's
 * malloc settings"): a warm start's CPU and time to first answer, an apply's
 * CPU and the peak of a seed apply were lower with both set; the peaks of a
 * warm start and of three applies about the same.
 * Other C libraries ignore the variable; glibc before 2.35, or a kernel
 * whose THP mode is not `madvise`, ignores the first setting.
 */
export const DAEMON_GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1048576';

/**
 * The environment to start a daemon with: `env` with DAEMON_GLIBC_TUNABLES,
 * unless `env` sets GLIBC_TUNABLES itself (even to nothing, glibc's defaults),
 * which is then left as it is.
 */
export function daemonEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env['GLIBC_TUNABLES'] !== undefined) return env;
  return { ...env, GLIBC_TUNABLES: DAEMON_GLIBC_TUNABLES };
}
