import ECGNets
import Foundation

/// Where prepared dataset files are kept between runs, and what each is called: `--cache-dir`, else
/// `$DIST_TRAIN_CACHE`, else `$XDG_CACHE_HOME/dist-train`, else `~/.cache/dist-train`.
struct DatasetCache {
    let directory: URL

    /// The cache chosen by `option` (a `--cache-dir` value) or the environment.
    init(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
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
    func url(for source: ECGDatasetSource, options: ECGDatasetPreparationOptions) throws -> URL {
        let key = try DatasetFingerprint.of(source, options: options)
        let name: String
        switch source {
        case let .directory(root):
            let folder = root.standardizedFileURL.lastPathComponent
                .map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? String($0) : "_" }.joined()
            name = "\(folder.isEmpty ? "data" : folder)-\(key).nc"
        case let .simulator(count, seed):
            name = "simulated-\(count)-seed\(seed)-\(key).nc"
        }
        return directory.appendingPathComponent(name)
    }
}
