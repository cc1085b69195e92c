import Foundation

/// Where dataset preparation takes its records from.
public enum ECGDatasetSource: Sendable, Equatable, CustomStringConvertible {
    /// Every WFDB record (`.hea` + signal file) under a directory, at any depth.
    case directory(URL)
    /// Records `0..<count` of `ECGSimulator(seed: seed)` drawing with `classWeights` (see
    /// `ECGSimulator.Configuration.classWeights`; empty: the default mix) and, with `artifacts`, the occasional
    /// recording faults of `RecordingArtifacts`, named `SIM00001`, `SIM00002`, ... as `dist-train synth` names them.
    case simulator(count: Int, seed: UInt64, classWeights: [ECGCondition: Double] = [:], artifacts: Bool = false)

    /// The simulator configuration of a `.simulator` source (nil for a directory).
    public var simulatorConfiguration: ECGSimulator.Configuration? {
        guard case let .simulator(_, _, weights, artifacts) = self else { return nil }
        return ECGSimulator.Configuration(artifacts: artifacts, classWeights: weights)
    }

    /// The directory path, or `simulator (N records, seed S)` (and the class weights and faults, if any).
    public var description: String {
        switch self {
        case let .directory(url): return url.path
        case let .simulator(count, seed, weights, artifacts):
            return "simulator (\(count) records, seed \(seed)\(weights.isEmpty ? "" : ", class weights " + Self.text(of: weights))"
                + (artifacts ? ", recording faults)" : ")")
        }
    }

    /// `weights` as `ABBREVIATION WEIGHT` pairs in the order of `ECGCondition.allCases`: a stable text.
    static func text(of weights: [ECGCondition: Double]) -> String {
        ECGCondition.allCases.compactMap { condition in weights[condition].map { "\(condition.abbreviation) \($0)" } }
            .joined(separator: ", ")
    }
}
