import Foundation

/// One JSON object per line and step, per rank (`rank-<r>.jsonl`): what every rank measured, for
/// scripts and for finding the slow rank.
final class MetricsLog {
    private let handle: FileHandle
    let url: URL

    /// Creates (or appends to) `directory/rank-<rank>.jsonl`.
    /// Creates (or appends to) `directory/rank-<rank>.jsonl`; a directory that cannot be made or written is
    /// reported as the `--log-dir` it is.
    init(directory: URL, rank: Int) throws(TrainingRunError) {
        url = directory.appendingPathComponent("rank-\(rank).jsonl")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .unwritableLogDirectory(path: directory.path, reason: "it is a file, not a directory")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: url.path) {
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
                }
            }
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw .unwritableLogDirectory(path: directory.path, reason: "cannot create or write \(url.lastPathComponent): "
                                          + "\((error as NSError).localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// Appends the step's record.
    func record(_ report: StepReport, rank: Int, learningRate: Double) throws {
        let seconds = report.computeSeconds + report.allReduceWaitSeconds
        let fields: [String: Any] = [
            "rank": rank, "step": report.step, "epoch": report.epoch, "loss": report.loss, "learning_rate": learningRate,
            "samples": report.localSamples,
            "samples_per_s": seconds > 0 ? Double(report.globalSamples) / seconds : 0,
            "allreduce_ms": report.allReduceWaitSeconds * 1000, "compute_ms": report.computeSeconds * 1000,
        ]
        var line = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        line.append(0x0A)
        try handle.write(contentsOf: line)
    }
}
