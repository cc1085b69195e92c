import ECGNets
import Foundation

/// A short stable key for "these records prepared with these options": a 64-bit FNV-1a hash over the options'
/// canonical text and, for a directory, every file's relative path, size and modification time, so an edited,
/// added or removed file (or other options) gives another key.
enum DatasetFingerprint {
    /// 16 hex digits keying `source` prepared with `options`.
    static func of(_ source: ECGDatasetSource, options: ECGDatasetPreparationOptions) throws -> String {
        var hash = FNV1a64()
        hash.add(options.canonicalDescription)
        switch source {
        case let .directory(root):
            hash.add(root.standardizedFileURL.path)
            for file in try listing(of: root) { hash.add(file) }
        case let .simulator(count, seed):
            hash.add("simulator \(count) \(seed)")
        }
        return hash.hex
    }

    /// `relative path, size, modification time` of every non-hidden regular file under `root`, sorted.
    private static func listing(of root: URL) throws -> [String] {
        let keys: [URLResourceKey] = [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: keys,
                                                              options: [.skipsHiddenFiles]) else {
            throw DataResolutionError.unreadableDirectory(root)
        }
        let rootPath = root.standardizedFileURL.path
        var lines: [String] = []
        for case let url as URL in enumerator {
            let values = try url.resourceValues(forKeys: Set(keys))
            guard values.isRegularFile == true else { continue }
            let path = url.standardizedFileURL.path
            let relative = path.hasPrefix(rootPath) ? String(path.dropFirst(rootPath.count)) : path
            let modified = values.contentModificationDate?.timeIntervalSince1970 ?? 0
            lines.append("\(relative)\t\(values.fileSize ?? -1)\t\(modified)")
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
