import Foundation

/// How many cores this process may run on, and a sensible thread count for one of several ranks.
public enum CPUAffinity {
    /// Cores in this process's affinity mask (what `mpirun --bind-to` or Slurm's cgroup allow), read from
    /// the `Cpus_allowed` line of `/proc/self/status`; all online cores where that is unavailable.
    public static var allowedCores: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else {
            return ProcessInfo.processInfo.activeProcessorCount
        }
        let mask = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
        let count = mask.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
        return count > 0 ? count : ProcessInfo.processInfo.activeProcessorCount
    }

    /// Threads for one of `ranksOnNode` ranks: the node's cores shared evenly, never more than the
    /// cores this rank is bound to, at least one.
    public static func threadsPerRank(ranksOnNode: Int) -> Int {
        let nodeCores = ProcessInfo.processInfo.activeProcessorCount
        return Swift.max(1, Swift.min(allowedCores, nodeCores / Swift.max(ranksOnNode, 1)))
    }
}
