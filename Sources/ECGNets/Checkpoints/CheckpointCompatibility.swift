import DistTensor

/// What a run requires of a checkpoint before continuing from it: the same network, classes, optimizer kind and
/// the settings that fix which records each step uses.
public struct CheckpointExpectation: Sendable, Equatable {
    public var configuration: ModelConfiguration
    public var classCodes: [String]
    public var optimizerKind: OptimizerKind
    public var seed: UInt64
    public var globalBatchSize: Int
    public var stepsPerEpoch: Int
    /// The simulated records mixed into every epoch, nil for none.
    public var syntheticMix: SyntheticMix?

    /// What a run with these settings requires of a checkpoint.
    public init(configuration: ModelConfiguration, classCodes: [String], optimizerKind: OptimizerKind, seed: UInt64,
                globalBatchSize: Int, stepsPerEpoch: Int, syntheticMix: SyntheticMix? = nil) {
        self.syntheticMix = syntheticMix
        self.configuration = configuration
        self.classCodes = classCodes
        self.optimizerKind = optimizerKind
        self.seed = seed
        self.globalBatchSize = globalBatchSize
        self.stepsPerEpoch = stepsPerEpoch
    }
}

extension CheckpointReader {
    /// Throws a `CheckpointError` that says exactly what differs if this checkpoint cannot continue the run
    /// `expected` describes. The world size may differ (see `TrainCommand`'s notice); nothing else that matters may.
    public func requireCompatible(with expected: CheckpointExpectation) throws(CheckpointError) {
        let found = metadata.configuration
        let wanted = expected.configuration
        if found != wanted {
            throw .modelMismatch(path: url.path, checkpoint: found.describe(differingFrom: wanted),
                                 run: wanted.describe(differingFrom: found))
        }
        if metadata.classCodes != expected.classCodes {
            throw .classListMismatch(path: url.path, detail: Self.classDifference(metadata.classCodes, expected.classCodes))
        }
        if optimizerState.kind != expected.optimizerKind {
            throw .settingMismatch(path: url.path, setting: "--optimizer", checkpoint: optimizerState.kind.rawValue,
                                   run: expected.optimizerKind.rawValue,
                                   advice: "Pass --optimizer \(optimizerState.kind.rawValue) to continue it.")
        }
        if metadata.seed != expected.seed {
            throw .settingMismatch(path: url.path, setting: "--seed", checkpoint: String(metadata.seed),
                                   run: String(expected.seed),
                                   advice: "The seed fixes the data order and dropout; pass --seed \(metadata.seed) to continue it.")
        }
        try Self.requireSameSyntheticMix(metadata.syntheticMix, expected.syntheticMix, path: url.path)
        if metadata.globalBatchSize != expected.globalBatchSize || metadata.stepsPerEpoch != expected.stepsPerEpoch {
            throw .settingMismatch(
                path: url.path, setting: "a global batch of",
                checkpoint: "\(metadata.globalBatchSize) (\(metadata.stepsPerEpoch) steps per epoch)",
                run: "\(expected.globalBatchSize) (\(expected.stepsPerEpoch) steps per epoch)",
                advice: "The batch and the number of training records fix which records each step uses; pass the "
                    + "checkpoint's --batch-size and the same data.")
        }
    }

    /// Throws, naming the flag, unless the checkpoint's synthetic augmentation is the run's: the fraction, the
    /// favoured classes, and the simulator that draws them all fix which samples each epoch holds.
    static func requireSameSyntheticMix(_ checkpoint: SyntheticMix?, _ run: SyntheticMix?, path: String) throws(CheckpointError) {
        guard checkpoint != run else { return }
        let (found, wanted) = (checkpoint?.fraction ?? 0, run?.fraction ?? 0)
        if found != wanted {
            throw .settingMismatch(path: path, setting: "--synthetic-fraction", checkpoint: "\(found)", run: "\(wanted)",
                                   advice: "The fraction fixes every epoch's samples; pass --synthetic-fraction \(found) to continue it.")
        }
        guard let checkpoint, let run else { return }
        if checkpoint.classCodes != run.classCodes {
            throw .settingMismatch(path: path, setting: "--synthetic-classes", checkpoint: checkpoint.classCodes.joined(separator: ","),
                                   run: run.classCodes.joined(separator: ","),
                                   advice: "The classes fix which records are simulated; pass --synthetic-classes "
                                    + "\(checkpoint.classCodes.joined(separator: ",")) to continue it.")
        }
        throw .settingMismatch(path: path, setting: "simulated records of",
                               checkpoint: "simulator revision \(checkpoint.simulatorRevision), odds x\(checkpoint.classWeight)",
                               run: "revision \(run.simulatorRevision), odds x\(run.classWeight)",
                               advice: "This program simulates other records; continue with the program that wrote the "
                                + "checkpoint, or start afresh with --resume none.")
    }

    /// Where two class lists first differ, or which codes one lacks.
    static func classDifference(_ checkpoint: [String], _ run: [String]) -> String {
        let missing = run.filter { !checkpoint.contains($0) }
        let extra = checkpoint.filter { !run.contains($0) }
        var parts = ["checkpoint has \(checkpoint.count) classes, this run \(run.count)"]
        if !missing.isEmpty { parts.append("the checkpoint lacks \(missing.joined(separator: ", "))") }
        if !extra.isEmpty { parts.append("this run lacks \(extra.joined(separator: ", "))") }
        if missing.isEmpty && extra.isEmpty,
           let index = zip(checkpoint, run).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            parts.append("the same codes in another order (first difference at output \(index): \(checkpoint[index]) vs \(run[index]))")
        }
        return parts.joined(separator: "; ")
    }
}
