import Foundation

/// Where dataset preparation takes its records from.
public enum ECGDatasetSource: Sendable, Equatable, CustomStringConvertible {
    /// Every WFDB record (`.hea` + signal file) under a directory, at any depth.
    case directory(URL)
    /// Records `0..<count` of `ECGSimulator(seed: seed)`, named `SIM00001`, `SIM00002`, ... as `dist-train synth`
    /// names them.
    case simulator(count: Int, seed: UInt64)

    /// The directory path, or `simulator (N records, seed S)`.
    public var description: String {
        switch self {
        case let .directory(url): return url.path
        case let .simulator(count, seed): return "simulator (\(count) records, seed \(seed))"
        }
    }
}
