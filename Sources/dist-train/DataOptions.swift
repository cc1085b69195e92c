import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `--data` and `--cache-dir`, shared by the commands that read a dataset (train, evaluate, predict, inspect),
/// and their resolution to an opened `ECGDataset` on every rank of a job.
///
/// `--data FILE` opens a prepared dataset as it is. `--data DIR` prepares the WFDB records under DIR into the cache
/// the first time (keyed by the directory's file names, sizes and times and by the preparation options) and reuses
/// the file afterwards. No `--data` means the built-in default: 1,000 simulated records (seed 0), prepared into the
/// cache once. Only rank 0 prepares; the others wait without spinning a core, then every rank opens the file.
struct DataOptions: ParsableArguments {
    /// The default data set when no `--data` is given.
    static let defaultSource = ECGDatasetSource.simulator(count: 1000, seed: 0)

    @Option(help: "A prepared dataset (.nc), or a directory of WFDB records to prepare into the cache (default: 1,000 simulated records, seed 0).")
    var data: String?

    @Option(help: "Where prepared datasets are kept (default: $DIST_TRAIN_CACHE, else $XDG_CACHE_HOME/dist-train, else ~/.cache/dist-train).")
    var cacheDir: String?

    /// Seconds between polls while waiting for rank 0.
    private static let pollInterval = 0.02

    /// The dataset on every rank of `group`: rank 0 finds or prepares it (printing what it does), the others wait
    /// for it; if rank 0 fails, every rank throws (rank 0 its own error), and the same if any rank cannot open the
    /// file.
    func resolve(over group: ProcessGroup, options: ECGDatasetPreparationOptions = ECGDatasetPreparationOptions())
        throws -> ECGDataset {
        var located: Result<URL, Error> = .failure(DataResolutionError.failedOnRankZero)
        if group.rank == 0 {
            // The node's other ranks only sleep while rank 0 prepares, so it may use their cores too.
            let threads = Parallel.threadCount
            Parallel.configure(threads: threads * max(1, group.localSize))
            located = Result { try locateOrPrepare(options: options) }
            Parallel.configure(threads: threads)
        }
        let path = Array(((try? located.get().path) ?? "").utf8)
        var status: [Float] = group.rank == 0 ? [(try? located.get()) == nil ? 1 : 0, Float(path.count)] : [0, 0]
        try status.withUnsafeMutableBufferPointer { buffer in
            var handles = [try group.startAllReduceSum(buffer)]
            while !handles.allSatisfy(\.isComplete) {
                try group.progress(&handles)
                if !handles.allSatisfy(\.isComplete) { Thread.sleep(forTimeInterval: Self.pollInterval) }
            }
            try group.waitAll(&handles)
        }
        guard status[0] == 0 else {
            if case let .failure(error) = located, group.rank == 0 { throw error }
            throw DataResolutionError.failedOnRankZero
        }
        var pathBytes = group.rank == 0 ? path : [UInt8](repeating: 0, count: Int(status[1]))
        try pathBytes.withUnsafeMutableBytes { try group.broadcast($0, root: 0) }
        let url = URL(fileURLWithPath: String(decoding: pathBytes, as: UTF8.self))
        let opened = Result { try ECGDataset(contentsOf: url) }
        let failedRank = try group.allReduceMax((try? opened.get()) == nil ? Int64(group.rank + 1) : 0)
        if failedRank > 0 {
            if case let .failure(error) = opened { throw error }
            throw DataResolutionError.openFailed(rank: Int(failedRank) - 1, path: url.path)
        }
        return try opened.get()
    }

    /// Rank 0's part: the dataset file to open, prepared into the cache first when needed.
    private func locateOrPrepare(options: ECGDatasetPreparationOptions) throws -> URL {
        let source: ECGDatasetSource
        if let data {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory) else {
                throw DataResolutionError.missingPath(data)
            }
            guard isDirectory.boolValue else { return URL(fileURLWithPath: data) }
            source = .directory(URL(fileURLWithPath: data))
        } else {
            source = Self.defaultSource
        }
        let cache = DatasetCache(option: cacheDir)
        let cached = try cache.url(for: source, options: options)
        if FileManager.default.fileExists(atPath: cached.path) {
            do {
                _ = try ECGDataset(contentsOf: cached)
                print("data: using the cached \(cached.path) (prepared from \(source))")
                return cached
            } catch {
                print("data: the cached \(cached.path) cannot be read (\(error)); preparing it again")
            }
        }
        try FileManager.default.createDirectory(at: cache.directory, withIntermediateDirectories: true)
        print("data: preparing \(source) into \(cached.path) (once; later runs reuse it)")
        var report = PreparationReport(label: "data")
        let summary = try ECGDatasetPreparation(options: options).prepare(source, to: cached) { report.show($0) }
        report.show(summary)
        return cached
    }
}
