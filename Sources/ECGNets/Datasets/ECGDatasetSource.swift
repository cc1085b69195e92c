import Foundation

/// Where dataset preparation takes its records from.
public enum ECGDatasetSource: Sendable, Equatable, CustomStringConvertible {
    /// Every WFDB record (`.hea` + signal file) under a directory, at any depth.
    case directory(URL)
    /// Records `0..<count` of `ECGSimulator(seed: seed)` drawing with `classWeights` (see
    /// `ECGSimulator.Configuration.classWeights`; empty: the default mix), named `SIM00001`, `SIM00002`, ... as
    /// `dist-train synth` names them.
    case simulator(count: Int, seed: UInt64, classWeights: [ECGCondition: Double] = [:])

    /// The directory path, or `simulator (N records, seed S)` (and the class weights, if any).
    public var description: String {
        switch self {
        case let .directory(url): return url.path
        case let .simulator(count, seed, weights):
            return "simulator (\(count) records, seed \(seed)\(weights.isEmpty ? "" : ", class weights " + Self.text(of: weights)))"
        }
    }

    /// `weights` as `ABBREVIATION WEIGHT` pairs in the order of `ECGCondition.allCases`: a stable text.
    static func text(of weights: [ECGCondition: Double]) -> String {
        ECGCondition.allCases.compactMap { condition in weights[condition].map { "\(condition.abbreviation) \($0)" } }
            .joined(separator: ", ")
    }
}
