import Foundation

/// Rank 0's progress lines while the ranks score their shares of a long evaluation or prediction: its own share
/// done, the estimate over all ranks (the shares differ by at most one record), its rate and the time left.
struct InferenceProgress {
    /// Prefix of every line (`evaluate` or `predict`).
    let label: String
    let totalRecords: Int
    let worldSize: Int
    /// Seconds between lines; runs shorter than this print none.
    let interval: Double
    private let started = Date()
    private var lastShown = 0.0

    init(label: String, totalRecords: Int, worldSize: Int, interval: Double = 10) {
        self.label = label
        self.totalRecords = totalRecords
        self.worldSize = worldSize
        self.interval = interval
    }

    /// Prints a line if `interval` seconds passed since the last one and the share is not finished.
    mutating func show(done: Int, shareCount: Int) {
        let elapsed = Date().timeIntervalSince(started)
        guard elapsed - lastShown >= interval, done < shareCount, done > 0 else { return }
        lastShown = elapsed
        let rate = Double(done) / max(elapsed, 1e-9)
        let overall = min(totalRecords, done * worldSize)
        let eta = Double(shareCount - done) / max(rate, 1e-9)
        print("\(label): ~\(overall)/\(totalRecords) records (rank 0: \(done)/\(shareCount)), "
              + "\(String(format: "%.1f", rate * Double(worldSize))) records/s over \(worldSize) rank(s), "
              + "ETA \(ProgressReporter.duration(eta))")
        FileHandle.standardOutput.synchronizeFile()
    }
}
