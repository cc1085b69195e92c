import Foundation

/// Where prepared dataset files are kept between runs, and what each is called: `--cache-dir`, else
/// `$DIST_TRAIN_CACHE`, else `$XDG_CACHE_HOME/dist-train`, else `~/.cache/dist-train`.
public struct DatasetCache: Sendable {
    public let directory: URL

    /// The cache chosen by `option` (a `--cache-dir` value) or the environment.
    public init(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let option {
            directory = URL(fileURLWithPath: option)
        } else if let explicit = environment["DIST_TRAIN_CACHE"], !explicit.isEmpty {
            directory = URL(fileURLWithPath: explicit)
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            directory = URL(fileURLWithPath: xdg).appendingPathComponent("dist-train")
        } else {
            directory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/dist-train")
        }
    }

    /// The cached file for `source` prepared with `options`: `simulated-<n>-seed<s>-<key>.nc` or
    /// `<folder name>-<key>.nc`.
    public func url(for source: ECGDatasetSource, options: ECGDatasetPreparationOptions) throws(DatasetResolutionError) -> URL {
        let key = try DatasetFingerprint.of(source, options: options)
        let name: String
        switch source {
        case let .directory(root):
            let folder = root.standardizedFileURL.lastPathComponent
                .map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? String($0) : "_" }.joined()
            name = "\(folder.isEmpty ? "data" : folder)-\(key).nc"
        case let .simulator(count, seed, _, _):
            name = "simulated-\(count)-seed\(seed)-\(key).nc"
        }
        return directory.appendingPathComponent(name)
    }
}

/// A short stable key for "these records prepared with these options": a 64-bit FNV-1a hash over the options'
/// canonical text and, for a directory, every file's relative path, size and modification time, so an edited,
/// added or removed file (or other options) gives another key.
enum DatasetFingerprint {
    /// 16 hex digits keying `source` prepared with `options`.
    static func of(_ source: ECGDatasetSource, options: ECGDatasetPreparationOptions) throws(DatasetResolutionError) -> String {
        var hash = FNV1a64()
        hash.add(options.canonicalDescription)
        switch source {
        case let .directory(root):
            hash.add(root.standardizedFileURL.path)
            for file in try listing(of: root, followsSymlinksOutside: options.followsSymlinksOutside) { hash.add(file) }
        case let .simulator(count, seed, weights, artifacts):
            // The simulator's revision keys its records too: a cache of an older simulator's records is not reused.
            hash.add("simulator r\(ECGSimulator.revision) \(count) \(seed)"
                     + (weights.isEmpty ? "" : " weights " + ECGDatasetSource.text(of: weights)) + (artifacts ? " artifacts" : ""))
        }
        return hash.hex
    }

    /// `relative path, size, modification time` of every non-hidden regular file that preparation reads under `root`
    /// (the same scan, so symbolic links count as preparation follows them), sorted.
    private static func listing(of root: URL, followsSymlinksOutside: Bool) throws(DatasetResolutionError) -> [String] {
        let scan: WFDBRecordDirectory.Scan
        do {
            scan = try WFDBRecordDirectory.scan(WFDBDataTree(root: root, followsSymlinksOutside: followsSymlinksOutside),
                                                from: root)
        } catch {
            throw .unreadableDirectory(root)
        }
        let rootPath = root.standardizedFileURL.path
        var lines: [String] = []
        for url in scan.files {
            var status = stat()
            guard stat(url.path, &status) == 0 else { throw .unreadableDirectory(url) }
            let path = url.standardizedFileURL.path
            let relative = path.hasPrefix(rootPath) ? String(path.dropFirst(rootPath.count)) : path
            let modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
            lines.append("\(relative)\t\(status.st_size)\t\(modified)")
        }
        return lines.sorted()
    }
}

/// The 64-bit Fowler-Noll-Vo 1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3), which is stable
/// across runs and platforms, unlike Swift's seeded `Hasher`.
private struct FNV1a64 {
    private var state: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Mixes in `text`'s UTF-8 bytes and a line break, so `["ab", "c"]` and `["a", "bc"]` differ.
    mutating func add(_ text: String) {
        for byte in text.utf8 + [0x0A] {
            state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
    }

    var hex: String {
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
