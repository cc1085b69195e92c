import DistTensor
import Foundation

/// Where a command's dataset comes from, and its resolution to an opened `ECGDataset` on every rank of a job.
///
/// A path to a file opens a prepared dataset as it is. A path to a directory prepares the WFDB records under it into
/// the cache the first time (keyed by the directory's file names, sizes and times and by the preparation options)
/// and reuses the file afterwards. No path means the built-in default: 1,000 simulated records (seed 0) with the
/// simulator's occasional recording faults (electrode motion, mains, saturation, a flat lead), so the default job
/// exercises the filters and the flat-lead masking as real data does, prepared into the cache once. Only rank 0 prepares; the others wait without spinning a core, then every rank opens the file.
public struct DatasetLocation: Sendable, Equatable {
    /// The default data set when no path is given.
    public static let builtInSource = ECGDatasetSource.simulator(count: 1000, seed: 0, artifacts: true)

    /// A prepared dataset (.nc) or a directory of WFDB records; nil for the built-in set.
    public var path: String?
    /// Where prepared datasets are kept (nil: `DatasetCache`'s default from the environment).
    public var cacheDirectory: String?
    /// Whether preparing a directory follows symbolic links out of it (`ECGDatasetPreparationOptions`).
    public var followsSymlinksOutside: Bool

    public init(path: String? = nil, cacheDirectory: String? = nil, followsSymlinksOutside: Bool = false) {
        self.path = path
        self.cacheDirectory = cacheDirectory
        self.followsSymlinksOutside = followsSymlinksOutside
    }

    /// The dataset on every rank of `group`: rank 0 finds or prepares it (telling `output` what it does), the others
    /// wait for it; if rank 0 fails, every rank throws (rank 0 its own error), and the same if any rank cannot open
    /// the file.
    public func resolve(over group: ProcessGroup, options: ECGDatasetPreparationOptions = ECGDatasetPreparationOptions(),
                        output: @escaping (String) -> Void) throws -> ECGDataset {
        // Preparing thousands of records may take longer than any collective timeout: the others wait as long as it takes.
        let path = try group.withoutCollectiveTimeout { try group.decidedByRankZero(what: "could not prepare the dataset") {
            () throws -> String in
            // The node's other ranks only sleep while rank 0 prepares, so it may use their cores too.
            guard group.localSize > 1 else { return try locateOrPrepare(options: options, output: output).path }
            let threads = Parallel.threadCount
            Parallel.configure(threads: threads * group.localSize)
            defer { Parallel.configure(threads: threads) }
            return try locateOrPrepare(options: options, output: output).path
        } }
        let url = URL(fileURLWithPath: path)
        let opened = Result { try ECGDataset(contentsOf: url) }
        let failedRank = try group.allReduceMax((try? opened.get()) == nil ? Int64(group.rank + 1) : 0)
        if failedRank > 0 {
            if case let .failure(error) = opened { throw error }
            throw DatasetResolutionError.openFailed(rank: Int(failedRank) - 1, path: url.path)
        }
        return try opened.get()
    }

    /// Rank 0's part: the dataset file to open, prepared into the cache first when needed.
    private func locateOrPrepare(options: ECGDatasetPreparationOptions, output: @escaping (String) -> Void) throws -> URL {
        var options = options
        options.followsSymlinksOutside = options.followsSymlinksOutside || followsSymlinksOutside
        let source: ECGDatasetSource
        if let path {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw DatasetResolutionError.missingPath(path)
            }
            guard isDirectory.boolValue else { return URL(fileURLWithPath: path) }
            source = .directory(URL(fileURLWithPath: path))
        } else {
            source = Self.builtInSource
        }
        let cache = DatasetCache(option: cacheDirectory)
        let cached = try cache.url(for: source, options: options)
        if FileManager.default.fileExists(atPath: cached.path) {
            do {
                _ = try ECGDataset(contentsOf: cached)
                output("data: using the cached \(cached.path) (prepared from \(source))")
                return cached
            } catch {
                output("data: the cached \(cached.path) cannot be read (\(error)); preparing it again")
            }
        }
        try FileManager.default.createDirectory(at: cache.directory, withIntermediateDirectories: true)
        output("data: preparing \(source) into \(cached.path) (once; later runs reuse it)")
        var report = ECGDatasetPreparationReport(label: "data", output: output)
        let summary = try ECGDatasetPreparation(options: options).prepare(source, to: cached) { report.show($0) }
        report.show(summary)
        return cached
    }
}

/// Why a dataset location could not be turned into an open dataset on every rank.
public enum DatasetResolutionError: Error, Equatable, CustomStringConvertible {
    /// The path names nothing.
    case missingPath(String)
    /// A directory could not be listed to fingerprint it.
    case unreadableDirectory(URL)
    /// Another rank could not open the dataset rank 0 prepared.
    case openFailed(rank: Int, path: String)

    public var description: String {
        switch self {
        case let .missingPath(path):
            return "--data \(path): no such file or directory. Give a dataset file (.nc) or a directory of WFDB records."
        case let .unreadableDirectory(url):
            return "\(url.path): cannot list the directory. Check the path and its permissions."
        case let .openFailed(rank, path):
            return "rank \(rank) could not open \(path) (its message says why). Every rank must see the same file: "
                + "put --cache-dir on a file system shared by all nodes."
        }
    }
}
