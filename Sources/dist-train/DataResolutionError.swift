import Foundation

/// Why `--data` could not be turned into an open dataset on every rank.
enum DataResolutionError: Error, CustomStringConvertible {
    /// `--data` names nothing.
    case missingPath(String)
    /// A directory could not be listed to fingerprint it.
    case unreadableDirectory(URL)
    /// Rank 0 failed to prepare or find the dataset; it reports the cause itself.
    case failedOnRankZero
    /// Another rank could not open the dataset rank 0 prepared.
    case openFailed(rank: Int, path: String)

    var description: String {
        switch self {
        case let .missingPath(path):
            return "--data \(path): no such file or directory. Give a dataset file (.nc) or a directory of WFDB records."
        case let .unreadableDirectory(url):
            return "\(url.path): cannot list the directory. Check the path and its permissions."
        case .failedOnRankZero:
            return "rank 0 could not prepare the dataset (its message says why); stopping on every rank."
        case let .openFailed(rank, path):
            return "rank \(rank) could not open \(path) (its message says why). Every rank must see the same file: "
                + "put --cache-dir on a file system shared by all nodes."
        }
    }
}
